// The Elastic Metal catalogue: offers (hourly and monthly), options and operating systems, with
// what each installation requires, and the partitioning schemas an install starts from. Static
// tables; ids are derived from names, so they are the same on every run and in every zone.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scwd::products::baremetal {

// An installation field of an OS: whether the caller must or may set it, and its default.
struct OsField {
  bool editable = false;
  bool required = false;
  std::optional<std::string> default_value;
};

enum class OsFamily { kLinux, kHypervisor, kWindows, kCustom };

struct Os {
  std::string id;
  std::string name;
  std::string version;
  std::string logo;  // file name under the logo bucket
  OsFamily family;
  OsField ssh, user, password, service_user, service_password;
  bool license_required = false;
  bool custom_partitioning = false;
  bool cloud_init = false;
  // Kernels too old for the newest hardware generation (offers tagged "new").
  bool legacy_kernel = false;
};

enum class OptionKind {
  kLicense,
  kPublicBandwidth,
  kPrivateNetwork,
  kRemoteAccess,
  kCertification
};

struct Option {
  std::string id;
  std::string name;
  OptionKind kind;
  bool manageable = true;
  std::int64_t bandwidth = 0;  // bits/s, bandwidth kinds
  std::string os_id;           // licence kind: the OS it licenses
};

// An option as an offer sells it: price per subscription period of the offer, in EUR.
struct OfferOption {
  const Option* option;
  bool enabled = false;
  double price = 0;
};

struct Cpu {
  std::string name;
  int cores = 0;
  int threads = 0;
  int frequency = 0;  // MHz
  std::string benchmark;
};

struct Disk {
  std::int64_t capacity;  // bytes
  std::string type;       // SSD, NVMe, HDD
};

struct Gpu {
  std::string name;
  std::int64_t vram;  // bytes
};

struct Offer {
  std::string id;
  std::string name;
  std::string subscription_period;  // hourly | monthly
  std::string commercial_range;
  Cpu cpu;
  std::int64_t memory = 0;  // bytes
  std::string memory_type;
  int memory_frequency = 0;
  std::vector<Disk> disks;
  std::vector<Gpu> gpus;
  std::int64_t bandwidth = 0;          // public, included
  std::int64_t max_bandwidth = 0;      // public, with the bandwidth options
  std::int64_t private_bandwidth = 0;  // private networks
  double price = 0;                    // EUR per hour (hourly) or per month (monthly)
  std::string stock;                   // empty | low | available
  std::vector<std::string> tags;
  std::vector<std::string> zones;
  std::vector<OfferOption> options;
  std::vector<std::string> incompatible_os_ids;
  std::string quota_name;
  std::string monthly_offer_id;  // hourly offers with a monthly counterpart
  bool install_v2 = false;       // custom partitioning and cloud-init (install-system-v2)
};

const std::vector<Offer>& offers();
const std::vector<Option>& options();
const std::vector<Os>& oses();

const Offer* find_offer(std::string_view id);
const Option* find_option(std::string_view id);
const Os* find_os(std::string_view id);

bool offered_in(const Offer& o, std::string_view zone);
bool compatible(const Offer& offer, const Os& os);

// Why `os` cannot be installed with a custom schema on `offer`; nullopt when it can.
std::optional<std::string> custom_partitioning_refusal(const Offer& offer, const Os& os);

// The schema an install of `os` on `offer` uses when the caller gives none: EFI, swap and /boot
// then / on the first disk, mirrored (RAID 1) on the second disk when there is one.
boost::json::object default_schema(const Offer& offer, const Os& os);

// Checks a caller's schema against the offer's disks; the first problem found, or nullopt.
std::optional<std::string> validate_schema(const boost::json::object& schema, const Offer& offer);

}  // namespace scwd::products::baremetal

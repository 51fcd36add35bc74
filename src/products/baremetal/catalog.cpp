#include "products/baremetal/catalog.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "core/util/ids.hpp"

namespace scwd::products::baremetal {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMbps = 1'000'000;
constexpr std::int64_t kGbps = 1'000'000'000;
constexpr std::int64_t kGB = 1'000'000'000;
constexpr std::int64_t kMiB = std::int64_t{1} << 20;
constexpr std::int64_t kGiB = std::int64_t{1} << 30;

// A UUID (v4 layout) derived from a name, as the image catalogue does: stable across runs, so
// servers keep valid offer and OS ids across restarts.
std::string stable_uuid(std::string_view name) {
  return name_uuid("scwd/baremetal/" + std::string(name));
}

// --- operating systems ---

OsField fixed(std::string v) { return {false, false, std::move(v)}; }
OsField needed() { return {false, true, std::nullopt}; }
OsField secret() { return {true, true, std::nullopt}; }

Os linux_os(std::string name, std::string version, std::string logo, std::string user,
            bool cloud_init, bool legacy = false) {
  Os o{.name = std::move(name), .version = std::move(version), .logo = std::move(logo)};
  o.family = OsFamily::kLinux;
  o.ssh = needed();
  o.user = fixed(std::move(user));
  o.custom_partitioning = true;
  o.cloud_init = cloud_init;
  o.legacy_kernel = legacy;
  return o;
}

// Hypervisors and backup appliances: the service (web UI) account is what the install sets up.
Os service_os(std::string name, std::string version, std::string logo, bool partitioning,
              bool legacy = false) {
  Os o{.name = std::move(name), .version = std::move(version), .logo = std::move(logo)};
  o.family = OsFamily::kHypervisor;
  o.user = fixed("root");
  o.service_user = fixed("root");
  o.service_user.required = true;
  o.service_password = secret();
  o.custom_partitioning = partitioning;
  o.legacy_kernel = legacy;
  return o;
}

Os windows_os(std::string version) {
  Os o{.name = "Windows", .version = std::move(version), .logo = "windows.png"};
  o.family = OsFamily::kWindows;
  o.user = fixed("Administrateur");
  o.user.required = true;
  o.password = secret();
  o.license_required = true;
  return o;
}

std::vector<Os> build_oses() {
  Os custom{.name = "Custom install", .version = "via Remote access", .logo = "custom.svg"};
  custom.family = OsFamily::kCustom;
  custom.user = fixed("root");
  std::vector<Os> v = {
      custom,
      linux_os("Ubuntu", "24.04 LTS (Noble Numbat)", "ubuntu.png", "ubuntu", true),
      linux_os("Ubuntu", "22.04 LTS (Jammy Jellyfish)", "ubuntu.png", "ubuntu", true),
      linux_os("Ubuntu", "20.04 LTS (Focal Fossa)", "ubuntu.png", "ubuntu", false, true),
      linux_os("Debian", "13 (Trixie)", "debian.png", "root", true),
      linux_os("Debian", "12 (Bookworm)", "debian.png", "root", true),
      linux_os("Debian", "11 (Bullseye)", "debian.png", "root", true),
      linux_os("Debian", "10 (Buster)", "debian.png", "root", false, true),
      linux_os("Fedora", "40", "fedora.png", "root", false),
      service_os("Proxmox VE", "8 | Debian 12 (Bookworm)", "proxmox.png", true),
      service_os("Proxmox VE", "7 | Debian 11 (Bullseye)", "proxmox.png", true),
      service_os("Proxmox Backup Server", "2 | Debian 11 (Bullseye)", "proxmox.png", true),
      linux_os("Alpine Linux", "Edge", "alpine.png", "root", false),
      service_os("ESXi", "7.0U3c", "vmware.png", false),
      service_os("ESXi", "6.7.0U3", "vmware.png", false, true),
      linux_os("Rocky Linux", "9", "rockylinux.png", "root", true),
      linux_os("Rocky Linux", "8", "rockylinux.png", "root", true),
      linux_os("Oracle Linux", "8", "oracle.png", "root", false),
      linux_os("Oracle Linux", "7.9", "oracle.png", "root", false, true),
      windows_os("2022 64BITS standard"),
      windows_os("2022 64BITS datacenter"),
      windows_os("2019 64BITS standard"),
      windows_os("2019 64BITS datacenter"),
      linux_os("CentOS", "7", "centos.png", "root", true, true),
  };
  for (auto& o : v) o.id = stable_uuid("os/" + o.name + " " + o.version);
  return v;
}

// --- options ---

const Os& os_named(const std::vector<Os>& all, std::string_view name, std::string_view version) {
  for (auto& o : all)
    if (o.name == name && o.version == version) return o;
  throw std::logic_error("baremetal catalogue: unknown OS");
}

std::vector<Option> build_options() {
  std::vector<Option> v;
  for (int gbps : {1, 2, 3, 4, 5, 10, 15, 20, 25})
    v.push_back({.name = "Public Bandwidth " + std::to_string(gbps) + "Gbps",
                 .kind = OptionKind::kPublicBandwidth,
                 .bandwidth = gbps * kGbps});
  v.push_back({.name = "Private Network", .kind = OptionKind::kPrivateNetwork});
  v.push_back({.name = "Remote Access", .kind = OptionKind::kRemoteAccess});
  v.push_back({.name = "HDS", .kind = OptionKind::kCertification, .manageable = false});
  auto& all = oses();
  for (auto [year, edition] : {std::pair{"2022", "standard"}, std::pair{"2022", "datacenter"},
                               std::pair{"2019", "standard"}, std::pair{"2019", "datacenter"}}) {
    auto& os = os_named(all, "Windows", std::string(year) + " 64BITS " + edition);
    v.push_back({.name = std::string("Windows ") + year + " " + edition,
                 .kind = OptionKind::kLicense,
                 .manageable = false,
                 .os_id = os.id});
  }
  // Options keep the platform's ids: clients name some of them directly (the Terraform provider
  // recognises the Private Network option by its id).
  static const std::map<std::string, std::string, std::less<>> kPlatformIds = {
      {"HDS", "31f78309-e6e0-4005-99b3-b3de3958ca7d"},
      {"Private Network", "cd4158d7-2d65-49be-8803-c4b8ab6f760c"},
      {"Public Bandwidth 1Gbps", "9ce714f1-ed03-4e3b-8c69-d46957ab0ebb"},
      {"Public Bandwidth 2Gbps", "b92d36c0-9754-4678-9efd-096e4244e798"},
      {"Public Bandwidth 3Gbps", "a905e3e8-690a-4822-9c90-21418a44aa76"},
      {"Public Bandwidth 4Gbps", "b37af8cf-8b18-4349-a063-64e9c3d50124"},
      {"Public Bandwidth 5Gbps", "e0063872-115b-413e-bbf9-fff7eeca1065"},
      {"Public Bandwidth 10Gbps", "31f5cddb-8217-4eb0-ac6a-96dbcb080b88"},
      {"Public Bandwidth 15Gbps", "4ce8bd16-0c16-479d-83bb-492b5f9072fa"},
      {"Public Bandwidth 20Gbps", "b0a352ae-8aa0-4397-b702-ecfe9563b47b"},
      {"Public Bandwidth 25Gbps", "ad1b86f2-4ae4-49f9-a826-a782e8d492f3"},
      {"Remote Access", "931df052-d713-4674-8b58-96a63244c8e2"},
      {"Serial Console", "50f266d9-4b2e-4424-9824-9335e7c3d32d"},
      {"Windows 2019 datacenter", "f74a6322-070e-41dd-a13f-8165ea63aca8"},
      {"Windows 2019 standard", "f42a040b-6c91-4b11-beb0-b0b21e641fda"},
      {"Windows 2022 datacenter", "c498071f-4f8d-49f3-bc52-afc219a48fe0"},
      {"Windows 2022 standard", "83a8fb91-47b4-4c20-82f9-84c31d79bfd8"},
  };
  for (auto& o : v) {
    auto known = kPlatformIds.find(o.name);
    o.id = known != kPlatformIds.end() ? known->second : stable_uuid("option/" + o.name);
  }
  return v;
}

// --- offers ---

enum Zone : unsigned { kPar1 = 1, kPar2 = 2, kAms1 = 4, kAms2 = 8, kWaw2 = 16, kWaw3 = 32 };
constexpr std::string_view kZoneNames[] = {"fr-par-1", "fr-par-2", "nl-ams-1",
                                           "nl-ams-2", "pl-waw-2", "pl-waw-3"};

// One server model. Prices in EUR (0: not sold on that period); bandwidths in Mbit/s.
struct Row {
  const char* name;
  const char* range;
  const char* cpu;
  int cores, threads, mhz;
  const char* bench;
  int mem_gb;
  const char* mem_type;
  int mem_mhz;
  int disk_count;
  std::int64_t disk_bytes;
  const char* disk_type;
  int gpu_count;
  const char* gpu;
  int gpu_vram_gb;
  int bw, max_bw, private_bw;
  double hourly, monthly;
  const char* stock_hourly;
  const char* stock_monthly;
  bool newest;  // current hardware generation (tag "new")
  bool v2;      // install-system-v2: custom partitioning and cloud-init
  bool windows, hds;
  unsigned zones;
};

constexpr std::int64_t k1TB = 1'024'209'543'168;  // "1 TB" drives as the kernel reports them
constexpr std::int64_t k2TB = 2'048'408'248'320;
constexpr std::int64_t k1920 = 1'920'383'410'176;

// clang-format off
constexpr Row kRows[] = {
  {"EM-A116X-SSD", "aluminium", "Intel Xeon E3 1220 or equivalent", 4, 4, 3100, "3895", 32, "DDR3", 1600, 2, k1TB, "SSD", 0, "", 0, 500, 1000, 1000, 0.077, 0, "low", "available", false, true, false, false, kPar1|kPar2},
  {"EM-A115X-SSD", "aluminium", "Intel Xeon E3 1220 or equivalent", 4, 4, 3100, "", 32, "DDR3", 1600, 2, k1TB, "SSD", 0, "", 0, 500, 1000, 1000, 0.091, 0, "available", "empty", false, true, false, false, kPar1|kPar2},
  {"EM-A610R-NVME", "aluminium", "AMD Ryzen PRO 3600", 6, 12, 3600, "17202", 32, "DDR4", 3200, 2, k1TB, "NVMe", 0, "", 0, 500, 1000, 1000, 0.11, 39.99, "available", "available", true, true, true, true, kPar1|kPar2|kAms1|kWaw2},
  {"EM-L101X-SATA", "lithium", "Intel Xeon E5 1410 v2", 4, 8, 2800, "5715", 96, "DDR3", 1600, 2, 6'001'175'126'016, "HDD", 0, "", 0, 1000, 1000, 1000, 0.122, 43.99, "available", "available", false, false, true, true, kPar1|kPar2},
  {"EM-A410X-SSD", "aluminium", "Intel Xeon E5 1650", 6, 12, 3200, "8086", 64, "DDR3", 1600, 2, k1TB, "SSD", 0, "", 0, 1000, 1000, 1000, 0.153, 54.99, "low", "available", false, false, true, false, kPar1|kPar2},
  {"EM-L105X-SATA", "lithium", "Intel Xeon E5 1410 v2", 4, 8, 2800, "5715", 96, "DDR3", 1600, 4, 6'001'175'126'016, "HDD", 0, "", 0, 1000, 1000, 1000, 0.213, 76.99, "available", "available", false, false, true, true, kPar1|kPar2},
  {"EM-B112X-SSD", "beryllium", "Intel Xeon E5 2600 or equivalent", 6, 12, 2000, "5295", 192, "DDR3", 1600, 2, 1'000'204'886'016, "SSD", 0, "", 0, 1000, 1000, 1000, 0.263, 94.99, "available", "available", false, false, true, true, kPar1|kPar2},
  {"EM-B211X-SATA", "beryllium", "Intel Xeon E5 2620 or equivalent", 8, 16, 2100, "5295", 256, "DDR3", 1600, 2, 8'000'000'000'000, "HDD", 0, "", 0, 1000, 1000, 1000, 0.321, 115.99, "empty", "available", false, false, true, true, kPar1|kPar2},
  {"EM-B220E-NVME", "beryllium", "AMD EPYC 7232P", 8, 16, 3100, "17017", 64, "DDR4", 2400, 2, k1TB, "NVMe", 0, "", 0, 1000, 10000, 10000, 0.333, 119.99, "available", "available", false, true, true, true, kPar1|kPar2|kAms1|kWaw2},
  {"EM-I120E-NVME", "iridium", "AMD EPYC 8024P", 8, 16, 2400, "20556", 64, "DDR5", 3200, 2, 960 * kGB, "NVMe", 0, "", 0, 1000, 25000, 25000, 0.356, 129.99, "available", "available", true, true, true, true, kPar1|kPar2|kAms1|kAms2|kWaw2|kWaw3},
  {"EM-L110X-SATA", "lithium", "Intel Xeon E5 1410 v2", 4, 8, 2800, "5715", 96, "DDR3", 1600, 4, 12'000'138'625'024, "HDD", 0, "", 0, 1000, 1000, 1000, 0.366, 131.99, "available", "available", false, false, true, true, kPar1|kPar2},
  {"EM-B320E-NVME", "beryllium", "AMD EPYC 7232P", 8, 16, 3100, "17017", 128, "DDR4", 2400, 2, k2TB, "NVMe", 0, "", 0, 1000, 10000, 10000, 0.417, 149.99, "low", "available", false, true, true, true, kPar1|kPar2|kAms1},
  {"EM-B420E-NVME", "beryllium", "AMD EPYC 7272", 12, 24, 2900, "25568", 128, "DDR4", 2400, 2, k1TB, "NVMe", 0, "", 0, 1000, 10000, 10000, 0.444, 159.99, "available", "available", false, true, true, true, kPar1|kPar2},
  {"EM-B520E-NVME", "beryllium", "AMD EPYC 7272", 12, 24, 2900, "25568", 256, "DDR4", 2400, 2, k2TB, "NVMe", 0, "", 0, 1000, 10000, 10000, 0.528, 189.99, "empty", "empty", false, true, true, true, kPar1|kPar2},
  {"EM-I220E-NVME", "iridium", "AMD EPYC 8124P", 16, 32, 2450, "36338", 128, "DDR5", 3200, 2, 960 * kGB, "NVMe", 0, "", 0, 1000, 25000, 25000, 0.548, 199.99, "available", "available", true, true, true, true, kPar1|kPar2|kAms1|kWaw2|kWaw3},
  {"EM-I210E-NVME", "iridium", "AMD EPYC 7313P", 16, 32, 3000, "41609", 128, "DDR4", 3200, 2, k1920, "NVMe", 0, "", 0, 1000, 10000, 10000, 0.667, 239.99, "low", "low", false, true, true, true, kPar1|kPar2},
  {"EM-I215E-NVME", "iridium", "AMD EPYC 7313P", 16, 32, 3000, "41609", 256, "DDR4", 3200, 2, k1920, "NVMe", 0, "", 0, 1000, 10000, 10000, 0.904, 329.99, "low", "available", false, true, true, true, kPar1|kPar2},
  {"EM-L220E-NVME", "lithium", "AMD EPYC 7232P", 8, 16, 3100, "17017", 64, "DDR4", 2400, 4, k2TB, "NVMe", 0, "", 0, 1000, 10000, 10000, 0.685, 229.99, "available", "available", false, true, true, false, kPar1|kPar2},
  {"EM-I320E-NVME", "iridium", "AMD EPYC 8224P", 24, 48, 2550, "45160", 192, "DDR5", 3200, 2, 1920 * kGB, "NVMe", 0, "", 0, 1000, 25000, 25000, 0.822, 299.99, "available", "available", true, true, true, true, kPar1|kPar2|kAms1},
  {"EM-I420E-NVME", "iridium", "AMD EPYC 8324P", 32, 64, 2650, "57127", 256, "DDR5", 3200, 2, 1920 * kGB, "NVMe", 0, "", 0, 1000, 25000, 25000, 1.096, 399.99, "available", "available", true, true, true, true, kPar1|kPar2},
  {"EM-I520E-NVME", "iridium", "AMD EPYC 8434P", 48, 96, 2500, "66490", 384, "DDR5", 3200, 2, 3840 * kGB, "NVMe", 0, "", 0, 1000, 25000, 25000, 1.37, 499.99, "available", "available", true, true, true, true, kPar1|kPar2},
  {"EM-I620E-NVME", "iridium", "AMD EPYC 8534P", 64, 128, 2300, "71900", 576, "DDR5", 3200, 2, 3840 * kGB, "NVMe", 0, "", 0, 1000, 25000, 25000, 1.644, 599.99, "available", "available", true, true, true, true, kPar1|kPar2},
  {"EM-A315X-SSD", "aluminium", "Intel Xeon E5 1410 v2", 4, 8, 2800, "5715", 64, "DDR3", 1600, 2, k1TB, "SSD", 0, "", 0, 1000, 1000, 1000, 0.153, 54.99, "empty", "empty", false, false, false, false, kPar1|kPar2},
  {"EM-B111X-SATA", "beryllium", "Intel Xeon E5 2620 or equivalent", 6, 12, 2000, "", 192, "DDR3", 1600, 2, 8'000'000'000'000, "HDD", 0, "", 0, 1000, 1000, 1000, 0.263, 94.99, "available", "available", false, false, true, false, kPar1|kPar2},
  {"EM-B212X-SSD", "beryllium", "Intel Xeon E5 2620 or equivalent", 8, 16, 2100, "5295", 256, "DDR3", 1600, 2, k1TB, "SSD", 0, "", 0, 1000, 1000, 1000, 0.321, 115.99, "available", "available", false, false, true, true, kPar1|kPar2},
  {"EM-B311X-SATA", "beryllium", "Intel Xeon E5 2670 v2", 10, 20, 2500, "11369", 256, "DDR3", 1600, 2, 12'000'000'000'000, "HDD", 0, "", 0, 1000, 1000, 1000, 0.379, 136.99, "available", "available", false, false, true, true, kPar2},
  {"EM-B312X-SSD", "beryllium", "Intel Xeon E5 2670 v2", 10, 20, 2500, "11369", 256, "DDR3", 1600, 2, k1TB, "SSD", 0, "", 0, 1000, 1000, 1000, 0.379, 136.99, "available", "available", false, false, true, true, kPar2},
  {"EM-L420E-NVME", "lithium", "AMD EPYC 7272", 12, 24, 2900, "25568", 128, "DDR4", 2400, 4, 4'000'787'030'016, "NVMe", 0, "", 0, 1000, 10000, 10000, 1.014, 349.99, "low", "empty", false, true, true, false, kPar1|kPar2},
  {"EM-L520E-NVME", "lithium", "AMD EPYC 8124P", 16, 32, 2450, "36338", 128, "DDR5", 3200, 4, 3840 * kGB, "NVMe", 0, "", 0, 1000, 10000, 25000, 1.096, 0, "low", "", false, true, true, false, kPar2},
  {"EM-I525E-NVME", "iridium", "AMD EPYC 8434P", 48, 96, 2500, "66490", 384, "DDR5", 3200, 4, 7680 * kGB, "NVMe", 0, "", 0, 1000, 25000, 25000, 1.781, 649.99, "empty", "empty", true, true, true, true, kPar1|kPar2},
  {"EM-T220E-L40S", "titanium", "AMD EPYC 9334", 32, 64, 2700, "64841", 256, "DDR5", 4800, 2, 3'840'755'982'336, "NVMe", 2, "NVIDIA L40S", 48, 1000, 25000, 25000, 4.11, 1499.99, "low", "low", true, true, true, true, kPar2},
  {"EM-T620E-H100", "titanium", "AMD EPYC 9334", 32, 64, 2700, "64841", 512, "DDR5", 4800, 2, 7'681'501'126'656, "NVMe", 2, "NVIDIA H100", 80, 1000, 25000, 25000, 9.589, 3499.99, "empty", "empty", true, true, true, true, kPar2},
};
// clang-format on

// Extra public bandwidth, per Gbit/s above what the offer includes, per hour.
constexpr double kBandwidthHourly = 0.274;
// Windows licences are billed monthly per physical core with an 8-core minimum: the recorded
// prices are 25.20 EUR up to 8 cores and 3.15 EUR a core above.
constexpr double kWindowsPerCore = 3.15;

double round_cents(double v) { return std::round(v * 100) / 100; }

// Private network price per hour by network generation (1, 10 or 25 Gbit/s private links).
double private_network_hourly(int private_bw_mbps) {
  return private_bw_mbps >= 25000 ? 0.09 : private_bw_mbps >= 10000 ? 0.06 : 0.03;
}

// An option's monthly price from its hourly one, in the ratio of the recorded Private Network
// prices (0.03 EUR an hour, 9.99 EUR a month).
double monthly_of(double hourly) { return hourly > 0 ? std::ceil(hourly * 333) - 0.01 : 0; }

std::vector<OfferOption> offer_options(const Row& r, bool monthly) {
  std::vector<OfferOption> v;
  auto price = [&](double hourly) { return monthly ? monthly_of(hourly) : hourly; };
  for (auto& o : options()) {
    switch (o.kind) {
      case OptionKind::kRemoteAccess:
        v.push_back({&o, false, 0});
        break;
      case OptionKind::kPrivateNetwork:
        v.push_back({&o, false, price(private_network_hourly(r.private_bw))});
        break;
      case OptionKind::kPublicBandwidth: {
        auto bps = o.bandwidth;
        if (bps <= std::int64_t{r.bw} * kMbps || bps > std::int64_t{r.max_bw} * kMbps) break;
        // The steps above the included bandwidth, in whole Gbit/s (at least one).
        double steps = std::max<double>(1, static_cast<double>(bps / kGbps - r.bw / 1000));
        v.push_back({&o, false, price(std::round(steps * kBandwidthHourly * 1000) / 1000)});
        break;
      }
      case OptionKind::kCertification:
        if (r.hds) v.push_back({&o, false, 0});
        break;
      case OptionKind::kLicense:
        if (r.windows)
          v.push_back({&o, false, round_cents(std::max(8, r.cores) * kWindowsPerCore)});
        break;
    }
  }
  return v;
}

std::string quota_name(std::string_view offer_name) {
  std::string q(offer_name);
  for (auto& c : q)
    if (c == '-') c = '_';
  // The quota names keep the drive technology's own spelling.
  if (q.ends_with("_NVME")) q.replace(q.size() - 4, 4, "NVMe");
  return q;
}

Offer offer_of(const Row& r, bool monthly) {
  Offer o;
  o.name = r.name;
  o.subscription_period = monthly ? "monthly" : "hourly";
  o.id = stable_uuid("offer/" + o.name + "/" + o.subscription_period);
  o.commercial_range = r.range;
  o.cpu = {r.cpu, r.cores, r.threads, r.mhz, r.bench};
  o.memory = std::int64_t{r.mem_gb} * kGB;
  o.memory_type = r.mem_type;
  o.memory_frequency = r.mem_mhz;
  for (int i = 0; i < r.disk_count; ++i) o.disks.push_back({r.disk_bytes, r.disk_type});
  for (int i = 0; i < r.gpu_count; ++i)
    o.gpus.push_back({r.gpu, std::int64_t{r.gpu_vram_gb} * kGB});
  o.bandwidth = std::int64_t{r.bw} * kMbps;
  o.max_bandwidth = std::int64_t{r.max_bw} * kMbps;
  o.private_bandwidth = std::int64_t{r.private_bw} * kMbps;
  o.price = monthly ? r.monthly : r.hourly;
  o.stock = monthly ? r.stock_monthly : r.stock_hourly;
  if (r.newest) o.tags.push_back("new");
  if (r.v2) {
    o.tags.push_back("install-system-v2");
    // cloud-init is offered on hourly servers only.
    if (!monthly) o.tags.push_back("cloud-init");
  }
  for (std::size_t i = 0; i < std::size(kZoneNames); ++i)
    if (r.zones & (1u << i)) o.zones.emplace_back(kZoneNames[i]);
  o.options = offer_options(r, monthly);
  o.quota_name = quota_name(r.name);
  o.install_v2 = r.v2;
  if (!monthly && r.monthly > 0) o.monthly_offer_id = stable_uuid("offer/" + o.name + "/monthly");
  return o;
}

std::vector<Offer> build_offers() {
  std::vector<Offer> v;
  // Hourly offers first, then monthly ones, each by price: the order the real catalogue lists.
  for (auto& r : kRows)
    if (r.hourly > 0) v.push_back(offer_of(r, false));
  for (auto& r : kRows)
    if (r.monthly > 0) v.push_back(offer_of(r, true));
  std::stable_sort(v.begin(), v.end(), [](const Offer& a, const Offer& b) {
    return std::tie(a.subscription_period, a.price) < std::tie(b.subscription_period, b.price);
  });
  for (auto& o : v)
    for (auto& os : oses())
      if (!compatible(o, os)) o.incompatible_os_ids.push_back(os.id);
  return v;
}

template <typename T>
const T* find_by_id(const std::vector<T>& all, std::string_view id) {
  for (auto& x : all)
    if (x.id == id) return &x;
  return nullptr;
}

// --- partitioning ---

// The device name of disk `i` of an offer and of its partition `n`.
std::string device(const Offer& o, std::size_t i) {
  if (o.disks[i].type == "NVMe") return "/dev/nvme" + std::to_string(i) + "n1";
  return std::string("/dev/sd") + static_cast<char>('a' + i);
}
std::string partition(const Offer& o, std::size_t i, int n) {
  auto d = device(o, i);
  return o.disks[i].type == "NVMe" ? d + "p" + std::to_string(n) : d + std::to_string(n);
}

constexpr std::int64_t kEfi = 512 * kMiB;
constexpr std::int64_t kSwap = 4 * kGiB;
constexpr std::int64_t kBoot = 512 * kMiB;
// What the partition table and alignment keep of a disk.
constexpr std::int64_t kReserved = 10 * kMiB;

json::object part(std::string_view label, int number, std::int64_t size) {
  return {{"label", label}, {"number", number}, {"size", size}, {"use_all_available_space", false}};
}

}  // namespace

const std::vector<Os>& oses() {
  static const std::vector<Os> v = build_oses();
  return v;
}
const std::vector<Option>& options() {
  static const std::vector<Option> v = build_options();
  return v;
}
const std::vector<Offer>& offers() {
  static const std::vector<Offer> v = build_offers();
  return v;
}

const Offer* find_offer(std::string_view id) { return find_by_id(offers(), id); }
const Option* find_option(std::string_view id) { return find_by_id(options(), id); }
const Os* find_os(std::string_view id) { return find_by_id(oses(), id); }

bool offered_in(const Offer& o, std::string_view zone) {
  return std::find(o.zones.begin(), o.zones.end(), zone) != o.zones.end();
}

bool compatible(const Offer& offer, const Os& os) {
  switch (os.family) {
    case OsFamily::kCustom:
      return true;
    case OsFamily::kWindows:
      // Windows needs its licence among the offer's options.
      return std::any_of(offer.options.begin(), offer.options.end(), [&](const OfferOption& o) {
        return o.option->kind == OptionKind::kLicense && o.option->os_id == os.id;
      });
    case OsFamily::kLinux:
    case OsFamily::kHypervisor:
      break;
  }
  bool newest = std::find(offer.tags.begin(), offer.tags.end(), "new") != offer.tags.end();
  return !(newest && os.legacy_kernel);
}

std::optional<std::string> custom_partitioning_refusal(const Offer& offer, const Os& os) {
  if (!os.custom_partitioning || !offer.install_v2 || offer.disks.empty())
    return "Custom Partitioning not supported";
  if (!compatible(offer, os)) return "OS is not compatible with this offer";
  return std::nullopt;
}

json::object default_schema(const Offer& offer, const Os&) {
  json::array disks, raids, filesystems;
  bool mirrored = offer.disks.size() >= 2;
  auto root_of = [&](std::size_t i, std::int64_t used) {
    return (offer.disks[i].capacity - used - kReserved) / kMiB * kMiB;
  };
  {
    json::array p;
    p.push_back(part("uefi", 1, kEfi));
    p.push_back(part("swap", 2, kSwap));
    p.push_back(part("boot", 3, kBoot));
    p.push_back(part("root", 4, root_of(0, kEfi + kSwap + kBoot)));
    disks.push_back(json::object{{"device", device(offer, 0)}, {"partitions", std::move(p)}});
  }
  filesystems.push_back(json::object{
      {"device", partition(offer, 0, 1)}, {"format", "fat32"}, {"mountpoint", "/boot/efi"}});
  if (mirrored) {
    // The second disk mirrors /boot and / (RAID 1) and has swap of its own, like the first.
    json::array p;
    p.push_back(part("swap", 1, kSwap));
    p.push_back(part("boot", 2, kBoot));
    p.push_back(part("root", 3, root_of(1, kEfi + kSwap + kBoot)));
    disks.push_back(json::object{{"device", device(offer, 1)}, {"partitions", std::move(p)}});
    raids.push_back(json::object{{"name", "/dev/md0"},
                                 {"level", "raid_level_1"},
                                 {"devices", json::array{json::value(partition(offer, 0, 3)),
                                                         json::value(partition(offer, 1, 2))}}});
    raids.push_back(json::object{{"name", "/dev/md1"},
                                 {"level", "raid_level_1"},
                                 {"devices", json::array{json::value(partition(offer, 0, 4)),
                                                         json::value(partition(offer, 1, 3))}}});
    filesystems.push_back(
        json::object{{"device", "/dev/md0"}, {"format", "ext4"}, {"mountpoint", "/boot"}});
    filesystems.push_back(
        json::object{{"device", "/dev/md1"}, {"format", "ext4"}, {"mountpoint", "/"}});
  } else {
    filesystems.push_back(json::object{
        {"device", partition(offer, 0, 3)}, {"format", "ext4"}, {"mountpoint", "/boot"}});
    filesystems.push_back(
        json::object{{"device", partition(offer, 0, 4)}, {"format", "ext4"}, {"mountpoint", "/"}});
  }
  return json::object{{"disks", std::move(disks)},
                      {"raids", std::move(raids)},
                      {"filesystems", std::move(filesystems)},
                      {"zfs", json::object{{"pools", json::array{}}}}};
}

namespace {

const json::array* array_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}
std::string string_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
std::int64_t int_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  // int64 fields travel as strings in proto3 JSON.
  if (v->is_string()) return std::atoll(std::string(v->get_string()).c_str());
  return 0;
}
bool bool_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

}  // namespace

std::optional<std::string> validate_schema(const json::object& schema, const Offer& offer) {
  std::map<std::string, std::int64_t> capacity;  // the offer's devices
  for (std::size_t i = 0; i < offer.disks.size(); ++i)
    capacity[device(offer, i)] = offer.disks[i].capacity;

  std::set<std::string> partitions;  // every block device the schema creates
  std::set<std::string> seen_disks;
  bool uefi = false;
  auto* disks = array_at(schema, "disks");
  if (!disks || disks->empty()) return "at least one disk must be partitioned";
  for (auto& dv : *disks) {
    if (!dv.is_object()) return "disks must be objects";
    auto& d = dv.get_object();
    auto dev = string_at(d, "device");
    auto cap = capacity.find(dev);
    if (cap == capacity.end()) return "disk " + dev + " does not exist on offer " + offer.name;
    if (!seen_disks.insert(dev).second) return "disk " + dev + " is partitioned twice";
    std::int64_t used = 0;
    int expected = 1;
    auto* parts = array_at(d, "partitions");
    if (!parts) continue;
    for (std::size_t i = 0; i < parts->size(); ++i) {
      if (!(*parts)[i].is_object()) return "partitions must be objects";
      auto& p = (*parts)[i].get_object();
      auto number = int_at(p, "number");
      if (number != expected)
        return "partitions of " + dev + " must be numbered from 1 without gaps";
      ++expected;
      auto label = string_at(p, "label");
      if (label.empty() || label == "unknown_partition_label")
        return "partition " + std::to_string(number) + " of " + dev + " has no label";
      if (label == "uefi") uefi = true;
      bool rest = bool_at(p, "use_all_available_space");
      if (rest && i + 1 != parts->size())
        return "only the last partition of " + dev + " may use all available space";
      auto size = int_at(p, "size");
      if (!rest && size <= 0)
        return "partition " + std::to_string(number) + " of " + dev + " needs a size";
      used += rest ? 0 : size;
      auto name = dev.find("nvme") != std::string::npos ? dev + "p" + std::to_string(number)
                                                        : dev + std::to_string(number);
      partitions.insert(name);
    }
    if (used > cap->second) return "partitions of " + dev + " exceed the disk's capacity";
  }
  if (!uefi) return "a uefi partition is required";

  std::set<std::string> used_devices;
  auto claim = [&](const std::string& dev, std::string_view by) -> std::optional<std::string> {
    if (!partitions.count(dev)) return std::string(by) + " uses unknown device " + dev;
    if (!used_devices.insert(dev).second) return "device " + dev + " is used twice";
    return std::nullopt;
  };
  if (auto* raids = array_at(schema, "raids")) {
    for (auto& rv : *raids) {
      if (!rv.is_object()) return "raids must be objects";
      auto& r = rv.get_object();
      auto name = string_at(r, "name");
      if (name.empty()) return "a raid needs a name";
      auto level = string_at(r, "level");
      auto* devs = array_at(r, "devices");
      std::size_t n = devs ? devs->size() : 0;
      std::size_t min = level == "raid_level_1" || level == "raid_level_0"    ? 2
                        : level == "raid_level_5"                             ? 3
                        : level == "raid_level_6" || level == "raid_level_10" ? 4
                                                                              : 0;
      if (min == 0) return "raid " + name + " has no level";
      if (n < min) return "raid " + name + " needs at least " + std::to_string(min) + " devices";
      for (auto& dv : *devs) {
        if (!dv.is_string()) return "raid devices must be strings";
        if (auto e = claim(std::string(dv.get_string()), "raid " + name)) return e;
      }
      if (!partitions.insert(name).second) return "raid " + name + " is defined twice";
    }
  }
  if (auto* zfs = schema.if_contains("zfs"); zfs && zfs->is_object()) {
    if (auto* pools = array_at(zfs->get_object(), "pools")) {
      for (auto& pv : *pools) {
        if (!pv.is_object()) return "zfs pools must be objects";
        auto& p = pv.get_object();
        auto name = string_at(p, "name");
        if (auto* devs = array_at(p, "devices"))
          for (auto& dv : *devs)
            if (auto e = claim(dv.is_string() ? std::string(dv.get_string()) : std::string(),
                               "zfs pool " + name))
              return e;
      }
    }
  }
  std::set<std::string> mountpoints;
  bool root = false;
  if (auto* fss = array_at(schema, "filesystems")) {
    for (auto& fv : *fss) {
      if (!fv.is_object()) return "filesystems must be objects";
      auto& f = fv.get_object();
      auto dev = string_at(f, "device");
      if (auto e = claim(dev, "a filesystem")) return e;
      auto format = string_at(f, "format");
      if (format.empty() || format == "unknown_format")
        return "filesystem on " + dev + " has no format";
      auto mp = string_at(f, "mountpoint");
      if (format != "swap" && (mp.empty() || mp[0] != '/'))
        return "filesystem on " + dev + " needs an absolute mountpoint";
      if (!mp.empty() && !mountpoints.insert(mp).second)
        return "mountpoint " + mp + " is used twice";
      if (mp == "/") root = true;
    }
  }
  if (!root) return "a filesystem must be mounted on /";
  return std::nullopt;
}

}  // namespace scwd::products::baremetal

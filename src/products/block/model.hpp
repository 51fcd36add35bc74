// Block Storage internals shared by the contract (block.cpp) and the API handlers (module.cpp):
// volume types, lifecycle plans, rendering and the quotas. Not used outside products/block.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/lifecycle/lifecycle.hpp"
#include "core/quota/quota.hpp"
#include "core/store/store.hpp"

namespace scwd::products::block {

inline constexpr std::int64_t kGB = 1'000'000'000;
inline constexpr std::int64_t kMinSize = 5 * kGB;          // sbs volumes: 5 GB ...
inline constexpr std::int64_t kMaxSize = 10'000 * kGB;     // ... to 10 TB
inline constexpr std::int64_t kPublicRootSize = 10 * kGB;  // public image root volumes
inline constexpr Micros kCreateAfter = 5'000'000;          // creating -> available
inline constexpr Micros kUpdateAfter = 6'500'000;          // updating -> available
inline constexpr Micros kSnapshotAfter = 5'000'000;        // snapshot creating -> available

// Quotas per organization (all zones together).
inline const quota::Quota kVolumeQuota{"block_volumes", {"block.volume"}, 100};
inline const quota::Quota kSnapshotQuota{"block_snapshots", {"block.snapshot"}, 100};

struct VolumeType {
  std::string_view type;
  std::int64_t iops;
  std::int32_t price_nanos;           // EUR per GB per hour
  std::int32_t snapshot_price_nanos;  // EUR per GB per hour
};
const std::vector<VolumeType>& volume_types();
const VolumeType* type_for_iops(std::int64_t iops);

// The engine of the running App (set when the module registers); settles records on access.
void set_runtime(lifecycle::Engine* engine, Clock* clock);
lifecycle::Engine* engine();
Micros clock_now();  // the App's (virtual) clock; system time before registration

// Loads a record of a kind in a zone, settled when something was due (written back when the
// transaction is a write one and `write` is true).
std::optional<store::Record> load(store::Tx& tx, std::string_view kind, std::string_view zone,
                                  std::string_view id, Micros now, bool write);

// Applies what entering a state means (pending updates, in_use when referenced).
void on_volume_enter(store::Tx& tx, store::Record& r, const lifecycle::Step& step, Micros at);
void on_snapshot_enter(store::Tx& tx, store::Record& s, const lifecycle::Step& step, Micros at);

boost::json::object render_volume(const store::Record& r);
boost::json::object render_snapshot(store::Tx& tx, const store::Record& r);
boost::json::object render_volume_type(const VolumeType& t, std::string_view zone);

// Inserts a snapshot record (quota checked) in `creating`.
api::Result<store::Record> insert_snapshot(store::Tx& tx, const app::Context& ctx,
                                           std::string organization, std::string project,
                                           std::string zone, std::string name,
                                           std::vector<std::string> tags, std::int64_t size,
                                           std::string parent_volume_id, Micros now);

}  // namespace scwd::products::block

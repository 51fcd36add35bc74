// Block Storage internals shared by the contract (block.cpp) and the API (module.cpp): volume
// types, new records, lifecycle hooks and rendering. Not used outside products/block.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/lifecycle/lifecycle.hpp"
#include "core/quota/quota.hpp"
#include "core/store/store.hpp"
#include "products/block/block.hpp"

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

// A record of a kind in a zone, as stored (due steps were settled before the request ran).
std::optional<store::Record> load(store::Tx& tx, std::string_view kind, std::string_view zone,
                                  std::string_view id);

// Declares what volumes and snapshots accrue in the usage ledger (meters.cpp).
void declare_meters();

// Applies what entering a state means (pending updates, in_use when referenced).
void on_volume_enter(store::Tx& tx, store::Record& r, const lifecycle::Step& step, Micros at);
void on_snapshot_enter(store::Tx& tx, store::Record& s, const lifecycle::Step& step, Micros at);

boost::json::object render_volume(const store::Record& r);
// `parent`: the source volume when it still exists.
boost::json::object render_snapshot(const store::Record& r, const store::Record* parent);
boost::json::object render_volume_type(const VolumeType& t);

// Makes `r` (kind, id, owner, zone and times already set) the volume `v` asks for: checks the
// size, the IOPS and the source snapshot of the owner's organization, and the quota.
std::optional<api::ApiError> make_volume(store::Tx& tx, const app::Context& ctx, const NewVolume& v,
                                         store::Record& r);
// Makes `s` (kind, id, owner, zone and times already set) a snapshot of `volume`, `creating`.
void make_snapshot(const app::Context& ctx, const store::Record& volume, store::Record& s);

}  // namespace scwd::products::block

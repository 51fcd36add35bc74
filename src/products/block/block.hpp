// What Instance needs from Block Storage: SBS volumes and snapshots are Block records; Instance
// creates them for servers (root volumes from images, `volumes` templates, backups) and mirrors
// attachments into the volume's `references`. Owner: the Block work (block.cpp and friends).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/codec/input.hpp"
#include "core/store/store.hpp"

namespace scwd::products::block {

// The object-storage object a snapshot export writes to (the body of Block's and Instance's
// export actions).
struct ExportTarget {
  codec::Required<std::string> bucket, key;
};
BOOST_DESCRIBE_STRUCT(ExportTarget, (), (bucket, key))

inline constexpr std::string_view kVolumeKind = "block.volume";      // locality = zone
inline constexpr std::string_view kSnapshotKind = "block.snapshot";  // locality = zone
// How other routes name them (app::Reference): judged on the BlockStorage family.
inline constexpr app::RefKind kVolumeRef{kVolumeKind, "BlockStorage", "volume"};
inline constexpr app::RefKind kSnapshotRef{kSnapshotKind, "BlockStorage", "snapshot"};

struct NewVolume {
  std::string name;
  std::int64_t size = 0;                   // bytes; 0 = the snapshot's size
  std::optional<std::string> snapshot_id;  // a block snapshot, or a public image root snapshot
  std::int64_t iops = 5000;                // 5000 (sbs_5k) or 15000 (sbs_15k)
  std::vector<std::string> tags;
  // Added: true creates the volume `available` at once, as the real platform does for the
  // volumes it creates while creating an Instance server (they are in_use when POST /servers
  // answers); false goes through `creating` (~5 s) like POST /block/.../volumes.
  bool ready = false;
};

// Creates (inserts) an SBS volume; errors: not_found for an unknown snapshot, invalid_arguments
// for a bad size, quotas_exceeded.
api::Result<store::Record> create_volume(store::Tx& tx, const app::Context& ctx,
                                         const app::Owner& owner, std::string_view zone,
                                         const NewVolume& v);
// The volume with that id in that zone, else nullopt. Like every contract function here, it
// sees the record as stored: the core settles due lifecycle steps before each request.
std::optional<store::Record> find_volume(store::Tx& tx, std::string_view zone, std::string_view id);
// Records the attachment to an Instance server (reference + status in_use). Error when the
// volume is missing or already attached to another server.
std::optional<api::ApiError> attach(store::Tx& tx, std::string_view zone,
                                    std::string_view volume_id, std::string_view server_id,
                                    Micros now);
// Drops the reference to that server (status back to available). No-op when not attached.
void detach(store::Tx& tx, std::string_view zone, std::string_view volume_id,
            std::string_view server_id, Micros now);
// Snapshots an SBS volume (Instance backups); inserts and returns the block snapshot.
api::Result<store::Record> create_snapshot(store::Tx& tx, const app::Context& ctx,
                                           const store::Record& volume, std::string name,
                                           Micros now);
// The state of a volume as an Instance server volume entry shows it ("available", "in_use"...).
std::string instance_state(const store::Record& volume);

// --- additions (not in the original contract) ---
// The snapshot with that id in that zone, else nullopt.
std::optional<store::Record> find_snapshot(store::Tx& tx, std::string_view zone,
                                           std::string_view id);
// Records that an Instance image uses a block snapshot (reference {product_resource_type:
// "instance_image", type:"link", status:"attached"}); the snapshot shows `in_use` (once created)
// and cannot be deleted. not_found when the snapshot is missing. No-op when already linked.
std::optional<api::ApiError> link_snapshot(store::Tx& tx, std::string_view zone,
                                           std::string_view snapshot_id, std::string_view image_id,
                                           Micros now);
// Drops that image's reference (status back to available). No-op when not linked.
void unlink_snapshot(store::Tx& tx, std::string_view zone, std::string_view snapshot_id,
                     std::string_view image_id, Micros now);

}  // namespace scwd::products::block

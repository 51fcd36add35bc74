// The "compute" part of Instance v1 (servers, server actions, volumes, snapshots, images, user
// data): route registration for module.cpp and helpers shared by these files only. What other
// parts of Instance may use is declared in model.hpp.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/http/message.hpp"
#include "core/lifecycle/lifecycle.hpp"
#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "core/resource/resource.hpp"
#include "core/store/store.hpp"
#include "core/util/json.hpp"
#include "products/catalogue/images.hpp"
#include "products/instance/model.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

inline constexpr std::int64_t kGB = 1'000'000'000;

// One record per user data key: parent_id = server id, name = key, body {"value": "..."}.
inline constexpr std::string_view kUserDataKind = "instance.user_data";

// Per-organization quotas (override with --quota NAME=N).
extern const quota::Quota kServerQuota;
extern const quota::Quota kVolumeQuota;
extern const quota::Quota kSnapshotQuota;
extern const quota::Quota kImageQuota;

// Lifecycle durations (realistic, scaled by --lifecycle-speed).

// ---- HTTP helpers ----
// 201 + Location: <api>/instance/v1/zones/<zone>/<collection>/<id>.
http::Response created(const app::Context& ctx, std::string_view collection, std::string_view id,
                       const json::value& body);
// A Task object ("pending", progress 0).
json::object task_json(const app::Context& ctx, std::string_view description,
                       std::string_view href_from, std::string_view href_result, Micros now);
// The common list filters: organization, project (exact UUIDs), name (substring), tags (a comma
// list or a single string: records must carry every tag).
// Also limits the list to the projects the caller may read (IAM, Context::scope).
std::optional<api::ApiError> common_filters(app::Context& ctx, store::ListQuery& q);
// Runs a list query of the zone with legacy paging and answers {"<key>": [...]} + headers.
template <typename Render>
api::Result<http::Response> legacy_list(const app::Context& ctx, store::Tx& tx, store::ListQuery q,
                                        std::string_view key, std::string_view collection,
                                        Render&& render);
// A path id: must be a UUID (invalid_arguments otherwise), lower-cased.
api::Result<std::string> path_id(const app::Context& ctx, std::string_view param);

// ---- filesystems (filesystems.cpp) ----
// A server's `filesystems` entries with their states at `now`.
json::array render_filesystems(const store::Record& s, Micros now, Micros attach_time);
Micros filesystem_attach_time(const app::Context& ctx);
// Record actions attach-filesystem / detach-filesystem.
std::optional<api::ApiError> attach_filesystem(app::Context& ctx, store::Tx& tx, store::Record& s);
std::optional<api::ApiError> detach_filesystem(app::Context& ctx, store::Tx& tx, store::Record& s);

// ---- volumes (volumes.cpp) ----
// The Volume object; `server`: the record of the server it is attached to, when still there.
json::object render_volume(const store::Record& v, const store::Record* server);
// Inserts an l_ssd / scratch volume (quota checked). base: the snapshot it is made from.
api::Result<store::Record> insert_volume(store::Tx& tx, const app::Context& ctx,
                                         const app::Owner& owner, std::string name,
                                         std::string volume_type, std::int64_t size,
                                         std::vector<std::string> tags,
                                         const store::Record* base_snapshot, Micros now);
// Marks a local volume attached to (or detached from, when server is null) a server.
void set_volume_server(store::Tx& tx, store::Record& volume, const store::Record* server,
                       Micros now);
void register_volumes(app::Registry& r);

// ---- snapshots (snapshots.cpp) ----
json::object render_snapshot(store::Tx& tx, const store::Record& s);
// Snapshots a local volume (quota checked): "snapshotting" while its server runs (hot
// snapshot), else available at once.
api::Result<store::Record> snapshot_volume(store::Tx& tx, const app::Context& ctx,
                                           const app::Owner& owner, const store::Record& volume,
                                           std::string name, std::vector<std::string> tags,
                                           Micros now);
void register_snapshots(app::Registry& r);

// ---- images (images.cpp) ----
// An image a server can boot from: one of the caller's images or a public image of the zone.
struct ImageView {
  std::string id;
  std::string name;
  std::string arch;
  json::object json;                             // the full Image object
  json::object root_volume;                      // {id, name, size, volume_type}
  json::object extra_volumes;                    // {"1": {id, name, size, volume_type}, ...}
  const catalogue::LocalImage* local = nullptr;  // public images
};
json::object render_image(const store::Record& img);
json::object render_public_image(const catalogue::LocalImage& li);
std::optional<ImageView> find_image(store::Tx& tx, const app::Context& ctx, std::string_view id);
// Inserts an image record (quota checked).
api::Result<store::Record> insert_image(store::Tx& tx, const app::Context& ctx,
                                        const app::Owner& owner, std::string name, std::string arch,
                                        json::object root_volume, json::object extra_volumes,
                                        std::string from_server, bool is_public,
                                        std::vector<std::string> tags, Micros now);
// Records (link) or drops (unlink) the image's use of its Block snapshots.
std::optional<api::ApiError> link_image_snapshots(store::Tx& tx, const store::Record& img,
                                                  bool link, Micros now);
void register_images(app::Registry& r);

// ---- servers (servers.cpp) ----
// The server kind: its get / list / update / delete routes and every single Server answer.
const resource::Spec& server_spec();
json::array allowed_actions(const store::Record& s);
// The slots of a server's volumes map, by numeric key.
std::vector<std::pair<std::string, json::object>> server_slots(const store::Record& s);
void register_servers(app::Registry& r);
// server_create.cpp
api::Result<http::Response> create_server(app::Context& ctx);
// server_update.cpp: the PATCH hook, and the PUT form (`spec` names the record by `id`).
std::optional<api::ApiError> update_server(app::Context& ctx, store::Tx& tx, store::Record& s);
api::Result<http::Response> set_server(app::Context& ctx, const resource::Spec& spec);

// ---- the volumes of a server (server_volumes.cpp) ----
bool is_local_type(std::string_view volume_type);  // l_ssd, scratch
bool numeric_key(std::string_view k);              // "0", "1", ...
int key_num(std::string_view k);
// An existing volume a server may use: an Instance local volume or a Block (SBS) volume of the
// caller in the zone.
struct FoundVolume {
  std::string id;
  std::string type;  // l_ssd | scratch | sbs_volume
  std::int64_t size = 0;
  std::optional<store::Record> local;
};
std::optional<FoundVolume> find_volume(store::Tx& tx, const app::Context& ctx, std::string_view id);
// Attaches a volume to a server record (already inserted); errors when it is in use elsewhere.
std::optional<api::ApiError> attach_found(store::Tx& tx, const app::Context& ctx, FoundVolume& f,
                                          const store::Record& server, Micros now);
void detach_slot(store::Tx& tx, const app::Context& ctx, const json::object& slot,
                 const store::Record& server, Micros now);
// Total local (l_ssd) and scratch storage of a set of slots.
struct LocalTotals {
  std::int64_t l_ssd = 0;
  std::int64_t scratch = 0;
  int l_ssd_count = 0;
};
LocalTotals local_totals(store::Tx& tx, const json::object& volumes);
std::optional<api::ApiError> check_local_fit(const ServerType& type, const LocalTotals& t,
                                             std::string_view arg);
// Record actions attach-volume / detach-volume.
std::optional<api::ApiError> attach_volume(app::Context& ctx, store::Tx& tx, store::Record& s);
std::optional<api::ApiError> detach_volume(app::Context& ctx, store::Tx& tx, store::Record& s);
api::Result<http::Response> compatible_types(app::Context& ctx);

// ---- actions (server_actions.cpp) ----
void register_actions(app::Registry& r);
// Lifecycle hook of server records.
void on_server_enter(store::Tx& tx, store::Record& r, const lifecycle::Step& step, Micros at);

// ---- user data (user_data.cpp) ----
void register_user_data(app::Registry& r);
void delete_user_data(store::Tx& tx, std::string_view server_id);

// ---- template implementation ----
template <typename Render>
api::Result<http::Response> legacy_list(const app::Context& ctx, store::Tx& tx, store::ListQuery q,
                                        std::string_view key, std::string_view collection,
                                        Render&& render) {
  auto page = paging::read_legacy(ctx.req);
  if (!page) return api::fail(page.error());
  q.filters.push_back(
      {store::Column::kLocality, store::Op::kEq, {std::string(ctx.zone())}, {}, false});
  q.filters.push_back(
      {store::Column::kOrganization, store::Op::kEq, {ctx.principal.organization_id}, {}, false});
  paging::apply(q, *page);
  auto res = tx.list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render(r));
  auto out = http::Response::json(200, json::object{{key, std::move(items)}});
  paging::legacy_headers(out, ctx.req, collection, *page, res.total);
  return out;
}

}  // namespace scwd::products::instance::compute

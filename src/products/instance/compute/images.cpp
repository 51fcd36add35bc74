// Instance images: the organization's own images (from snapshots, or made by server backups)
// and the public images of the zone (the Marketplace local images, owned by Scaleway's public
// organization): create / get / list / update / delete.
#include <algorithm>
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/resource/records.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

constexpr std::string_view kResource = "instance_image";
const std::string kPublicOrg(catalogue::kPublicOrganization);

json::object public_root_volume(const catalogue::LocalImage& li) {
  if (li.type == "instance_local")
    return json::object{{"id", li.root_snapshot_id},
                        {"name", li.name},
                        {"volume_type", "l_ssd"},
                        {"size", li.root_size}};
  return json::object{
      {"volume_type", "sbs_snapshot"}, {"id", li.root_snapshot_id}, {"size", 0}, {"name", ""}};
}

// The VolumeSummary of a snapshot an image may use: an Instance snapshot or a Block snapshot of
// the caller in the zone.
Result<json::object> snapshot_ref(store::Tx& tx, const Context& ctx, std::string_view id_in,
                                  std::string_view arg) {
  auto id = uuid_arg(id_in, arg);
  if (!id) return api::fail(id.error());
  if (auto s = tx.get(kSnapshotKind, *id);
      s && s->locality == ctx.zone() && s->organization_id == ctx.principal.organization_id) {
    if (s->state != "available")
      return api::fail(ApiError::transient_state("instance_snapshot", s->id, s->state));
    return json::object{{"id", s->id},
                        {"name", s->name},
                        {"volume_type", str_of(s->body, "volume_type", "l_ssd")},
                        {"size", int_of(s->body, "size")}};
  }
  if (auto s = block::find_snapshot(tx, ctx.zone(), *id);
      s && s->organization_id == ctx.principal.organization_id)
    return json::object{{"volume_type", "sbs_snapshot"}, {"id", s->id}, {"size", 0}, {"name", ""}};
  return api::fail(ApiError::not_found("instance_snapshot", *id));
}

Result<json::object> read_extra_volumes(store::Tx& tx, const Context& ctx, const json::object& in) {
  json::object out;
  for (auto& kv : in) {
    std::string arg = "extra_volumes." + std::string(kv.key());
    if (!kv.value().is_object())
      return api::fail(ApiError::invalid_argument(arg, ArgReason::kFormat, "expected an object"));
    auto id = str_of(kv.value().as_object(), "id");
    if (id.empty())
      return api::fail(ApiError::invalid_argument(arg + ".id", ArgReason::kRequired,
                                                  "required key not provided"));
    auto ref = snapshot_ref(tx, ctx, id, arg + ".id");
    if (!ref) return api::fail(ref.error());
    out[kv.key()] = std::move(*ref);
  }
  return out;
}

Result<Response> create_image(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto root = b.str("root_volume", true);
  auto arch = b.enumeration("arch", {"x86_64", "arm", "arm64"}, true);
  auto* extra = b.object("extra_volumes");
  auto tags = b.strings("tags");
  auto is_public = b.boolean("public");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = owner_of(ctx, tx, ctx.body);
    if (!owner) return api::fail(owner.error());
    auto rv = snapshot_ref(tx, ctx, *root, "root_volume");
    if (!rv) return api::fail(rv.error());
    json::object ev;
    if (extra) {
      auto e = read_extra_volumes(tx, ctx, *extra);
      if (!e) return api::fail(e.error());
      ev = std::move(*e);
    }
    auto img =
        insert_image(tx, ctx, *owner, name.value_or(""), *arch, std::move(*rv), std::move(ev), "",
                     is_public.value_or(false), tags.value_or(std::vector<std::string>{}), now);
    if (!img) return api::fail(img.error());
    if (auto e = link_image_snapshots(tx, *img, true, now)) return api::fail(*e);
    return created(ctx, "images", img->id, json::object{{"image", render_image(*img)}});
  });
}

// An image of the caller to change: public images are not theirs to write.
Result<store::Record> load_own_image(store::Tx& tx, const Context& ctx, const std::string& id) {
  auto img = load(tx, ctx, kImageKind, id, kResource);
  if (!img && catalogue::find_local_image(id))
    return api::fail(ApiError::permissions_denied({{"write", "instance_image"}}));
  return img;
}

Result<Response> get_image(Context& ctx) {
  auto id = path_id(ctx, "image_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto img = find_image(*tx, ctx, *id);
  if (!img) return api::fail(ApiError::not_found(kResource, *id));
  return Response::json(200, json::object{{"image", img->json}});
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  auto lower = [](std::string_view s) { return to_lower(s); };
  return lower(hay).find(lower(needle)) != std::string::npos;
}

Result<Response> list_images(Context& ctx) {
  auto page = paging::read_legacy(ctx.req);
  if (!page) return api::fail(page.error());
  std::optional<bool> pub;
  if (auto* p = ctx.query("public"); p && !p->empty()) pub = (*p == "true" || *p == "1");
  std::string org_filter, project_filter;
  for (auto [param, out] :
       {std::pair{"organization", &org_filter}, std::pair{"project", &project_filter}}) {
    auto* v = ctx.query(param);
    if (!v || v->empty()) continue;
    if (!is_uuid(*v))
      return api::fail(ApiError::invalid_argument(param, ArgReason::kFormat, "invalid UUID"));
    *out = to_lower(*v);
  }
  std::string name = ctx.query_opt("name").value_or("");
  std::string arch = ctx.query_opt("arch").value_or("");
  std::vector<std::string> tags;
  for (auto& t : ctx.query_all("tags", true))
    if (!t.empty()) tags.push_back(t);

  struct Item {
    Micros created;
    std::string id;
    json::object json;
  };
  std::vector<Item> items;
  auto tx = ctx.store().begin(store::TxMode::kRead);
  // The organization's images, in the projects the caller may read. Scoping the query (rather
  // than leaving it to the pipeline's list filter) keeps the public images, whose project is
  // Scaleway's, and keeps the total right.
  store::ListQuery q;
  q.kind = std::string(kImageKind);
  ctx.scope(q);
  if (org_filter.empty() || org_filter == ctx.principal.organization_id) {
    q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
    q.filters.push_back(
        {Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
    if (!project_filter.empty())
      q.filters.push_back({Column::kProject, Op::kEq, {project_filter}, {}, false});
    if (!name.empty()) q.filters.push_back({Column::kName, Op::kContains, {name}, {}, false});
    q.tags_all = tags;
    q.with_total = false;
    for (auto& r : tx->list(q).items) {
      if (!arch.empty() && str_of(r.body, "arch") != arch) continue;
      if (pub && bool_of(r.body, "public") != *pub) continue;
      items.push_back({r.created_at, r.id, render_image(r)});
    }
  }
  // Scaleway's public images of the zone.
  bool want_public = !pub || *pub;
  if (want_public && tags.empty() && (org_filter.empty() || org_filter == kPublicOrg) &&
      (project_filter.empty() || project_filter == kPublicOrg)) {
    for (auto& li : catalogue::local_images()) {
      if (li.zone != ctx.zone()) continue;
      if (!arch.empty() && li.arch != arch) continue;
      if (!name.empty() && !contains_ci(li.name, name)) continue;
      items.push_back({li.created_at, li.id, render_public_image(li)});
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.created != b.created) return a.created > b.created;
    return a.id < b.id;
  });
  std::int64_t total = static_cast<std::int64_t>(items.size());
  json::array out;
  for (std::int64_t i = page->offset(); i < total && i < page->offset() + page->size; ++i)
    out.push_back(std::move(items[static_cast<std::size_t>(i)].json));
  auto res = Response::json(200, json::object{{"images", std::move(out)}});
  paging::legacy_headers(res, ctx.req, "images", *page, total);
  return res;
}

// PATCH (image_id), and the SDK-private PUT (_setImage, path {id}): a full Image whose
// writable fields are name, arch, public and tags (extra volumes only through PATCH).
Result<Response> update_image(Context& ctx) {
  auto id = path_id(ctx, ctx.params["image_id"].empty() ? "id" : "image_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto arch = b.enumeration("arch", {"x86_64", "arm", "arm64"});
  const json::object* extra = ctx.req.method == "PATCH" ? b.object("extra_volumes") : nullptr;
  auto tags = b.strings("tags");
  auto is_public = b.boolean("public");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto img = load_own_image(tx, ctx, *id);
    if (!img) return api::fail(img.error());
    if (extra) {
      auto ev = read_extra_volumes(tx, ctx, *extra);
      if (!ev) return api::fail(ev.error());
      link_image_snapshots(tx, *img, false, ctx.now());
      img->body["extra_volumes"] = std::move(*ev);
      if (auto e = link_image_snapshots(tx, *img, true, ctx.now())) return api::fail(*e);
    }
    if (name) img->name = *name;
    if (arch) img->body["arch"] = *arch;
    if (tags) img->tags = *tags;
    if (is_public) img->body["public"] = *is_public;
    img->updated_at = ctx.now();
    tx.update(*img);
    return Response::json(200, json::object{{"image", render_image(*img)}});
  });
}

Result<Response> delete_image(Context& ctx) {
  auto id = path_id(ctx, "image_id");
  if (!id) return api::fail(id.error());
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto img = load_own_image(tx, ctx, *id);
    if (!img) return api::fail(img.error());
    // The snapshots stay: clients delete them separately.
    link_image_snapshots(tx, *img, false, ctx.now());
    tx.remove(kImageKind, img->id);
    return Response::no_content();
  });
}

}  // namespace

std::optional<ApiError> link_image_snapshots(store::Tx& tx, const store::Record& img, bool link,
                                             Micros now) {
  std::vector<std::string> ids;
  auto add = [&](const json::value& ref) {
    if (ref.is_object() && str_of(ref.as_object(), "volume_type") == "sbs_snapshot")
      ids.push_back(str_of(ref.as_object(), "id"));
  };
  add(value_of(img.body, "root_volume"));
  if (auto ev = value_of(img.body, "extra_volumes"); ev.is_object())
    for (auto& kv : ev.as_object()) add(kv.value());
  for (auto& id : ids) {
    if (!link) {
      block::unlink_snapshot(tx, img.locality, id, img.id, now);
    } else if (auto e = block::link_snapshot(tx, img.locality, id, img.id, now)) {
      return e;
    }
  }
  return std::nullopt;
}

json::object render_image(const store::Record& img) {
  json::object o;
  o["id"] = img.id;
  o["name"] = img.name;
  o["organization"] = img.organization_id;
  o["project"] = img.project_id;
  auto rv = value_of(img.body, "root_volume");
  o["root_volume"] = rv.is_object() ? rv : json::value(nullptr);
  auto ev = value_of(img.body, "extra_volumes");
  o["extra_volumes"] = ev.is_object() ? ev : json::value(json::object{});
  o["public"] = bool_of(img.body, "public");
  o["arch"] = str_of(img.body, "arch", "x86_64");
  o["creation_date"] = ts(img.created_at);
  o["modification_date"] = ts(img.updated_at);
  o["default_bootscript"] = nullptr;
  o["from_server"] = str_of(img.body, "from_server");
  o["state"] = img.state.empty() ? "available" : img.state;
  o["tags"] = json::value_from(img.tags);
  o["zone"] = img.locality;
  return o;
}

json::object render_public_image(const catalogue::LocalImage& li) {
  return json::object{{"id", li.id},
                      {"name", li.name},
                      {"organization", kPublicOrg},
                      {"project", kPublicOrg},
                      {"root_volume", public_root_volume(li)},
                      {"extra_volumes", json::object{}},
                      {"public", true},
                      {"arch", li.arch},
                      {"creation_date", ts(li.created_at)},
                      {"modification_date", ts(li.updated_at)},
                      {"default_bootscript", nullptr},
                      {"from_server", ""},
                      {"state", "available"},
                      {"tags", json::array{}},
                      {"zone", li.zone}};
}

std::optional<ImageView> find_image(store::Tx& tx, const Context& ctx, std::string_view id_in) {
  if (!is_uuid(id_in)) return std::nullopt;
  auto id = to_lower(id_in);
  // Public images first: an in-memory look-up (their ids never collide with records').
  if (auto* li = catalogue::find_local_image(id); li && li->zone == ctx.zone()) {
    ImageView v;
    v.id = li->id;
    v.name = li->name;
    v.arch = li->arch;
    v.json = render_public_image(*li);
    v.root_volume = public_root_volume(*li);
    v.local = li;
    return v;
  }
  if (auto r = tx.get(kImageKind, id);
      r && r->locality == ctx.zone() && r->organization_id == ctx.principal.organization_id) {
    ImageView v;
    v.id = r->id;
    v.name = r->name;
    v.arch = str_of(r->body, "arch", "x86_64");
    v.json = render_image(*r);
    auto rv = value_of(r->body, "root_volume");
    if (rv.is_object()) v.root_volume = rv.as_object();
    auto ev = value_of(r->body, "extra_volumes");
    if (ev.is_object()) v.extra_volumes = ev.as_object();
    return v;
  }
  return std::nullopt;
}

Result<store::Record> insert_image(store::Tx& tx, const Context& ctx, const app::Owner& owner,
                                   std::string name, std::string arch, json::object root_volume,
                                   json::object extra_volumes, std::string from_server,
                                   bool is_public, std::vector<std::string> tags, Micros now) {
  if (auto e = quota::check(tx, ctx.svc.config, kImageQuota, owner.organization_id))
    return api::fail(*e);
  auto img = resource::new_record(kImageKind, owner, ctx.zone(), now);
  img.name = std::move(name);
  img.state = "available";
  img.tags = std::move(tags);
  img.body = json::object{{"arch", arch},
                          {"root_volume", std::move(root_volume)},
                          {"extra_volumes", std::move(extra_volumes)},
                          {"from_server", std::move(from_server)},
                          {"public", is_public}};
  tx.insert(img);
  return img;
}

void register_images(app::Registry& r) {
  const std::string base = "/instance/v1/zones/{zone}/images";
  using app::Access;
  using app::body_ref;
  // An image is made of snapshots: it reads them (and keeps them referenced).
  const std::vector<app::RefKind> snaps = {kSnapshotRef, block::kSnapshotRef};
  r.add("POST", base, kWrite, create_image)
      .refs({body_ref("root_volume", Access::kRead, snaps),
             body_ref("extra_volumes.*.id", Access::kRead, snaps)});
  r.add("GET", base, kRead, list_images);
  r.add("GET", base + "/{image_id}", kRead, get_image);
  r.add("PATCH", base + "/{image_id}", kWrite, update_image)
      .refs({body_ref("extra_volumes.*.id", Access::kRead, snaps)});
  // The PUT form only changes name, arch and tags.
  r.add("PUT", base + "/{id}", kWrite, update_image)
      .not_refs({"root_volume", "extra_volumes", "from_server"});
  r.add("DELETE", base + "/{image_id}", kWrite, delete_image);
}

}  // namespace scwd::products::instance::compute

// Instance placement groups. Membership lives on the servers (body
// placement_group_id); policy_respected is computed from the members' hypervisors.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "core/util/ids.hpp"
#include "products/instance/model.hpp"
#include "products/instance/network/network.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance {

namespace network {

const quota::Quota kPlacementGroupQuota{"instance_placement_groups", {kPlacementGroupKind}, 50};

namespace {

constexpr std::string_view kResource = "instance_placement_group";
constexpr std::size_t kMaxServers = 20;  // servers per placement group

// The hypervisor a member runs on, or nullopt while it is not placed (stopped, no location).
std::optional<std::string> hypervisor(const store::Record& server) {
  auto it = server.body.find("location");
  if (it == server.body.end() || !it->value().is_object()) return std::nullopt;
  auto h = body_str(it->value().get_object(), "hypervisor_id");
  if (!h || h->empty()) return std::nullopt;
  return h;
}

// Per member: whether its placement respects the group's policy. Members that are not placed
// respect it. max_availability: no other placed member on the same hypervisor; low_latency: on
// the hypervisor of the first placed member.
std::vector<bool> respected(const store::Record& pg, const std::vector<store::Record>& members) {
  bool spread = body_str(pg.body, "policy_type").value_or("max_availability") == "max_availability";
  std::map<std::string, int> per_hv;
  std::optional<std::string> first;
  for (auto& m : members)
    if (auto h = hypervisor(m)) {
      ++per_hv[*h];
      if (!first) first = h;
    }
  std::vector<bool> out;
  for (auto& m : members) {
    auto h = hypervisor(m);
    if (!h)
      out.push_back(true);
    else if (spread)
      out.push_back(per_hv[*h] == 1);
    else
      out.push_back(*h == *first);
  }
  return out;
}

json::object render_pg(const store::Record& r, bool policy_respected) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["organization"] = r.organization_id;
  o["project"] = r.project_id;
  json::array tags;
  for (auto& t : r.tags) tags.push_back(json::string(t));
  o["tags"] = std::move(tags);
  o["policy_mode"] = body_str(r.body, "policy_mode").value_or("optional");
  o["policy_type"] = body_str(r.body, "policy_type").value_or("max_availability");
  o["policy_respected"] = policy_respected;
  o["zone"] = r.locality;
  return o;
}

// The group as v1 answers it, its policy judged over the prefetched members.
json::object render_full(const resource::View& v, const store::Record& r) {
  std::vector<store::Record> members;
  for (auto* m : v.related.children(kServerKind, r.id)) members.push_back(*m);
  auto ok = respected(r, members);
  return render_pg(r, std::all_of(ok.begin(), ok.end(), [](bool b) { return b; }));
}

json::array render_members(const store::Record& pg, const std::vector<store::Record>& members) {
  auto ok = respected(pg, members);
  json::array out;
  for (std::size_t i = 0; i < members.size(); ++i)
    out.push_back(json::object{
        {"id", members[i].id}, {"name", members[i].name}, {"policy_respected", bool(ok[i])}});
  return out;
}

struct PgInput {
  std::optional<std::string> name, mode, type;
  std::optional<std::vector<std::string>> tags;
};

PgInput read_pg(codec::BodyReader& b, bool name_required) {
  PgInput in;
  in.name = b.str("name", name_required);
  if (in.name && in.name->empty()) b.add("name", ArgReason::kConstraint, "name must not be empty");
  in.mode = b.enumeration("policy_mode", {"optional", "enforced"});
  in.type = b.enumeration("policy_type", {"max_availability", "low_latency"});
  in.tags = b.strings("tags");
  return in;
}

// ---- v2alpha1: the same records, modern conventions (no policy_mode, no policy_respected) ----

json::object render_v2(const store::Record& r) {
  json::array tags;
  for (auto& t : r.tags) tags.push_back(json::string(t));
  return json::object{{"id", r.id},
                      {"project_id", r.project_id},
                      {"name", r.name},
                      {"policy_type", body_str(r.body, "policy_type").value_or("max_availability")},
                      {"tags", std::move(tags)},
                      {"created_at", format_time(r.created_at)},
                      {"updated_at", format_time(r.updated_at)},
                      {"zone", r.locality}};
}

PgInput read_pg_v2(codec::BodyReader& b, bool name_required) {
  PgInput in;
  in.name = b.str("name", name_required);
  if (in.name && in.name->empty()) b.add("name", ArgReason::kConstraint, "name must not be empty");
  // The Go SDK (and so Terraform) always sends policy_type, "unknown_policy_type" when it is not
  // being set: it leaves the policy as it is (the default on create), as the recordings show.
  in.type =
      b.enumeration("policy_type", {"unknown_policy_type", "max_availability", "low_latency"});
  if (in.type == "unknown_policy_type") in.type.reset();
  in.tags = b.strings("tags");
  return in;
}

void apply_pg(store::Record& r, const PgInput& in) {
  if (in.name) r.name = *in.name;
  if (in.mode) r.body["policy_mode"] = *in.mode;
  if (in.type) r.body["policy_type"] = *in.type;
  if (in.tags) r.tags = *in.tags;
}

// Create and PATCH of either version: `read` is the version's body reader.
template <PgInput (*Read)(codec::BodyReader&, bool)>
std::optional<ApiError> create_pg(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto in = Read(b, false);
  if (auto e = b.error()) return e;
  r.name = "pg-" + r.id.substr(0, 8);
  r.body = json::object{{"policy_mode", "optional"}, {"policy_type", "max_availability"}};
  apply_pg(r, in);
  return std::nullopt;
}

template <PgInput (*Read)(codec::BodyReader&, bool)>
std::optional<ApiError> update_pg(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto in = Read(b, false);
  if (auto e = b.error()) return e;
  apply_pg(r, in);
  return std::nullopt;
}

// Deleting a group that still has servers is allowed (recorded): they leave it.
std::optional<ApiError> release_members(Context& ctx, store::Tx& tx, const store::Record& r) {
  for (auto& m : placement_group_members(tx, r.locality, r.id)) {
    m.body["placement_group_id"] = nullptr;
    m.updated_at = ctx.now();
    tx.update(m);
  }
  return std::nullopt;
}

// PUT /{id}: the SDK-private full replacement (absent fields take their defaults).
Result<Response> set_pg(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto in = read_pg(b, true);
  if (!in.tags) in.tags = std::vector<std::string>{};
  if (!in.mode) in.mode = "optional";
  if (!in.type) in.type = "max_availability";
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    // PUT carries the owner too: it must stay the group's.
    auto owner = owner_of(ctx, tx, ctx.body);
    if (!owner) return api::fail(owner.error());
    if (owner->project_id != r->project_id && ctx.body.contains("project"))
      return api::fail(ApiError::constraint("project",
                                            "the project of a placement group cannot "
                                            "be changed"));
    apply_pg(*r, in);
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, resource::answer(ctx, tx, spec, *r));
  });
}

Result<Response> get_pg_servers(const resource::Spec& spec, Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = resource::load(ctx, *tx, spec);
  if (!r) return api::fail(r.error());
  auto members = placement_group_members(*tx, r->locality, r->id);
  auto out = Response::json(200, json::object{{"servers", render_members(*r, members)}});
  paging::Page all{1, 50};
  paging::legacy_headers(out, ctx.req, "/placement_groups/" + r->id + "/servers", all,
                         static_cast<std::int64_t>(members.size()));
  return out;
}

// PUT and PATCH /servers: the list is the group's new membership.
Result<Response> set_pg_servers(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ids = b.strings("servers", true);
  if (ids)
    for (auto& id : *ids) {
      if (!is_uuid(id)) {
        b.add("servers", ArgReason::kConstraint, "not a valid value");
        break;
      }
      id = to_lower(id);
    }
  if (ids && ids->size() > kMaxServers)
    b.add("servers", ArgReason::kConstraint,
          "a placement group holds at most " + std::to_string(kMaxServers) + " servers");
  if (auto e = b.error()) return api::fail(*e);
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto pg = resource::load(ctx, tx, spec, true);
    if (!pg) return api::fail(pg.error());
    std::vector<store::Record> wanted;
    for (auto& id : *ids) {
      auto s = load(tx, ctx, kServerKind, id, "instance_server");
      if (!s) return api::fail(s.error());
      wanted.push_back(std::move(*s));
    }
    for (auto& m : placement_group_members(tx, pg->locality, pg->id))
      if (!std::binary_search(ids->begin(), ids->end(), m.id)) {
        m.body["placement_group_id"] = nullptr;
        m.updated_at = now;
        tx.update(m);
      }
    for (auto& s : wanted)
      if (body_str(s.body, "placement_group_id") != pg->id) {
        s.body["placement_group_id"] = pg->id;
        s.updated_at = now;
        tx.update(s);
      }
    auto members = placement_group_members(tx, pg->locality, pg->id);
    return Response::json(200, json::object{{"servers", render_members(*pg, members)}});
  });
}

// v2alpha1 lists page by token, which the resource layer does not do.
Result<Response> v2_list_pgs(Context& ctx) {
  auto list = v2_list(ctx, kPlacementGroupKind);
  if (!list) return api::fail(list.error());
  auto& q = list->query;
  if (auto e = ctx.uuid_filter(q, "placement_group_ids", Column::kId)) return api::fail(*e);
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}, false});
  return v2_list_answer(ctx, *list, "placement_groups", render_v2);
}

}  // namespace

std::vector<store::Record> placement_group_members(store::Tx& tx, std::string_view zone,
                                                   std::string_view pg_id) {
  store::ListQuery q;
  q.kind = std::string(kServerKind);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(zone)}, {}, false});
  q.filters.push_back({Column::kBody, Op::kEq, {std::string(pg_id)}, "placement_group_id", false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

void register_placement_groups(app::Registry& r) {
  auto v1 = v1_spec(kPlacementGroupKind, std::string(kResource), "placement_group_id",
                    "placement_groups", "placement_group", "placement_groups");
  // Members are the servers naming the group; policy_respected is judged over them.
  v1.related = {{std::string(kServerKind), {}, "placement_group_id"}};
  v1.render = render_full;
  // total_count in the body as well: the Go SDK's ListPlacementGroupsResponse reads it there (it
  // is not one of its X-Total-Count "legacy listers"), and WithAllPages stops after the first
  // page without it.
  v1.total_in_body = true;
  v1.create = create_pg<read_pg>;
  v1.quota = kPlacementGroupQuota;
  v1.update = update_pg<read_pg>;
  v1.on_delete = release_members;
  auto spec = std::make_shared<const resource::Spec>(std::move(v1));
  resource::add_resource(r, spec);
  const std::string item = spec->collections.front() + "/{placement_group_id}";
  r.add("PUT", item, kWrite, [spec](Context& ctx) { return set_pg(*spec, ctx); });
  r.add("GET", item + "/servers", kRead,
        [spec](Context& ctx) { return get_pg_servers(*spec, ctx); });
  // Putting servers in a group changes them.
  for (auto method : {"PUT", "PATCH"})
    r.add(method, item + "/servers", kWrite, [spec](Context& ctx) {
       return set_pg_servers(*spec, ctx);
     }).refs({app::body_ref("servers", app::Access::kWrite, {kServerRef})});

  const std::string v2 = std::string(kV2Zone) + "/placement-groups";
  resource::add_resource(
      r, resource::Spec{
             .kind = std::string(kPlacementGroupKind),
             .resource = std::string(kResource),
             .id_param = "placement_group_id",
             .collections = {v2},
             .read = kRead,
             .write = kWrite,
             .locality = resource::Locality::kZone,
             .bad_id = resource::BadId::kNotFound,
             .render = [](const resource::View&, const store::Record& pg) { return render_v2(pg); },
             .create = create_pg<read_pg_v2>,
             .quota = kPlacementGroupQuota,
             .update = update_pg<read_pg_v2>,
             .on_delete = release_members,
         });
  r.add("GET", v2, kRead, v2_list_pgs).not_refs({"placement_group_ids"});  // a filter
}

}  // namespace network

// ---- contract (model.hpp) ----

// The object a server embeds: the real API shows policy_respected false there (the group's own
// GET computes it).
api::Result<json::object> placement_group_json(store::Tx& tx, const app::Context& ctx,
                                               std::string_view id) {
  auto r = load(tx, ctx, kPlacementGroupKind, id, network::kResource);
  if (!r) return api::fail(r.error());
  return network::render_pg(*r, false);
}

json::object placement_group_summary(const store::Record& pg) {
  return network::render_pg(pg, false);
}

void place_in_group(store::Tx& tx, const store::Record& server, json::object& location) {
  auto pg_id = network::body_str(server.body, "placement_group_id");
  if (!pg_id || pg_id->empty()) return;
  auto pg = tx.get(kPlacementGroupKind, *pg_id);
  if (!pg) return;
  std::vector<json::object> others;
  for (auto& m : network::placement_group_members(tx, server.locality, pg->id)) {
    if (m.id == server.id) continue;
    if (auto it = m.body.find("location");
        it != m.body.end() && it->value().is_object() && network::hypervisor(m))
      others.push_back(it->value().get_object());
  }
  if (others.empty()) return;
  if (network::body_str(pg->body, "policy_type") == "low_latency") {
    for (auto key : {"platform_id", "cluster_id", "hypervisor_id"})
      if (auto it = others.front().find(key); it != others.front().end())
        location[key] = it->value();
    return;
  }
  std::set<std::string> used;
  for (auto& o : others)
    if (auto h = network::body_str(o, "hypervisor_id")) used.insert(*h);
  auto mine = network::body_str(location, "hypervisor_id").value_or("100");
  if (!used.count(mine)) return;
  long n = 100;
  try {
    n = std::stol(mine);
  } catch (...) {
  }
  while (used.count(std::to_string(n))) ++n;
  location["hypervisor_id"] = std::to_string(n);
}

}  // namespace scwd::products::instance

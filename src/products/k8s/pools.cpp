// Kapsule pools and their nodes: a pool holds `size` nodes, each an Instance of the pool's type
// with addresses in the cluster's Private Network (booked in IPAM under the node's name, as the
// Terraform provider looks them up); scaling adds or removes the newest nodes.
#include <algorithm>
#include <cstdio>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/named.hpp"
#include "core/resource/records.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/instance/model.hpp"
#include "products/ipam/ipam.hpp"
#include "products/k8s/catalog.hpp"
#include "products/k8s/model.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::k8s {

namespace {

const std::string kPools = kRegionBase + "/pools";
const std::string kClusterPools = kRegionBase + "/clusters/{cluster_id}/pools";
const std::string kNodes = kRegionBase + "/nodes";
const std::string kClusterNodes = kRegionBase + "/clusters/{cluster_id}/nodes";

std::string random_hex(std::size_t n) {
  std::string id = new_uuid();
  std::erase(id, '-');
  return id.substr(0, n);
}

// scw-<cluster>-<pool>-<node id hex>: each name cut to 17 characters and the id's hex filling
// the rest of 46, as the platform names nodes.
std::string node_name(std::string_view cluster, std::string_view pool, std::string_view id) {
  std::string c(cluster.substr(0, 17)), p(pool.substr(0, 17)), hex(id);
  std::erase(hex, '-');
  auto used = 4 + c.size() + 1 + p.size() + 1;
  return "scw-" + c + "-" + p + "-" + hex.substr(0, used < 46 ? 46 - used : 1);
}

std::string public_ipv4() {
  auto h = random_hex(4);
  unsigned v = static_cast<unsigned>(std::stoul(h, nullptr, 16));
  char buf[32];
  std::snprintf(buf, sizeof buf, "51.158.%u.%u", (v >> 8) % 256, v % 254 + 1);
  return buf;
}

std::string private_mac() {
  auto h = random_hex(6);
  std::string mac = "02:00:00";
  for (int i = 0; i < 6; i += 2) mac += ":" + h.substr(i, 2);
  return mac;
}

bool pool_transient(const store::Record& p) {
  return p.state == "scaling" || p.state == "upgrading" || p.state == "deleting";
}

std::vector<store::Record> live_nodes(store::Tx& tx, std::string_view pool_id) {
  auto all = nodes_of(tx, pool_id);
  std::erase_if(all, [](auto& n) { return n.state == "deleting"; });
  return all;
}

// --- hooks ---

void on_pool_enter(store::Tx& tx, store::Record& p, const lifecycle::Step& step, Micros at) {
  auto c = tx.get(kClusterKind, p.parent_id);
  if (step.state == lifecycle::kDeleted) {
    for (auto& n : nodes_of(tx, p.id)) remove_node(tx, n, at);
    if (c && !cluster_transient(*c)) {
      tx.remove(kPoolKind, p.id);  // so that the cluster sees it gone
      auto next = stable_state(tx, *c);
      if (next != c->state) {
        c->state = next;
        c->updated_at = at;
        tx.update(*c);
      }
    }
    return;
  }
  // A kapsule cluster waiting for a pool is ready once one is.
  if (step.state == "ready" && c && c->state == "pool_required") {
    c->state = "ready";
    c->updated_at = at;
    tx.update(*c);
  }
}

void on_node_enter(store::Tx& tx, store::Record& n, const lifecycle::Step& step, Micros at) {
  if (step.state == lifecycle::kDeleted) remove_node(tx, n, at);
}

// --- pools ---

std::optional<ApiError> check_sizes(const store::Record& p) {
  auto size = int_of(p.body, "size"), min = int_of(p.body, "min_size"),
       max = int_of(p.body, "max_size");
  if (min > max) return ApiError::constraint("min_size", "min_size must not exceed max_size");
  if (bool_of(p.body, "autoscaling") && (size < min || size > max))
    return ApiError::constraint("size", "size must be between min_size and max_size");
  return std::nullopt;
}

std::optional<ApiError> check_kubelet_args(const json::object& args, std::string field) {
  for (auto& [k, v] : args) {
    auto& known = kubelet_args();
    if (std::none_of(known.begin(), known.end(), [&](auto& a) { return a.first == k; }))
      return ApiError::constraint(field,
                                  "'" + std::string(k) + "' is not an available kubelet argument");
    if (!v.is_string()) return ApiError::constraint(field, "kubelet argument values are strings");
  }
  return std::nullopt;
}

Result<Response> list_pools(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", 20);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, resource::published_orders(ctx.op, order_fields()));
  if (!order) return api::fail(order.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto c = path_cluster(ctx, *tx, false);
  if (!c) return api::fail(c.error());
  store::ListQuery q;
  q.kind = std::string(kPoolKind);
  q.order = std::move(*order);
  q.filters = {{Column::kParent, Op::kEq, {c->id}, {}, false}};
  if (auto n = ctx.query_opt("name"); n && !n->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*n}, {}, false});
  if (auto s = ctx.query_opt("status"); s && !s->empty() && *s != "unknown")
    q.filters.push_back({Column::kState, Op::kEq, {*s}, {}, false});
  paging::apply(q, *page);
  auto res = tx->list(q);
  json::array items;
  for (auto& p : res.items) items.push_back(render_pool(p));
  return Response::json(200, paging::list_body("pools", std::move(items), res.total));
}

Result<Response> create_pool(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto c = path_cluster(ctx, tx, true);
    if (!c) return api::fail(c.error());
    if (c->state == "deleting")
      return api::fail(ApiError::transient_state("cluster", c->id, c->state));
    auto p = resource::new_child(kPoolKind, *c, ctx.now());
    if (auto e = fill_pool(ctx, tx, *c, ctx.body, "", p)) return api::fail(*e);
    tx.insert(p);
    auto nodes = add_nodes(ctx, tx, *c, p, int_of(p.body, "size"));
    if (!nodes) return api::fail(nodes.error());
    return Response::json(200, render_pool(p));
  });
}

// Scales a pool to `size`: new nodes, or its newest ones removed.
std::optional<ApiError> scale(Context& ctx, store::Tx& tx, store::Record& p, std::int64_t size) {
  auto nodes = live_nodes(tx, p.id);
  auto have = static_cast<std::int64_t>(nodes.size());
  if (size == have) return std::nullopt;
  auto c = tx.get(kClusterKind, p.parent_id);
  if (!c) return pool_not_found(p.id);
  if (size > have) {
    auto added = add_nodes(ctx, tx, *c, p, size - have);
    if (!added) return added.error();
    ctx.svc.lifecycle.start(p, ctx.now(), {{"scaling", 0, ""}, {"ready", kPoolScaleUp, ""}});
    return std::nullopt;
  }
  std::sort(nodes.begin(), nodes.end(),
            [](auto& a, auto& b) { return a.created_at > b.created_at; });
  for (std::int64_t i = 0; i < have - size; ++i) {
    auto& n = nodes[static_cast<std::size_t>(i)];
    start_deleting(ctx, n, "node", kNodeDelete);  // a live node: not going yet
    tx.update(n);
  }
  ctx.svc.lifecycle.start(p, ctx.now(), {{"scaling", 0, ""}, {"ready", kPoolScaleDown, ""}});
  return std::nullopt;
}

std::optional<ApiError> update_pool(Context& ctx, store::Tx& tx, store::Record& p) {
  if (p.state == "deleting") return ApiError::transient_state("pool", p.id, p.state);
  codec::BodyReader b(ctx.body);
  auto autoscaling = b.boolean("autoscaling");
  auto size = b.integer("size");
  auto min = b.integer("min_size");
  auto max = b.integer("max_size");
  auto autohealing = b.boolean("autohealing");
  auto* args = b.object("kubelet_args");
  auto* policy = b.object("upgrade_policy");
  if (auto e = b.error()) return e;
  if (autoscaling) p.body["autoscaling"] = *autoscaling;
  if (autohealing) p.body["autohealing"] = *autohealing;
  if (min) p.body["min_size"] = *min;
  if (max) p.body["max_size"] = *max;
  if (size) p.body["size"] = *size;
  if (args) {
    if (auto e = check_kubelet_args(*args, "kubelet_args")) return e;
    p.body["kubelet_args"] = *args;
  }
  if (policy) {
    auto& up = p.body["upgrade_policy"].as_object();
    for (auto key : {"max_unavailable", "max_surge"})
      if (auto* v = policy->if_contains(key); v && v->is_number())
        up[key] = v->to_number<std::int64_t>();
  }
  if (auto e = check_sizes(p)) return e;
  return scale(ctx, tx, p, int_of(p.body, "size"));
}

std::optional<ApiError> upgrade_pool(Context& ctx, store::Tx& tx, store::Record& p) {
  codec::BodyReader b(ctx.body);
  auto version = b.str("version", true);
  if (auto e = b.error()) return e;
  if (pool_transient(p)) return ApiError::transient_state("pool", p.id, p.state);
  auto c = tx.get(kClusterKind, p.parent_id);
  if (!c || str_of(c->body, "version") != *version)
    return ApiError::constraint("version", "a pool can only be upgraded to its cluster's version");
  p.body["version"] = *version;
  ctx.svc.lifecycle.start(p, ctx.now(), {{"upgrading", 0, ""}, {"ready", kPoolUpgrade, ""}});
  return std::nullopt;
}

// Labels, taints and startup taints (the platform's newer pool settings): replaced as a whole.
std::optional<ApiError> set_field(const json::object& body, store::Record& p, std::string_view name,
                                  bool taints, const std::string& prefix = {}) {
  if (p.state == "deleting") return ApiError::transient_state("pool", p.id, p.state);
  std::string key = prefix + std::string(name);
  auto* v = body.if_contains(name);
  if (!v || v->is_null()) {
    p.body[name] = taints ? json::value(json::array{}) : json::value(json::object{});
    return std::nullopt;
  }
  if (taints) {
    if (!v->is_array()) return ApiError::constraint(std::string(key), "must be a list of taints");
    json::array out;
    for (auto& t : v->get_array()) {
      if (!t.is_object() || str_of(t.get_object(), "key").empty())
        return ApiError::constraint(std::string(key), "each taint needs a key");
      auto effect = str_of(t.get_object(), "effect", "NoSchedule");
      if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute")
        return ApiError::constraint(std::string(key),
                                    "effect must be NoSchedule, PreferNoSchedule or "
                                    "NoExecute");
      out.push_back(json::object{{"key", str_of(t.get_object(), "key")},
                                 {"value", str_of(t.get_object(), "value")},
                                 {"effect", effect}});
    }
    p.body[name] = std::move(out);
  } else {
    if (!v->is_object()) return ApiError::constraint(std::string(key), "must be a map of labels");
    for (auto& [k, val] : v->get_object())
      if (!val.is_string())
        return ApiError::constraint(std::string(key), "label values are strings");
    p.body[name] = *v;
  }
  return std::nullopt;
}

Result<Response> delete_pool(const resource::Spec& spec, Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto p = resource::load(ctx, tx, spec, true);
    if (!p) return api::fail(p.error());
    if (auto e = start_deleting(ctx, *p, "pool", kPoolDelete)) return api::fail(*e);
    tx.update(*p);
    mark_deleting(ctx, tx, nodes_of(tx, p->id));
    return Response::json(200, render_pool(*p));
  });
}

// --- nodes ---

Result<Response> list_nodes(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", 20);
  if (!page) return api::fail(page.error());
  // A node has the version of its pool: version_* sorts by creation.
  auto order = paging::order(
      ctx.req, resource::published_orders(
                   ctx.op, {{"status", Column::kState}, {"version", Column::kCreatedAt}}));
  if (!order) return api::fail(order.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto c = path_cluster(ctx, *tx, false);
  if (!c) return api::fail(c.error());
  store::ListQuery q;
  q.kind = std::string(kNodeKind);
  q.order = std::move(*order);
  q.filters = {{Column::kBody, Op::kEq, {c->id}, "cluster_id", false}};
  if (auto e = ctx.uuid_filter(q, "pool_id", Column::kParent)) return api::fail(*e);
  if (auto n = ctx.query_opt("name"); n && !n->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*n}, {}, false});
  if (auto s = ctx.query_opt("status"); s && !s->empty() && *s != "unknown")
    q.filters.push_back({Column::kState, Op::kEq, {*s}, {}, false});
  paging::apply(q, *page);
  auto res = tx->list(q);
  json::array items;
  for (auto& n : res.items) items.push_back(render_node(n));
  return Response::json(200, paging::list_body("nodes", std::move(items), res.total));
}

bool node_transient(const store::Record& n) {
  return n.state == "creating" || n.state == "deleting" || n.state == "rebooting" ||
         n.state == "upgrading" || n.state == "starting" || n.state == "registering";
}

std::optional<ApiError> reboot_node(Context& ctx, store::Tx&, store::Record& n) {
  if (node_transient(n)) return ApiError::transient_state("node", n.id, n.state);
  ctx.svc.lifecycle.start(n, ctx.now(), {{"rebooting", 0, ""}, {"ready", kNodeReboot, ""}});
  return std::nullopt;
}

// The node's Instance is replaced by a new one, which registers under the same node.
std::optional<ApiError> replace_node(Context& ctx, store::Tx&, store::Record& n) {
  if (node_transient(n)) return ApiError::transient_state("node", n.id, n.state);
  n.body["instance_id"] = new_uuid();
  ctx.svc.lifecycle.start(n, ctx.now(), {{"creating", 0, ""}, {"ready", kNodeCreate, ""}});
  return std::nullopt;
}

// The node goes; its pool, still `size` strong, gets a new one in its place.
Result<Response> delete_node(const resource::Spec& spec, Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto n = resource::load(ctx, tx, spec, true);
    if (!n) return api::fail(n.error());
    if (auto e = start_deleting(ctx, *n, "node", kNodeDelete)) return api::fail(*e);
    tx.update(*n);
    auto p = tx.get(kPoolKind, n->parent_id);
    auto c = p ? tx.get(kClusterKind, p->parent_id) : std::nullopt;
    if (p && c && p->state != "deleting" &&
        static_cast<std::int64_t>(live_nodes(tx, p->id).size()) < int_of(p->body, "size")) {
      auto added = add_nodes(ctx, tx, *c, *p, 1);
      if (!added) return api::fail(added.error());
    }
    return Response::json(200, render_node(*n));
  });
}

// --- specs ---

std::shared_ptr<const resource::Spec> pool_spec() {
  auto s = resource::named(kPoolKind, "pool", kPools, kPoolPerm.read, kPoolPerm.write);
  s.list_key.clear();  // pools are listed per cluster
  s.bad_id = resource::BadId::kNotFound;
  s.render = [](const resource::View&, const store::Record& r) { return render_pool(r); };
  s.patch = {{"tags", resource::PatchField::As::kTags}};
  s.update = update_pool;
  s.update_refs.not_refs = {"security_group_id"};
  s.deletable = false;  // delete_pool answers the pool, deleting
  s.actions = {
      {"POST", "upgrade", upgrade_pool},
      {"PUT", "set-labels",
       [](Context& ctx, store::Tx&, store::Record& p) {
         return set_field(ctx.body, p, "labels", false);
       }},
      {"PUT", "set-taints",
       [](Context& ctx, store::Tx&, store::Record& p) {
         return set_field(ctx.body, p, "taints", true);
       }},
      {"PUT", "set-startup-taints",
       [](Context& ctx, store::Tx&, store::Record& p) {
         return set_field(ctx.body, p, "startup_taints", true);
       }},
  };
  return std::make_shared<const resource::Spec>(std::move(s));
}

std::shared_ptr<const resource::Spec> node_spec() {
  auto s = resource::named(kNodeKind, "node", kNodes, kNodePerm.read, kNodePerm.write);
  s.list_key.clear();  // nodes are listed per cluster
  s.bad_id = resource::BadId::kNotFound;
  s.render = [](const resource::View&, const store::Record& r) { return render_node(r); };
  s.deletable = false;  // delete_node answers the node, deleting
  s.actions = {{"POST", "reboot", reboot_node}, {"POST", "replace", replace_node}};
  return std::make_shared<const resource::Spec>(std::move(s));
}

}  // namespace

std::vector<store::Record> nodes_of(store::Tx& tx, std::string_view pool_id) {
  store::ListQuery q;
  q.kind = std::string(kNodeKind);
  q.filters = {{Column::kParent, Op::kEq, {std::string(pool_id)}, {}, false}};
  q.order = {{Column::kCreatedAt, false}};
  q.with_total = false;
  return tx.list(q).items;
}

Result<store::Record> path_cluster(Context& ctx, store::Tx& tx, bool writing) {
  auto id = to_lower(ctx.param("cluster_id"));
  std::optional<store::Record> c;
  if (is_uuid(id))
    c = writing ? ctx.svc.lifecycle.load(tx, kClusterKind, id) : tx.get(kClusterKind, id);
  if (!c || c->organization_id != ctx.principal.organization_id || c->locality != ctx.region())
    return api::fail(cluster_not_found(ctx.param("cluster_id")));
  return *c;
}

std::vector<resource::OrderField> order_fields() {
  return {{"status", Column::kState}, {"version", Column::kBody, "version"}};
}

std::optional<ApiError> start_deleting(Context& ctx, store::Record& r, std::string_view resource,
                                       Micros after) {
  if (r.state == "deleting") return ApiError::transient_state(resource, r.id, r.state);
  ctx.svc.lifecycle.start(r, ctx.now(),
                          {{"deleting", 0, ""}, {std::string(lifecycle::kDeleted), after, ""}});
  r.updated_at = ctx.now();
  return std::nullopt;
}

void mark_deleting(Context& ctx, store::Tx& tx, std::vector<store::Record> records) {
  for (auto& r : records) {
    lifecycle::Engine::cancel(r);
    r.state = "deleting";
    r.updated_at = ctx.now();
    tx.update(r);
  }
}

std::optional<ApiError> fill_pool(Context& ctx, store::Tx& tx, const store::Record& cluster,
                                  const json::object& body, std::string prefix, store::Record& p) {
  codec::BodyReader b(body, prefix);
  auto name = b.str("name", true);
  auto node_type = b.str("node_type", true);
  auto placement = b.str("placement_group_id");
  auto autoscaling = b.boolean("autoscaling");
  auto size = b.integer("size", true);
  auto min = b.integer("min_size");
  auto max = b.integer("max_size");
  auto runtime = b.str("container_runtime");
  auto autohealing = b.boolean("autohealing");
  auto tags = b.strings("tags");
  auto* args = b.object("kubelet_args");
  auto* policy = b.object("upgrade_policy");
  auto zone = b.str("zone");
  auto volume_type = b.str("root_volume_type");
  auto volume_size = b.integer("root_volume_size");
  auto no_public_ip = b.boolean("public_ip_disabled");
  auto security_group = b.str("security_group_id");
  if (auto e = b.error()) return e;
  if (name->empty() || name->size() > 100)
    return ApiError::constraint(prefix + "name", "name must be 1 to 100 characters");
  for (auto& other : pools_of(tx, cluster.id))
    if (other.name == *name && other.state != "deleting")
      return ApiError::already_exists("pool", other.id, "a pool of this cluster has this name");
  std::string z = zone && !zone->empty() ? *zone : cluster.locality + "-1";
  // A pool may run in another region's zone (as recorded); the node type must be sold there.
  std::string type;
  bool external = multicloud(cluster) && *node_type == "external";
  if (external) {
    type = "external";
  } else {
    auto instance = instance_type_of(z, *node_type);
    if (instance.empty())
      return ApiError::constraint(prefix + "node_type", "node type '" + *node_type +
                                                            "' is not available for pools in " + z);
    type = pool_node_type(instance);
  }
  if (runtime && !runtime->empty() && *runtime != "unknown_runtime" && *runtime != "containerd")
    return ApiError::constraint(prefix + "container_runtime", "only containerd is available");
  if (*size < 0) return ApiError::constraint(prefix + "size", "size must not be negative");
  auto root = default_root_volume(z, type);
  std::string vtype = volume_type && !volume_type->empty() && *volume_type != "default_volume_type"
                          ? *volume_type
                          : root.type;
  if (vtype == "l_ssd" && root.type != "l_ssd")
    return ApiError::constraint(prefix + "root_volume_type",
                                "node type " + type + " has no local storage");
  std::int64_t vsize = volume_size && *volume_size > 0 ? *volume_size : root.size;
  if (vtype != "l_ssd" && vsize < 20000000000)
    return ApiError::constraint(prefix + "root_volume_size", "root volumes hold at least 20 GB");
  json::object kargs;
  if (args) {
    if (auto e = check_kubelet_args(*args, prefix + "kubelet_args")) return e;
    kargs = *args;
  }
  json::object up{{"max_unavailable", 1}, {"max_surge", 0}};
  if (policy)
    for (auto key : {"max_unavailable", "max_surge"})
      if (auto* v = policy->if_contains(key); v && v->is_number())
        up[key] = v->to_number<std::int64_t>();
  if (placement && !placement->empty() && !is_uuid(*placement))
    return ApiError::constraint(prefix + "placement_group_id", "invalid UUID");
  if (security_group && !security_group->empty() && !is_uuid(*security_group))
    return ApiError::constraint(prefix + "security_group_id", "invalid UUID");
  bool scaling = autoscaling.value_or(false);
  p.name = *name;
  p.tags = tags.value_or(std::vector<std::string>{});
  p.body = {
      {"cluster_name", cluster.name},
      {"version", str_of(cluster.body, "version")},
      {"node_type", type},
      {"autoscaling", scaling},
      {"size", *size},
      {"min_size", min.value_or(scaling ? 0 : *size)},
      {"max_size", max.value_or(*size)},
      {"container_runtime", "containerd"},
      {"autohealing", autohealing.value_or(false)},
      {"placement_group_id",
       placement && !placement->empty() ? json::value(to_lower(*placement)) : json::value(nullptr)},
      {"kubelet_args", std::move(kargs)},
      {"upgrade_policy", std::move(up)},
      {"zone", z},
      {"root_volume_type", vtype},
      {"root_volume_size", vsize},
      {"public_ip_disabled", no_public_ip.value_or(false)},
      // The zone's default Kapsule security group unless one is named.
      {"security_group_id",
       security_group && !security_group->empty()
           ? to_lower(*security_group)
           : name_uuid("kapsule-security-group/" + cluster.project_id + "/" + z)},
      {"labels", json::object{}},
      {"taints", json::array{}},
      {"startup_taints", json::array{}}};
  // Newer clients set labels and taints at creation too.
  for (auto [key, taints] :
       {std::pair{"labels", false}, std::pair{"taints", true}, std::pair{"startup_taints", true}})
    if (auto* v = body.if_contains(key); v && !v->is_null())
      if (auto e = set_field(body, p, key, taints, prefix)) return e;
  if (auto e = check_sizes(p)) return e;
  ctx.svc.lifecycle.start(p, ctx.now(), {{"scaling", 0, ""}, {"ready", kPoolCreate, ""}});
  return std::nullopt;
}

Result<std::vector<store::Record>> add_nodes(Context& ctx, store::Tx& tx,
                                             const store::Record& cluster,
                                             const store::Record& pool, std::int64_t count) {
  std::vector<store::Record> out;
  std::optional<store::Record> pn;
  if (auto id = str_of(cluster.body, "private_network_id"); !id.empty()) {
    pn = tx.get(vpc::kPrivateNetworkKind, id);
    if (!pn) return api::fail(ApiError::not_found("private_network", id));
  }
  for (std::int64_t i = 0; i < count; ++i) {
    auto n = resource::new_child(kNodeKind, pool, ctx.now());
    n.name = node_name(str_of(pool.body, "cluster_name"), pool.name, n.id);
    n.body = {
        {"cluster_id", cluster.id},
        {"instance_id", new_uuid()},
        {"zone", str_of(pool.body, "zone")},
        {"node_type", str_of(pool.body, "node_type")},  // what the node is billed as
        {"public_ip_v4", bool_of(pool.body, "public_ip_disabled") ? json::value(nullptr)
                                                                  : json::value(public_ipv4())}};
    if (pn) {
      ipam::Resource res{"instance_private_nic", new_uuid(), private_mac(), n.name};
      auto held = ipam::take(tx, ctx, *pn, {}, res, ctx.now(), "");
      if (!held) return api::fail(held.error());
      held->store_in(n.body);
      n.body["nic_id"] = res.id;
    }
    ctx.svc.lifecycle.start(n, ctx.now(), {{"creating", 0, ""}, {"ready", kNodeCreate, ""}});
    tx.insert(n);
    out.push_back(std::move(n));
  }
  return out;
}

void remove_node(store::Tx& tx, const store::Record& n, Micros now) {
  auto region = n.locality;
  ipam::give_back(tx, region, ipam::Held::of(n.body), now);
  tx.remove(kNodeKind, n.id);
}

json::object render_pool(const store::Record& p) {
  return {{"region", p.locality},
          {"id", p.id},
          {"cluster_id", p.parent_id},
          {"created_at", format_time(p.created_at)},
          {"updated_at", format_time(p.updated_at)},
          {"name", p.name},
          {"status", p.state},
          {"version", str_of(p.body, "version")},
          {"node_type", str_of(p.body, "node_type")},
          {"autoscaling", bool_of(p.body, "autoscaling")},
          {"size", int_of(p.body, "size")},
          {"min_size", int_of(p.body, "min_size")},
          {"max_size", int_of(p.body, "max_size")},
          {"container_runtime", "containerd"},
          {"autohealing", bool_of(p.body, "autohealing")},
          {"tags", strings_json(p.tags)},
          {"placement_group_id", value_of(p.body, "placement_group_id")},
          {"kubelet_args", value_of(p.body, "kubelet_args")},
          {"upgrade_policy", value_of(p.body, "upgrade_policy")},
          {"zone", str_of(p.body, "zone")},
          {"root_volume_type", str_of(p.body, "root_volume_type")},
          {"root_volume_size", int_of(p.body, "root_volume_size")},
          {"public_ip_disabled", bool_of(p.body, "public_ip_disabled")},
          {"security_group_id", str_of(p.body, "security_group_id")},
          {"labels", value_of(p.body, "labels")},
          {"taints", value_of(p.body, "taints")},
          {"startup_taints", value_of(p.body, "startup_taints")},
          {"error_message", nullptr}};
}

json::object render_node(const store::Record& n) {
  bool ready = n.state == "ready";
  json::object conditions;
  if (n.state != "creating")
    conditions = {{"DiskPressure", "False"},
                  {"MemoryPressure", "False"},
                  {"PIDPressure", "False"},
                  {"Ready", ready ? "True" : "False"}};
  return {{"region", n.locality},
          {"id", n.id},
          {"cluster_id", str_of(n.body, "cluster_id")},
          {"created_at", format_time(n.created_at)},
          {"updated_at", format_time(n.updated_at)},
          {"pool_id", n.parent_id},
          {"status", n.state},
          {"conditions", std::move(conditions)},
          {"name", n.name},
          {"public_ip_v4", value_of(n.body, "public_ip_v4")},
          {"public_ip_v6", nullptr},
          {"provider_id",
           "scaleway://instance/" + str_of(n.body, "zone") + "/" + str_of(n.body, "instance_id")},
          {"error_message", ""}};
}

void register_pools(app::Registry& r, app::Services& svc) {
  svc.lifecycle.on_enter(std::string(kPoolKind), on_pool_enter);
  svc.lifecycle.on_enter(std::string(kNodeKind), on_node_enter);
  auto pools = pool_spec();
  resource::add_resource(r, pools);
  auto nodes = node_spec();
  resource::add_resource(r, nodes);
  r.add("GET", kClusterPools, kPoolPerm.read, list_pools);
  r.add("POST", kClusterPools, kPoolPerm.write, create_pool)
      .refs({app::body_ref("placement_group_id", Access::kRead, {instance::kPlacementGroupRef})})
      .not_refs({"security_group_id"});
  r.add("DELETE", kPools + "/{pool_id}", kPoolPerm.write,
        [pools](Context& ctx) { return delete_pool(*pools, ctx); });
  r.add("GET", kClusterNodes, kNodePerm.read, list_nodes).not_refs({"pool_id"});
  r.add("DELETE", kNodes + "/{node_id}", kNodePerm.write,
        [nodes](Context& ctx) { return delete_node(*nodes, ctx); });
}

}  // namespace scwd::products::k8s

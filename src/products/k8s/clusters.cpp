// Kapsule clusters: create (with the Private Network the cluster needs, its PKI and admin token),
// update, upgrade, set-type, delete, the kubeconfig, ACL rules and the catalogues.
#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/named.hpp"
#include "core/resource/records.hpp"
#include "core/util/encoding.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/ipam/ipam.hpp"
#include "products/k8s/catalog.hpp"
#include "products/k8s/kube.hpp"
#include "products/k8s/model.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::k8s {

namespace {

const std::string kClusters = kRegionBase + "/clusters";
const std::string kCluster = kClusters + "/{cluster_id}";

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// The admin token kubeconfigs carry: 56 alphanumeric characters, as the platform's.
std::string new_token() {
  std::string t(56, 'x');
  for (auto& c : t) c = kAlnum[randombytes_uniform(static_cast<std::uint32_t>(kAlnum.size()))];
  return t;
}

// "10m", "300s", "1h30m", "1.5s": a duration as the API's autoscaler settings take it.
bool is_duration(std::string_view d) {
  if (d.empty()) return false;
  std::size_t i = 0;
  while (i < d.size()) {
    std::size_t start = i;
    while (i < d.size() && ((d[i] >= '0' && d[i] <= '9') || d[i] == '.')) ++i;
    if (i == start || i == d.size()) return false;
    if (d[i] == 'm' && i + 1 < d.size() && d[i + 1] == 's') ++i;
    if (d[i] != 'h' && d[i] != 'm' && d[i] != 's') return false;
    ++i;
  }
  return true;
}

// --- settings read from bodies ---

const json::object kAutoscalerDefaults = {{"scale_down_disabled", false},
                                          {"scale_down_delay_after_add", "10m"},
                                          {"estimator", "binpacking"},
                                          {"expander", "random"},
                                          {"ignore_daemonsets_utilization", false},
                                          {"balance_similar_node_groups", false},
                                          {"expendable_pods_priority_cutoff", -10},
                                          {"scale_down_unneeded_time", "10m"},
                                          {"scale_down_utilization_threshold", 0.5},
                                          {"max_graceful_termination_sec", 600},
                                          {"skip_nodes_with_local_storage", true},
                                          {"log_level", 2}};

const json::object kOidcDefaults = {{"issuer_url", ""},
                                    {"client_id", ""},
                                    {"username_claim", ""},
                                    {"username_prefix", ""},
                                    {"groups_claim", json::array{}},
                                    {"groups_prefix", ""},
                                    {"required_claim", json::array{}}};

// Members of `in` that are set (not null, not an enum's zero value) replace those of `out`.
void merge_set(json::object& out, const json::object& in) {
  for (auto& [k, v] : in) {
    if (v.is_null()) continue;
    if (v.is_string() &&
        (v.get_string() == "unknown_estimator" || v.get_string() == "unknown_expander"))
      continue;
    if (!out.contains(k)) continue;
    out[k] = v;
  }
}

std::optional<ApiError> check_autoscaler(const json::object& a) {
  auto t = a.if_contains("scale_down_utilization_threshold");
  if (t && t->is_number()) {
    double v = t->to_number<double>();
    if (v <= 0 || v >= 1)
      return ApiError::constraint("autoscaler_config.scale_down_utilization_threshold",
                                  "must be between 0 and 1 (exclusive)");
  }
  for (auto key : {"scale_down_delay_after_add", "scale_down_unneeded_time"}) {
    auto d = str_of(a, key);
    if (!d.empty() && !is_duration(d))
      return ApiError::constraint(std::string("autoscaler_config.") + key,
                                  "must be a duration like 10m");
  }
  return std::nullopt;
}

std::optional<ApiError> apply_oidc(json::object& out, const json::object& in) {
  merge_set(out, in);
  auto issuer = str_of(out, "issuer_url");
  if (!issuer.empty() && !issuer.starts_with("https://"))
    return ApiError::constraint("open_id_connect_config.issuer_url",
                                "issuer_url must be an https URL");
  if (!issuer.empty() && str_of(out, "client_id").empty())
    return ApiError::constraint("open_id_connect_config.client_id", "client_id is required");
  return std::nullopt;
}

std::optional<ApiError> check_listed(const std::vector<std::string>& values,
                                     const std::vector<std::string>& allowed, std::string field,
                                     std::string_view version) {
  for (auto& v : values)
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
      return ApiError::constraint(
          field, "'" + v + "' is not available in version " + std::string(version));
  return std::nullopt;
}

// auto_upgrade of a request ({enable, maintenance_window}) applied to the stored one
// ({enabled, maintenance_window}).
void apply_auto_upgrade(json::object& out, const json::object& in) {
  if (auto* e = in.if_contains("enable"); e && e->is_bool()) out["enabled"] = e->get_bool();
  if (auto* w = in.if_contains("maintenance_window"); w && w->is_object()) {
    auto& mw = out["maintenance_window"].as_object();
    if (auto* h = w->as_object().if_contains("start_hour"); h && h->is_number())
      mw["start_hour"] = h->to_number<std::int64_t>();
    if (auto* d = w->as_object().if_contains("day"); d && d->is_string())
      mw["day"] = d->get_string();
  }
}

// --- rendering ---

std::string cluster_url(const store::Record& c) {
  return "https://" + cluster_host(c.id, c.locality) + ":6443";
}

// --- hooks ---

void on_cluster_enter(store::Tx& tx, store::Record& c, const lifecycle::Step& step, Micros at) {
  if (step.state == lifecycle::kDeleted) {
    for (auto& p : pools_of(tx, c.id)) {
      for (auto& n : nodes_of(tx, p.id)) remove_node(tx, n, at);
      tx.remove(kPoolKind, p.id);
    }
    store::ListQuery q;
    q.kind = std::string(kAclKind);
    q.filters = {{Column::kParent, Op::kEq, {c.id}, {}, false}};
    q.with_total = false;
    for (auto& a : tx.list(q).items) tx.remove(kAclKind, a.id);
    remove_kube_objects(tx, c.id);
    // with_additional_resources: the cluster's Private Network goes too, once empty.
    auto pn = str_of(c.body, "private_network_id");
    if (bool_of(c.body, "_delete_additional") && !pn.empty() &&
        ipam::count_in_private_network(tx, pn) == 0)
      tx.remove(vpc::kPrivateNetworkKind, pn);
    return;
  }
  if (step.state == "ready" || step.state == "pool_required") {
    c.state = stable_state(tx, c);
    if (c.body.contains("iam_nodes_group_id") && str_of(c.body, "iam_nodes_group_id").empty())
      c.body["iam_nodes_group_id"] = new_uuid();
    c.updated_at = at;
  }
}

// --- create ---

std::optional<ApiError> create_cluster(Context& ctx, store::Tx& tx, store::Record& c) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto type = b.str("type");
  auto description = b.str("description");
  auto tags = b.strings("tags");
  auto version = b.str("version", true);
  auto cni = b.str("cni", true);
  auto gates = b.strings("feature_gates");
  auto plugins = b.strings("admission_plugins");
  auto sans = b.strings("apiserver_cert_sans");
  auto pn_id = b.str("private_network_id");
  auto pod_cidr = b.str("pod_cidr");
  auto service_cidr = b.str("service_cidr");
  auto service_dns_ip = b.str("service_dns_ip");
  auto* autoscaler = b.object("autoscaler_config");
  auto* upgrade = b.object("auto_upgrade");
  auto* oidc = b.object("open_id_connect_config");
  if (auto e = b.error()) return e;

  c.name = *name;
  std::string t = type && !type->empty() ? *type : "kapsule";
  auto* ct = find_cluster_type(t);
  if (!ct) return ApiError::constraint("type", "unknown cluster type '" + t + "'");
  auto* v = find_version(*version);
  if (!v) return ApiError::constraint("version", "version '" + *version + "' is not available");
  if (std::find(v->cnis.begin(), v->cnis.end(), *cni) == v->cnis.end())
    return ApiError::constraint("cni", "cni '" + *cni + "' is not available in version " + v->name);
  if (auto e = check_listed(gates.value_or(std::vector<std::string>{}), v->feature_gates,
                            "feature_gates", v->name))
    return e;
  if (auto e = check_listed(plugins.value_or(std::vector<std::string>{}), v->admission_plugins,
                            "admission_plugins", v->name))
    return e;

  json::object scaler = kAutoscalerDefaults;
  if (autoscaler) merge_set(scaler, *autoscaler);
  if (auto e = check_autoscaler(scaler)) return e;
  json::object auto_up = {{"enabled", false},
                          {"maintenance_window", json::object{{"start_hour", 0}, {"day", "any"}}}};
  if (upgrade) apply_auto_upgrade(auto_up, *upgrade);
  json::object oid = kOidcDefaults;
  if (oidc)
    if (auto e = apply_oidc(oid, *oidc)) return e;

  // The Private Network: the one named (same region, the caller's), or one made in the
  // project's default VPC for the cluster.
  json::value pn = nullptr;
  if (!ct->multicloud) {
    if (pn_id && !pn_id->empty()) {
      auto found = vpc::find_private_network(tx, ctx, c.locality, *pn_id);
      if (!found) return found.error();
      if (found->project_id != c.project_id)
        return ApiError::constraint("private_network_id",
                                    "the Private Network must be in the cluster's project");
      pn = found->id;
    } else {
      app::Owner owner{c.organization_id, c.project_id};
      auto vpc_rec = vpc::default_vpc(tx, owner, c.locality, ctx.now());
      vpc::NewPrivateNetwork n;
      n.name = c.name;
      n.tags = {"kapsule", "cluster=" + c.id};
      auto made = vpc::create_private_network(tx, owner, vpc_rec, n, ctx.now());
      if (!made) return made.error();
      pn = made->id;
    }
  }

  auto pki =
      make_cluster_pki({cluster_host(c.id, c.locality), "127.0.0.1", "localhost"}, ctx.now());
  auto& box = ctx.svc.config.secrets;
  c.tags = tags.value_or(std::vector<std::string>{});
  c.body = {
      {"type", t},
      {"description", description.value_or("")},
      {"version", v->name},
      {"cni", *cni},
      {"autoscaler_config", std::move(scaler)},
      {"auto_upgrade", std::move(auto_up)},
      {"feature_gates", strings_json(gates.value_or(std::vector<std::string>{}))},
      {"admission_plugins", strings_json(plugins.value_or(std::vector<std::string>{}))},
      {"open_id_connect_config", std::move(oid)},
      {"apiserver_cert_sans", strings_json(sans.value_or(std::vector<std::string>{}))},
      {"private_network_id", pn},
      {"commitment_ends_at", ctx.now() + ct->commitment_days * 86400 * kSecond},
      {"iam_nodes_group_id", ""},
      {"pod_cidr", pod_cidr && !pod_cidr->empty() ? *pod_cidr : "100.64.0.0/15"},
      {"service_cidr", service_cidr && !service_cidr->empty() ? *service_cidr : "10.32.0.0/20"},
      {"service_dns_ip",
       service_dns_ip && !service_dns_ip->empty() ? *service_dns_ip : "10.32.0.10"},
      {"ca_cert", pki.ca_cert_pem},
      {"server_cert", pki.server_cert_pem},
      {"ca_key", box.seal(pki.ca_key_pem)},
      {"server_key", box.seal(pki.server_key_pem)},
      {"token", box.seal(new_token())}};

  bool dedicated_or_multi = ct->dedicated || ct->multicloud;
  ctx.svc.lifecycle.start(c, ctx.now(),
                          {{"creating", 0, ""},
                           {dedicated_or_multi ? "ready" : "pool_required",
                            dedicated_or_multi ? kDedicatedCreate : kClusterCreate, ""}});

  // Pools created with the cluster.
  if (auto* pools = ctx.body.if_contains("pools"); pools && pools->is_array()) {
    std::size_t i = 0;
    for (auto& item : pools->get_array()) {
      if (!item.is_object()) return ApiError::constraint("pools", "each pool must be an object");
      auto pool = resource::new_child(kPoolKind, c, ctx.now());
      if (auto e =
              fill_pool(ctx, tx, c, item.get_object(), "pools." + std::to_string(i++) + ".", pool))
        return e;
      tx.insert(pool);
      auto nodes = add_nodes(ctx, tx, c, pool, int_of(pool.body, "size"));
      if (!nodes) return nodes.error();
    }
  }
  return std::nullopt;
}

// --- update ---

std::optional<ApiError> busy(const store::Record& c) {
  if (cluster_transient(c)) return ApiError::transient_state("cluster", c.id, c.state);
  return std::nullopt;
}

void start_updating(Context& ctx, store::Record& c, Micros after) {
  ctx.svc.lifecycle.start(c, ctx.now(), {{"updating", 0, ""}, {"ready", after, ""}});
}

std::optional<ApiError> update_cluster(Context& ctx, store::Tx&, store::Record& c) {
  if (c.state == "deleting") return ApiError::transient_state("cluster", c.id, c.state);
  codec::BodyReader b(ctx.body);
  auto gates = b.strings("feature_gates");
  auto plugins = b.strings("admission_plugins");
  auto sans = b.strings("apiserver_cert_sans");
  auto* autoscaler = b.object("autoscaler_config");
  auto* upgrade = b.object("auto_upgrade");
  auto* oidc = b.object("open_id_connect_config");
  if (auto e = b.error()) return e;
  auto* v = find_version(str_of(c.body, "version"));
  if (v && gates)
    if (auto e = check_listed(*gates, v->feature_gates, "feature_gates", v->name)) return e;
  if (v && plugins)
    if (auto e = check_listed(*plugins, v->admission_plugins, "admission_plugins", v->name))
      return e;
  if (autoscaler) {
    auto& a = c.body["autoscaler_config"].as_object();
    merge_set(a, *autoscaler);
    if (auto e = check_autoscaler(a)) return e;
  }
  if (upgrade) apply_auto_upgrade(c.body["auto_upgrade"].as_object(), *upgrade);
  if (oidc)
    if (auto e = apply_oidc(c.body["open_id_connect_config"].as_object(), *oidc)) return e;
  if (gates) c.body["feature_gates"] = strings_json(*gates);
  if (plugins) c.body["admission_plugins"] = strings_json(*plugins);
  if (sans) c.body["apiserver_cert_sans"] = strings_json(*sans);
  if (c.state != "creating") start_updating(ctx, c, kClusterUpdate);
  return std::nullopt;
}

// --- actions ---

Result<Response> delete_cluster(const resource::Spec& spec, Context& ctx) {
  auto extra = ctx.query_bool("with_additional_resources");
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto c = resource::load(ctx, tx, spec, true);
    if (!c) return api::fail(c.error());
    if (auto e = start_deleting(ctx, *c, "cluster", kClusterDelete)) return api::fail(*e);
    c->body["_delete_additional"] = extra.value_or(false);
    // Its pools and nodes go with it.
    auto pools = pools_of(tx, c->id);
    for (auto& p : pools) mark_deleting(ctx, tx, nodes_of(tx, p.id));
    mark_deleting(ctx, tx, std::move(pools));
    tx.update(*c);
    return Response::json(200, resource::answer(ctx, tx, spec, *c));
  });
}

std::optional<ApiError> upgrade_cluster(Context& ctx, store::Tx& tx, store::Record& c) {
  codec::BodyReader b(ctx.body);
  auto version = b.str("version", true);
  auto pools = b.boolean("upgrade_pools");
  if (auto e = b.error()) return e;
  if (auto e = busy(c)) return e;
  auto allowed = upgrades_from(str_of(c.body, "version"));
  auto it = std::find_if(allowed.begin(), allowed.end(),
                         [&](const Version* v) { return v->name == *version; });
  if (it == allowed.end())
    return ApiError::constraint("version",
                                "the cluster can only be upgraded to a newer patch or the next "
                                "minor version");
  c.body["version"] = (*it)->name;
  start_updating(ctx, c, kClusterUpgrade);
  if (pools.value_or(false)) {
    for (auto& p : pools_of(tx, c.id)) {
      if (p.state == "deleting") continue;
      p.body["version"] = (*it)->name;
      ctx.svc.lifecycle.start(p, ctx.now(), {{"upgrading", 0, ""}, {"ready", kPoolUpgrade, ""}});
      p.updated_at = ctx.now();
      tx.update(p);
    }
  }
  return std::nullopt;
}

std::optional<ApiError> set_type(Context& ctx, store::Tx&, store::Record& c) {
  codec::BodyReader b(ctx.body);
  auto type = b.str("type", true);
  if (auto e = b.error()) return e;
  if (auto e = busy(c)) return e;
  auto* to = find_cluster_type(*type);
  if (!to) return ApiError::constraint("type", "unknown cluster type '" + *type + "'");
  auto* from = find_cluster_type(str_of(c.body, "type"));
  if (from && from->multicloud != to->multicloud)
    return ApiError::constraint("type", "a cluster cannot change between Kapsule and Kosmos types");
  if (from && to->memory < from->memory && ctx.now() < int_of(c.body, "commitment_ends_at"))
    return ApiError::precondition_failed(
        "commitment", "the cluster type cannot be downgraded before the end of its commitment");
  c.body["type"] = to->name;
  if (to->dedicated)
    c.body["commitment_ends_at"] = ctx.now() + to->commitment_days * 86400 * kSecond;
  start_updating(ctx, c, kClusterSetType);
  return std::nullopt;
}

Result<Response> reset_token(const resource::Spec& spec, Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto c = resource::load(ctx, tx, spec, true);
    if (!c) return api::fail(c.error());
    c->body["token"] = ctx.svc.config.secrets.seal(new_token());
    c->updated_at = ctx.now();
    tx.update(*c);
    return Response::json(200, json::object{});
  });
}

// --- kubeconfig ---

Result<Response> kubeconfig(const resource::Spec& spec, Context& ctx) {
  auto redacted = ctx.query_bool("redacted").value_or(false);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto c = resource::load(ctx, *tx, spec);
  if (!c) return api::fail(c.error());
  if (c->state == "creating")
    return api::fail(ApiError::transient_state("cluster", c->id, c->state));
  auto token = ctx.svc.config.secrets.open(str_of(c->body, "token")).value_or("");
  const auto& api = ctx.svc.config.kube_api_url;
  std::string server = api.empty() ? cluster_url(*c) : api + cluster_path(c->id);
  std::string name = c->name;
  std::string yaml = "apiVersion: v1\nclusters:\n- name: \"" + name + "\"\n  cluster:\n" +
                     "    certificate-authority-data: " + base64(str_of(c->body, "ca_cert")) +
                     "\n    server: " + server + "\n";
  if (!api.empty()) yaml += "    tls-server-name: " + cluster_host(c->id, c->locality) + "\n";
  yaml += "contexts:\n- name: admin@" + name + "\n  context:\n    cluster: \"" + name +
          "\"\n    user: " + name + "-admin\ncurrent-context: admin@" + name +
          "\nkind: Config\npreferences: {}\nusers:\n- name: " + name + "-admin\n";
  yaml += redacted ? "  user: {}\n" : "  user:\n    token: " + token + "\n";
  if (ctx.query("dl"))
    return Response::raw(200, "application/octet-stream", yaml)
        .with_header("Content-Disposition", "attachment; filename=kubeconfig-" + name + ".yaml");
  return Response::json(200, json::object{{"name", "kubeconfig"},
                                          {"content_type", "application/octet-stream"},
                                          {"content", base64(yaml)}});
}

// --- catalogues ---

Response list_versions(Context& ctx) {
  json::array out;
  for (auto& v : versions()) out.push_back(render_version(v, ctx.region()));
  return Response::json(200, json::object{{"versions", std::move(out)}});
}

Result<Response> get_version(Context& ctx) {
  auto* v = find_version(ctx.param("version_name"));
  if (!v) return api::fail(ApiError::not_found("version", ctx.param("version_name")));
  return Response::json(200, render_version(*v, ctx.region()));
}

Result<Response> list_types(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", 20);
  if (!page) return api::fail(page.error());
  std::vector<const ClusterType*> all;
  for (auto& t : cluster_types()) all.push_back(&t);
  return Response::json(200, paging::page_body("cluster_types", all, *page,
                                               [](auto* t) { return render_cluster_type(*t); }));
}

Result<Response> available_versions(const resource::Spec& spec, Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto c = resource::load(ctx, *tx, spec);
  if (!c) return api::fail(c.error());
  json::array out;
  for (auto* v : upgrades_from(str_of(c->body, "version")))
    out.push_back(render_version(*v, ctx.region()));
  return Response::json(200, json::object{{"versions", std::move(out)}});
}

// The types a cluster may be set to: its family's, no smaller than its own while committed.
Result<Response> available_types(const resource::Spec& spec, Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto c = resource::load(ctx, *tx, spec);
  if (!c) return api::fail(c.error());
  auto* from = find_cluster_type(str_of(c->body, "type"));
  bool committed = ctx.now() < int_of(c->body, "commitment_ends_at");
  json::array out;
  for (auto& t : cluster_types()) {
    if (from && t.multicloud != from->multicloud) continue;
    if (from && committed && t.memory < from->memory) continue;
    out.push_back(render_cluster_type(t));
  }
  auto n = out.size();
  return Response::json(200, json::object{{"cluster_types", std::move(out)}, {"total_count", n}});
}

// --- ACL rules ---

json::object render_acl(const store::Record& a, bool with_region) {
  json::object o{{"id", a.id}};
  if (with_region) o["region"] = "";
  if (bool_of(a.body, "scaleway_ranges"))
    o["scaleway_ranges"] = true;
  else
    o["ip"] = str_of(a.body, "ip");
  o["description"] = str_of(a.body, "description");
  return o;
}

std::vector<store::Record> acls_of(store::Tx& tx, std::string_view cluster_id) {
  store::ListQuery q;
  q.kind = std::string(kAclKind);
  q.filters = {{Column::kParent, Op::kEq, {std::string(cluster_id)}, {}, false}};
  q.order = {{Column::kBody, false, "ip"}};
  q.with_total = false;
  return tx.list(q).items;
}

// Whether `s` is an IPv4 or IPv6 network in CIDR notation.
bool is_cidr(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  std::string addr(s.substr(0, slash));
  auto bits = s.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 ||
      !std::all_of(bits.begin(), bits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return false;
  int n = std::stoi(std::string(bits));
  unsigned char buf[16];
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) return n <= 32;
  if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) return n <= 128;
  return false;
}

// The rules of an add or set body, checked; new records under the cluster.
Result<std::vector<store::Record>> read_acls(Context& ctx, const store::Record& c,
                                             bool existing_ranges) {
  std::vector<store::Record> out;
  auto* acls = ctx.body.if_contains("acls");
  if (!acls || acls->is_null()) return out;
  if (!acls->is_array()) return api::fail(ApiError::constraint("acls", "acls must be a list"));
  bool ranges = existing_ranges;
  std::size_t i = 0;
  for (auto& item : acls->get_array()) {
    auto field = "acls." + std::to_string(i++);
    if (!item.is_object())
      return api::fail(ApiError::constraint(field, "each rule must be an object"));
    codec::BodyReader b(item.get_object(), field + ".");
    auto ip = b.str("ip");
    auto sr = b.boolean("scaleway_ranges");
    auto description = b.str("description");
    if (auto e = b.error()) return api::fail(*e);
    bool has_ip = ip && !ip->empty();
    bool has_sr = sr.value_or(false);
    if (has_ip == has_sr)
      return api::fail(ApiError::constraint(field, "a rule names either an ip or scaleway_ranges"));
    if (has_ip && !is_cidr(*ip))
      return api::fail(ApiError::constraint(field + ".ip", "'" + *ip + "' is not an IP range"));
    if (description && description->size() > 200)
      return api::fail(ApiError::constraint(field + ".description", "at most 200 characters"));
    if (has_sr && ranges)
      return api::fail(ApiError::constraint(field + ".scaleway_ranges",
                                            "only one scaleway_ranges rule is allowed"));
    ranges = ranges || has_sr;
    auto r = resource::new_child(kAclKind, c, ctx.now());
    r.body = {{"description", description.value_or("")}};
    if (has_sr)
      r.body["scaleway_ranges"] = true;
    else
      r.body["ip"] = *ip;
    out.push_back(std::move(r));
  }
  return out;
}

Result<Response> list_acls(const resource::Spec& spec, Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", 20);
  if (!page) return api::fail(page.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto c = resource::load(ctx, *tx, spec);
  if (!c) return api::fail(c.error());
  auto all = acls_of(*tx, c->id);
  return Response::json(200, paging::page_body("rules", all, *page, [](const store::Record& a) {
                          return render_acl(a, true);
                        }));
}

Result<Response> change_acls(const resource::Spec& spec, Context& ctx, bool replace) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto c = resource::load(ctx, tx, spec, true);
    if (!c) return api::fail(c.error());
    auto existing = acls_of(tx, c->id);
    bool ranges = !replace && std::any_of(existing.begin(), existing.end(), [](auto& a) {
      return bool_of(a.body, "scaleway_ranges");
    });
    auto rules = read_acls(ctx, *c, ranges);
    if (!rules) return api::fail(rules.error());
    if (replace)
      for (auto& a : existing) tx.remove(kAclKind, a.id);
    json::array out;
    for (auto& r : *rules) {
      tx.insert(r);
      out.push_back(render_acl(r, true));
    }
    return Response::json(200, json::object{{"rules", std::move(out)}});
  });
}

Result<Response> delete_acl(Context& ctx) {
  auto id = ctx.param("acl_id");
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto a = is_uuid(id) ? tx.get(kAclKind, to_lower(id)) : std::nullopt;
    if (!a || a->organization_id != ctx.principal.organization_id || a->locality != ctx.region())
      return api::fail(ApiError::not_found("acl", id));
    tx.remove(kAclKind, a->id);
    return Response::no_content();
  });
}

// --- the resource ---

std::optional<ApiError> status_filter(const Context& ctx, store::ListQuery& q) {
  auto s = ctx.query_opt("status");
  if (s && !s->empty() && *s != "unknown")
    q.filters.push_back({Column::kState, Op::kEq, {*s}, {}, false});
  return std::nullopt;
}

std::optional<ApiError> type_filter(const Context& ctx, store::ListQuery& q) {
  auto t = ctx.query_opt("type");
  if (t && !t->empty()) q.filters.push_back({Column::kBody, Op::kEq, {*t}, "type", false});
  return std::nullopt;
}

std::shared_ptr<const resource::Spec> cluster_spec() {
  auto s =
      resource::named(kClusterKind, "cluster", kClusters, kClusterPerm.read, kClusterPerm.write);
  s.render = [](const resource::View&, const store::Record& r) { return render_cluster(r); };
  s.bad_id = resource::BadId::kNotFound;
  s.order_fields = order_fields();
  s.filters = {resource::custom("status", status_filter), resource::custom("type", type_filter),
               resource::uuids("private_network_id", Column::kBody, "private_network_id"),
               resource::body_eq("version")};
  s.list_refs.not_refs = {"private_network_id"};
  s.create = create_cluster;
  s.create_refs.refs = {
      app::body_ref("private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef})};
  s.patch = {{"name", resource::PatchField::As::kName},
             {"description", resource::PatchField::As::kString},
             {"tags", resource::PatchField::As::kTags}};
  s.update = update_cluster;
  s.deletable = false;  // delete_cluster answers the cluster, deleting
  s.actions = {{"POST", "upgrade", upgrade_cluster}, {"POST", "set-type", set_type}};
  return std::make_shared<const resource::Spec>(std::move(s));
}

}  // namespace

bool multicloud(const store::Record& c) { return str_of(c.body, "type").starts_with("multicloud"); }

bool cluster_transient(const store::Record& c) {
  return c.state == "creating" || c.state == "updating" || c.state == "deleting";
}

std::string stable_state(store::Tx& tx, const store::Record& c) {
  // Only the shared control plane waits for a pool; dedicated and Kosmos ones are ready alone.
  if (str_of(c.body, "type") != "kapsule") return "ready";
  for (auto& p : pools_of(tx, c.id))
    if (p.state == "ready" || p.state == "upgrading" || p.state == "warning") return "ready";
  return "pool_required";
}

std::vector<store::Record> pools_of(store::Tx& tx, std::string_view cluster_id) {
  store::ListQuery q;
  q.kind = std::string(kPoolKind);
  q.filters = {{Column::kParent, Op::kEq, {std::string(cluster_id)}, {}, false}};
  q.order = {{Column::kCreatedAt, false}};
  q.with_total = false;
  return tx.list(q).items;
}

json::object render_cluster(const store::Record& c) {
  auto pn = str_of(c.body, "private_network_id");
  return {{"region", c.locality},
          {"id", c.id},
          {"organization_id", c.organization_id},
          {"project_id", c.project_id},
          {"created_at", format_time(c.created_at)},
          {"updated_at", format_time(c.updated_at)},
          {"type", str_of(c.body, "type")},
          {"name", c.name},
          {"description", str_of(c.body, "description")},
          {"status", c.state},
          {"version", str_of(c.body, "version")},
          {"cni", str_of(c.body, "cni")},
          {"tags", strings_json(c.tags)},
          {"cluster_url", cluster_url(c)},
          {"dns_wildcard", "*." + c.id + ".nodes.k8s." + c.locality + ".scw.cloud"},
          {"autoscaler_config", value_of(c.body, "autoscaler_config")},
          {"auto_upgrade", value_of(c.body, "auto_upgrade")},
          {"upgrade_available", !upgrades_from(str_of(c.body, "version")).empty()},
          {"feature_gates", value_of(c.body, "feature_gates")},
          {"admission_plugins", value_of(c.body, "admission_plugins")},
          {"open_id_connect_config", value_of(c.body, "open_id_connect_config")},
          {"apiserver_cert_sans", value_of(c.body, "apiserver_cert_sans")},
          {"private_network_id", pn.empty() ? json::value(nullptr) : json::value(pn)},
          {"commitment_ends_at", format_time(int_of(c.body, "commitment_ends_at"))},
          {"acl_available", true},
          {"iam_nodes_group_id", str_of(c.body, "iam_nodes_group_id")},
          {"pod_cidr", str_of(c.body, "pod_cidr")},
          {"service_cidr", str_of(c.body, "service_cidr")},
          {"service_dns_ip", str_of(c.body, "service_dns_ip")}};
}

void register_clusters(app::Registry& r, app::Services& svc) {
  svc.lifecycle.on_enter(std::string(kClusterKind), on_cluster_enter);
  auto spec = cluster_spec();
  resource::add_resource(r, spec);
  auto with = [spec](Result<Response> (*fn)(const resource::Spec&, Context&)) {
    return [spec, fn](Context& ctx) { return fn(*spec, ctx); };
  };
  const app::Permission version_read{"Kubernetes", Access::kRead, "version"};
  r.add("GET", kRegionBase + "/versions", version_read, list_versions);
  r.add("GET", kRegionBase + "/versions/{version_name}", version_read, get_version);
  r.add("GET", kRegionBase + "/cluster-types", version_read, list_types);
  r.add("DELETE", kCluster, kClusterPerm.write, with(delete_cluster));
  r.add("GET", kCluster + "/available-versions", kClusterPerm.read, with(available_versions));
  r.add("GET", kCluster + "/available-types", kClusterPerm.read, with(available_types));
  r.add("GET", kCluster + "/kubeconfig", kClusterPerm.read, with(kubeconfig));
  r.add("POST", kCluster + "/reset-admin-token", kClusterPerm.write, with(reset_token));
  r.add("GET", kCluster + "/acls", kClusterPerm.read, with(list_acls));
  r.add("POST", kCluster + "/acls", kClusterPerm.write,
        [spec](Context& ctx) { return change_acls(*spec, ctx, false); });
  r.add("PUT", kCluster + "/acls", kClusterPerm.write,
        [spec](Context& ctx) { return change_acls(*spec, ctx, true); });
  r.add("DELETE", kRegionBase + "/acls/{acl_id}", kClusterPerm.write, delete_acl);
}

}  // namespace scwd::products::k8s

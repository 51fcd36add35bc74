// Kosmos external nodes (machines outside Scaleway joining a multicloud cluster's `external`
// pools) and the migration of pools to new node images. An external node authenticates to the
// node-metadata endpoint with the secret key it was given, not with an IAM key: that route is
// public and checks the key itself against the stored hash.
#include <algorithm>
#include <cstring>

#include "core/codec/validate.hpp"
#include "core/resource/records.hpp"
#include "core/util/crypto.hpp"
#include "core/util/encoding.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/k8s/kube.hpp"
#include "products/k8s/model.hpp"

namespace scwd::products::k8s {

namespace {

std::string secret() {
  std::string s = new_uuid() + new_uuid();
  std::erase(s, '-');
  return s;
}

std::string key_of(std::string_view node_secret) {
  return "node-secret:" + sha256_hex(node_secret);
}

// The pool of the path, external (in a multicloud cluster), with its cluster.
Result<std::pair<store::Record, store::Record>> external_pool(Context& ctx, store::Tx& tx) {
  auto id = to_lower(ctx.param("pool_id"));
  auto p = is_uuid(id) ? ctx.svc.lifecycle.load(tx, kPoolKind, id) : std::nullopt;
  if (!p || p->organization_id != ctx.principal.organization_id || p->locality != ctx.region())
    return api::fail(pool_not_found(ctx.param("pool_id")));
  auto c = tx.get(kClusterKind, p->parent_id);
  if (!c) return api::fail(pool_not_found(p->id));
  if (!multicloud(*c) || str_of(p->body, "node_type") != "external")
    return api::fail(ApiError::precondition_failed(
        "external_pool", "external nodes join pools of node type external in Kosmos clusters"));
  if (p->state == "deleting") return api::fail(ApiError::transient_state("pool", p->id, p->state));
  return std::make_pair(std::move(*p), std::move(*c));
}

json::object labels_of(const store::Record& pool) {
  json::object out{{"k8s.scaleway.com/pool-name", pool.name},
                   {"k8s.scaleway.com/pool", pool.id},
                   {"k8s.scaleway.com/managed", "true"},
                   {"k8s.scaleway.com/external", "true"}};
  if (auto* l = pool.body.if_contains("labels"); l && l->is_object())
    for (auto& [k, v] : l->get_object()) out[k] = v;
  return out;
}

std::string kubelet_config(const store::Record& pool) {
  std::string out = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";
  if (auto* a = pool.body.if_contains("kubelet_args"); a && a->is_object())
    for (auto& [k, v] : a->get_object())
      if (v.is_string()) out += std::string(k) + ": " + std::string(v.get_string()) + "\n";
  return out;
}

// A node of an external pool, registering until the machine is expected to have joined.
store::Record new_external_node(Context& ctx, const store::Record& c, const store::Record& p) {
  auto n = resource::new_child(kNodeKind, p, ctx.now());
  std::string hex = n.id;
  std::erase(hex, '-');
  n.name = "scw-" + c.name.substr(0, 17) + "-" + p.name.substr(0, 17) + "-" + hex.substr(0, 6);
  n.body = {{"cluster_id", c.id},
            {"zone", ""},
            {"instance_id", ""},
            {"public_ip_v4", nullptr},
            {"external", true}};
  ctx.svc.lifecycle.start(n, ctx.now(), {{"registering", 0, ""}, {"ready", kNodeCreate, ""}});
  return n;
}

Result<Response> create_external_node(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto pc = external_pool(ctx, tx);
    if (!pc) return api::fail(pc.error());
    auto& [p, c] = *pc;
    auto n = new_external_node(ctx, c, p);
    tx.insert(n);
    return Response::json(
        200, json::object{
                 {"id", n.id},
                 {"name", n.name},
                 {"cluster_url", "https://" + cluster_host(c.id, c.locality) + ":6443"},
                 {"pool_version", str_of(p.body, "version")},
                 {"cluster_ca", base64(str_of(c.body, "ca_cert"))},
                 {"kube_token", ctx.svc.config.secrets.open(str_of(c.body, "token")).value_or("")},
                 {"kubelet_config", kubelet_config(p)},
                 {"external_ip", ""},
                 {"containerd_version", ""},
                 {"runc_version", ""},
                 {"cni_plugins_version", ""},
                 {"node_labels", labels_of(p)},
                 {"node_taints", value_of(p.body, "taints")},
                 {"iam_token", secret()}});
  });
}

// The secret is shown once; the node presents it to node-metadata.
Result<Response> auth_external_node(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto pc = external_pool(ctx, tx);
    if (!pc) return api::fail(pc.error());
    auto& [p, c] = *pc;
    auto n = new_external_node(ctx, c, p);
    auto key = secret();
    n.keys = {key_of(key)};
    tx.insert(n);
    return Response::json(
        200, json::object{{"node_secret_key", key},
                          {"metadata_url", ctx.url("/k8s/v1/regions/" + std::string(ctx.region()) +
                                                   "/node-metadata")}});
  });
}

Result<Response> node_metadata(Context& ctx) {
  auto* token = ctx.req.header("X-Auth-Token");
  auto deny = ApiError::denied_authentication("unknown_method", "not_found");
  if (!token || token->empty()) return api::fail(deny);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto n = tx->get_by_key(kNodeKind, key_of(*token));
  if (!n || n->locality != ctx.region() || n->state == "deleting") return api::fail(deny);
  auto p = tx->get(kPoolKind, n->parent_id);
  auto c = p ? tx->get(kClusterKind, p->parent_id) : std::nullopt;
  if (!p || !c) return api::fail(deny);
  return Response::json(
      200, json::object{{"id", n->id},
                        {"name", n->name},
                        {"cluster_url", "https://" + cluster_host(c->id, c->locality) + ":6443"},
                        {"cluster_ca", base64(str_of(c->body, "ca_cert"))},
                        {"credential_provider_config", ""},
                        {"pool_version", str_of(p->body, "version")},
                        {"kubelet_config", kubelet_config(*p)},
                        {"node_labels", labels_of(*p)},
                        {"node_taints", value_of(p->body, "taints")},
                        {"provider_id", ""},
                        {"resolvconf_path", "/etc/resolv.conf"},
                        {"has_gpu", false},
                        {"external_ip", ""},
                        {"repo_uri", ""},
                        {"installer_tags", json::array{}},
                        {"updater_bin_url", ""},
                        {"updater_bin_version", ""},
                        {"updater_bin_path", ""},
                        {"template_args", json::object{}}});
}

// The named pools (all of the cluster's when none) move to the new node images: their nodes
// are replaced as in an upgrade.
Result<Response> migrate_pools(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ids = b.strings("pool_ids");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto c = path_cluster(ctx, tx, true);
    if (!c) return api::fail(c.error());
    auto pools = pools_of(tx, c->id);
    std::vector<store::Record*> chosen;
    for (auto& id : ids.value_or(std::vector<std::string>{})) {
      auto it =
          std::find_if(pools.begin(), pools.end(), [&](auto& p) { return p.id == to_lower(id); });
      if (it == pools.end()) return api::fail(pool_not_found(id));
      chosen.push_back(&*it);
    }
    if (!ids || ids->empty())
      for (auto& p : pools) chosen.push_back(&p);
    for (auto* p : chosen)
      if (p->state == "deleting" || p->state == "upgrading" || p->state == "scaling")
        return api::fail(ApiError::transient_state("pool", p->id, p->state));
    for (auto* p : chosen) {
      p->body["new_images_enabled"] = true;
      ctx.svc.lifecycle.start(*p, ctx.now(), {{"upgrading", 0, ""}, {"ready", kPoolUpgrade, ""}});
      p->updated_at = ctx.now();
      tx.update(*p);
    }
    return Response::no_content();
  });
}

}  // namespace

void register_external(app::Registry& r, app::Services&) {
  const std::string pool = kRegionBase + "/pools/{pool_id}";
  r.add("POST", pool + "/external-nodes", kPoolPerm.write, create_external_node);
  r.add("POST", pool + "/external-nodes/auth", kPoolPerm.write, auth_external_node);
  app::Permission by_node_key{"Kubernetes", Access::kRead, "node", true};
  r.add("GET", kRegionBase + "/node-metadata", by_node_key, node_metadata);
  r.add("POST", kRegionBase + "/clusters/{cluster_id}/migrate-pools-to-new-images", kPoolPerm.write,
        migrate_pools)
      .refs({app::body_ref("pool_ids", Access::kWrite, {kPoolRef})});
}

}  // namespace scwd::products::k8s

// SSH keys: validated public keys of a project, with MD5 fingerprints and a disabled flag.
#include "core/app/owner.hpp"
#include "products/iam/handlers.hpp"
#include "products/iam/secrets.hpp"

namespace scwd::products::iam {

namespace {

constexpr Permission kRead{"SSHKeys", Access::kRead, "ssh_key"};
constexpr Permission kWrite{"SSHKeys", Access::kWrite, "ssh_key"};

json::object render(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["public_key"] = str_of(r.body, "public_key");
  o["fingerprint"] = str_of(r.body, "fingerprint");
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["organization_id"] = r.organization_id;
  o["project_id"] = r.project_id;
  o["disabled"] = bool_of(r.body, "disabled");
  return o;
}

Result<store::Record> load_key(store::Tx& tx, Context& ctx) {
  auto id = path_uuid(ctx, "ssh_key_id", "ssh_key");
  if (!id) return api::fail(id.error());
  return load_or_404(tx, ctx, kSshKey, *id, "ssh_key");
}

Result<Response> list_keys(Context& ctx) {
  auto org = organization_of(ctx, ctx.query_opt("organization_id"));
  if (!org) return api::fail(org.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"updated_at_asc", Column::kUpdatedAt, false},
                                       {"updated_at_desc", Column::kUpdatedAt, true},
                                       {"name_asc", Column::kName, false},
                                       {"name_desc", Column::kName, true}});
  if (!order) return api::fail(order.error());
  auto q = base_query(kSshKey, *org);
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}});
  if (auto* p = ctx.query("project_id"); p && !p->empty()) {
    if (!is_uuid(*p))
      return api::fail(ApiError::invalid_argument("project_id", ArgReason::kFormat,
                                                  "value must be a valid UUID"));
    q.filters.push_back({Column::kProject, Op::kEq, {to_lower(*p)}, {}});
  }
  if (auto disabled = query_bool(ctx, "disabled"))
    q.filters.push_back({Column::kBody, Op::kEq, {*disabled ? "1" : "0"}, "disabled", true});
  ctx.scope(q);
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render(r));
  return list_response("ssh_keys", std::move(items), res.total);
}

Result<Response> create_key(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto public_key = b.str("public_key", true);
  auto project = b.str("project_id");
  if (project && !is_uuid(*project))
    b.add("project_id", ArgReason::kFormat, "value must be a valid UUID");
  if (auto e = b.error()) return api::fail(*e);
  auto parsed = parse_ssh_key(*public_key);
  if (!parsed)
    return api::fail(ApiError::invalid_argument(
        "public_key", ArgReason::kFormat,
        "invalid SSH public key (accepted types: ssh-rsa, ssh-dss, ssh-ed25519, "
        "ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521)"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt, "project_id", "organization_id",
                                    "ssh_key");
    if (!owner) return api::fail(owner.error());
    if (auto e = quota::check(tx, ctx.svc.config, kSshKeysQuota, owner->organization_id))
      return api::fail(*e);
    store::Record r;
    r.kind = std::string(kSshKey);
    r.id = new_uuid();
    r.organization_id = owner->organization_id;
    r.project_id = owner->project_id;
    r.name = name.value_or("");
    r.created_at = r.updated_at = ctx.now();
    r.body = json::object{{"public_key", parsed->public_key},
                          {"fingerprint", parsed->fingerprint},
                          {"disabled", false}};
    tx.insert(r);
    return Response::json(200, render(r));
  });
}

Result<Response> get_key(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_key(*tx, ctx);
  if (!r) return api::fail(r.error());
  return Response::json(200, render(*r));
}

Result<Response> update_key(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto disabled = b.boolean("disabled");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_key(tx, ctx);
    if (!r) return api::fail(r.error());
    if (name) r->name = *name;
    if (disabled) r->body["disabled"] = *disabled;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render(*r));
  });
}

Result<Response> delete_key(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_key(tx, ctx);
    if (!r) return api::fail(r.error());
    tx.remove(kSshKey, r->id);
    return Response::no_content();
  });
}

}  // namespace

void register_ssh_keys(app::Registry& r) {
  const std::string k = "/iam/v1alpha1/ssh-keys";
  r.add("GET", k, kRead, list_keys);
  r.add("POST", k, kWrite, create_key);
  r.add("GET", k + "/{ssh_key_id}", kRead, get_key);
  r.add("PATCH", k + "/{ssh_key_id}", kWrite, update_key);
  r.add("DELETE", k + "/{ssh_key_id}", kWrite, delete_key);
}

}  // namespace scwd::products::iam

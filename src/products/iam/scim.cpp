// SCIM provisioning endpoints and GetSamlCertificate: published by the Go SDK (not by the pinned
// JS SDK), used by Terraform. Bearer tokens are shown once and stored hashed.
#include "products/iam/handlers.hpp"
#include "products/iam/secrets.hpp"

namespace scwd::products::iam {

namespace {

constexpr Permission kRead{"IAMOrganization", Access::kRead, "scim"};
constexpr Permission kWrite{"IAMOrganization", Access::kWrite, "scim"};
constexpr Permission kCertRead{"IAMOrganization", Access::kRead, "saml"};
constexpr std::string_view kScim = "iam.scim";
constexpr std::string_view kScimToken = "iam.scim_token";
constexpr Micros kTokenLifetime = 365LL * 24 * 3600 * 1000000;

json::object render_scim(const store::Record& r) {
  return json::object{{"id", r.id}, {"created_at", format_time(r.created_at)}};
}

json::object render_token(const store::Record& t) {
  return json::object{{"id", t.id},
                      {"scim_id", t.parent_id},
                      {"created_at", format_time(t.created_at)},
                      {"expires_at", ts_or_null(t.body, "expires_at")}};
}

Result<std::string> path_org(Context& ctx) {
  auto id = path_uuid(ctx, "organization_id", "organization");
  if (!id) return api::fail(id.error());
  if (*id != ctx.principal.organization_id) return api::fail(ctx.denied());
  return *id;
}

Result<store::Record> load_scim(store::Tx& tx, Context& ctx) {
  auto id = path_uuid(ctx, "scim_id", "scim");
  if (!id) return api::fail(id.error());
  return load_or_404(tx, ctx, kScim, *id, "scim");
}

Result<Response> get_scim(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto s = tx->get_by_key(kScim, "org:" + *org);
  if (!s) return api::fail(ApiError::not_found("organization_scim", *org));
  return Response::json(200, render_scim(*s));
}

Result<Response> enable_scim(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    if (auto s = tx.get_by_key(kScim, "org:" + *org))
      return api::fail(ApiError::already_exists("scim", s->id, "SCIM is already enabled"));
    store::Record r;
    r.kind = std::string(kScim);
    r.id = new_uuid();
    r.organization_id = *org;
    r.created_at = r.updated_at = ctx.now();
    r.keys = {"org:" + *org};
    tx.insert(r);
    return Response::json(200, render_scim(r));
  });
}

std::vector<store::Record> tokens_of(store::Tx& tx, const std::string& scim_id, bool desc) {
  store::ListQuery q;
  q.kind = std::string(kScimToken);
  q.filters.push_back({Column::kParent, Op::kEq, {scim_id}, {}});
  q.order.push_back({Column::kCreatedAt, desc, {}});
  return tx.list(q).items;
}

Result<Response> delete_scim(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_scim(tx, ctx);
    if (!s) return api::fail(s.error());
    for (auto& t : tokens_of(tx, s->id, false)) tx.remove(kScimToken, t.id);
    tx.remove(kScim, s->id);
    return Response::no_content();
  });
}

Result<Response> list_tokens(Context& ctx) {
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = ctx.query_opt("order_by").value_or("created_at_asc");
  if (order != "created_at_asc" && order != "created_at_desc")
    return api::fail(ApiError::invalid_argument("order_by", ArgReason::kConstraint,
                                                "value must be one of: created_at_asc, "
                                                "created_at_desc"));
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto s = load_scim(*tx, ctx);
  if (!s) return api::fail(s.error());
  auto all = tokens_of(*tx, s->id, order == "created_at_desc");
  json::array items;
  auto total = static_cast<std::int64_t>(all.size());
  for (auto i = page->offset(); i < total && i < page->offset() + page->size; ++i)
    items.push_back(render_token(all[static_cast<std::size_t>(i)]));
  return list_response("scim_tokens", std::move(items), total);
}

Result<Response> create_token(Context& ctx) {
  const std::string bearer = new_uuid();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_scim(tx, ctx);
    if (!s) return api::fail(s.error());
    store::Record t;
    t.kind = std::string(kScimToken);
    t.id = new_uuid();
    t.organization_id = s->organization_id;
    t.parent_id = s->id;
    t.created_at = t.updated_at = ctx.now();
    t.keys = {"bearer:" + hash_secret(bearer)};
    t.body = json::object{{"expires_at", format_time(ctx.now() + kTokenLifetime)}};
    tx.insert(t);
    return Response::json(200, json::object{{"token", render_token(t)}, {"bearer_token", bearer}});
  });
}

Result<Response> delete_token(Context& ctx) {
  auto id = path_uuid(ctx, "token_id", "scim_token");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto t = load_or_404(tx, ctx, kScimToken, *id, "scim_token");
    if (!t) return api::fail(t.error());
    tx.remove(kScimToken, t->id);
    return Response::no_content();
  });
}

Result<Response> get_certificate(Context& ctx) {
  auto id = path_uuid(ctx, "certificate_id", "saml_certificate");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto c = load_or_404(*tx, ctx, kSamlCertificate, *id, "saml_certificate");
  if (!c) return api::fail(c.error());
  return Response::json(200, json::object{{"id", c->id},
                                          {"type", str_of(c->body, "type")},
                                          {"origin", str_of(c->body, "origin")},
                                          {"content", str_of(c->body, "content")},
                                          {"expires_at", ts_or_null(c->body, "expires_at")}});
}

}  // namespace

void register_scim(app::Registry& r) {
  const std::string o = "/iam/v1alpha1/organizations/{organization_id}/scim";
  r.add("GET", o, kRead, get_scim);
  r.add("POST", o, kWrite, enable_scim);
  r.add("DELETE", "/iam/v1alpha1/scim/{scim_id}", kWrite, delete_scim);
  r.add("GET", "/iam/v1alpha1/scim/{scim_id}/tokens", kRead, list_tokens);
  r.add("POST", "/iam/v1alpha1/scim/{scim_id}/tokens", kWrite, create_token);
  r.add("DELETE", "/iam/v1alpha1/scim-tokens/{token_id}", kWrite, delete_token);
  r.add("GET", "/iam/v1alpha1/saml-certificates/{certificate_id}", kCertRead, get_certificate);
}

}  // namespace scwd::products::iam

// SCIM provisioning endpoints and GetSamlCertificate: published by the Go SDK (not by the pinned
// JS SDK), used by Terraform. Bearer tokens are shown once and stored hashed.
#include "products/iam/handlers.hpp"
#include "products/iam/secrets.hpp"

namespace scwd::products::iam {

namespace {

constexpr auto kScim = permissions("IAMOrganization", "scim");
constexpr Permission kCertRead{"IAMOrganization", Access::kRead, "saml"};
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

Result<store::Record> load_scim(store::Tx& tx, Context& ctx) {
  return path_record(tx, ctx, "scim_id", kScimKind, "scim");
}

Result<Response> get_scim(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = organization_record(ctx, *tx, kScimKind, "organization_scim");
  if (!s) return api::fail(s.error());
  return Response::json(200, render_scim(*s));
}

Result<Response> enable_scim(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    if (auto s = tx.get_by_key(kScimKind, "org:" + *org))
      return api::fail(ApiError::already_exists("scim", s->id, "SCIM is already enabled"));
    store::Record r = new_record(ctx, kScimKind, *org);
    r.keys = {"org:" + *org};
    tx.insert(r);
    return Response::json(200, render_scim(r));
  });
}

std::vector<store::Record> tokens_of(store::Tx& tx, const std::string& scim_id, bool desc) {
  store::ListQuery q;
  q.kind = std::string(kScimTokenKind);
  q.filters.push_back({Column::kParent, Op::kEq, {scim_id}, {}});
  q.order.push_back({Column::kCreatedAt, desc, {}});
  return tx.list(q).items;
}

Result<Response> delete_scim(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_scim(tx, ctx);
    if (!s) return api::fail(s.error());
    for (auto& t : tokens_of(tx, s->id, false)) tx.remove(kScimTokenKind, t.id);
    tx.remove(kScimKind, s->id);
    return Response::no_content();
  });
}

Result<Response> list_tokens(Context& ctx) {
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = ctx.query_opt("order_by").value_or("created_at_asc");
  if (order != "created_at_asc" && order != "created_at_desc")
    return api::fail(ApiError::constraint("order_by",
                                          "value must be one of: created_at_asc, "
                                          "created_at_desc"));
  auto tx = ctx.store().begin(store::TxMode::kRead);
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_scim(tx, ctx);
    if (!s) return api::fail(s.error());
    store::Record t = new_record(ctx, kScimTokenKind, s->organization_id, s->id);
    t.keys = {"bearer:" + hash_secret(bearer)};
    t.body = json::object{{"expires_at", format_time(ctx.now() + kTokenLifetime)}};
    tx.insert(t);
    return Response::json(200, json::object{{"token", render_token(t)}, {"bearer_token", bearer}});
  });
}

Result<Response> delete_token(Context& ctx) {
  return delete_path_record(ctx, "token_id", kScimTokenKind, "scim_token");
}

Result<Response> get_certificate(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto c = path_record(*tx, ctx, "certificate_id", kSamlCertificateKind, "saml_certificate");
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
  r.add("GET", o, kScim.read, get_scim);
  r.add("POST", o, kScim.write, enable_scim);
  r.add("DELETE", "/iam/v1alpha1/scim/{scim_id}", kScim.write, delete_scim);
  r.add("GET", "/iam/v1alpha1/scim/{scim_id}/tokens", kScim.read, list_tokens);
  r.add("POST", "/iam/v1alpha1/scim/{scim_id}/tokens", kScim.write, create_token);
  r.add("DELETE", "/iam/v1alpha1/scim-tokens/{token_id}", kScim.write, delete_token);
  r.add("GET", "/iam/v1alpha1/saml-certificates/{certificate_id}", kCertRead, get_certificate);
}

}  // namespace scwd::products::iam

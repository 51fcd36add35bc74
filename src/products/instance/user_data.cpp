// Server user data: keys listed as JSON, values read and written as raw text/plain bodies.
#include <algorithm>
#include <boost/json.hpp>

#include "core/util/ids.hpp"
#include "products/instance/compute.hpp"

namespace scwd::products::instance::compute {

using api::ApiError;
using api::ArgReason;
using api::Result;
using app::Context;
using http::Response;
using store::Column;
using store::Op;

namespace {

constexpr std::string_view kResource = "instance_server";
constexpr std::size_t kMaxValue = 1024 * 1024;  // what the request body limit allows anyway

std::string data_key(std::string_view server_id, std::string_view key) {
  return std::string(server_id) + "/" + std::string(key);
}

std::vector<store::Record> entries(store::Tx& tx, std::string_view server_id) {
  store::ListQuery q;
  q.kind = std::string(kUserDataKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(server_id)}, {}, false});
  q.order.push_back({Column::kName, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

// A missing key: 404 with an empty text/plain body (as observed).
Response missing_key() { return Response::raw(404, "text/plain", ""); }

Result<Response> list_user_data(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto s = load(*tx, ctx, kServerKind, *id, kResource);
  if (!s) return api::fail(s.error());
  json::array keys;
  for (auto& e : entries(*tx, s->id)) keys.push_back(json::value(e.name));
  return Response::json(200, json::object{{"user_data", std::move(keys)}});
}

Result<Response> get_user_data(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto s = load(*tx, ctx, kServerKind, *id, kResource);
  if (!s) return api::fail(s.error());
  auto e = tx->get_by_key(kUserDataKind, data_key(s->id, ctx.param("key")));
  if (!e) return missing_key();
  return Response::raw(200, "text/plain", str_of(e->body, "value"));
}

Result<Response> set_user_data(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  std::string key(ctx.param("key"));
  if (key.empty())
    return api::fail(ApiError::invalid_argument("key", ArgReason::kRequired, "required"));
  if (ctx.req.body.size() > kMaxValue)
    return api::fail(
        ApiError::invalid_argument("content", ArgReason::kConstraint, "user data is too large"));
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
    if (!s) return api::fail(s.error());
    auto k = data_key(s->id, key);
    if (auto e = tx.get_by_key(kUserDataKind, k)) {
      e->body["value"] = ctx.req.body;
      e->updated_at = now;
      tx.update(*e);
    } else {
      store::Record r;
      r.kind = std::string(kUserDataKind);
      r.id = new_uuid();
      r.organization_id = s->organization_id;
      r.project_id = s->project_id;
      r.locality = s->locality;
      r.name = key;
      r.parent_id = s->id;
      r.created_at = r.updated_at = now;
      r.keys = {k};
      r.body = json::object{{"value", ctx.req.body}};
      tx.insert(r);
    }
    return Response::raw(204, "text/plain", "");
  });
}

Result<Response> delete_user_data_key(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
    if (!s) return api::fail(s.error());
    auto e = tx.get_by_key(kUserDataKind, data_key(s->id, ctx.param("key")));
    if (!e) return missing_key();
    tx.remove(kUserDataKind, e->id);
    return Response::raw(204, "text/plain", "");
  });
}

}  // namespace

void delete_user_data(store::Tx& tx, std::string_view server_id) {
  for (auto& e : entries(tx, server_id)) tx.remove(kUserDataKind, e.id);
}

void register_user_data(app::Registry& r) {
  const std::string base = "/instance/v1/zones/{zone}/servers/{server_id}/user_data";
  r.add("GET", base, kRead, list_user_data);
  r.add("GET", base + "/{key}", kRead, get_user_data);
  r.add("PATCH", base + "/{key}", kWrite, set_user_data);
  r.add("DELETE", base + "/{key}", kWrite, delete_user_data_key);
}

}  // namespace scwd::products::instance::compute

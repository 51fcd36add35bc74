// Server user data: keys listed as JSON, values read and written as raw bodies. A value is
// bytes (gzip'd cloud-init is common): it is kept base64-encoded in the record body so that any
// byte survives the JSON store, and answered byte-exact.

#include <algorithm>
#include <boost/json.hpp>

#include "core/util/encoding.hpp"
#include "core/util/ids.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

constexpr std::size_t kMaxValue = 1024 * 1024;  // what the request body limit allows anyway
// Record body fields: the value in base64, or (records written before values were encoded)
// the value as a JSON string, read back byte for byte.
constexpr std::string_view kEncodedField = "value_base64";
constexpr std::string_view kLegacyField = "value";

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

std::string encode(std::string_view bytes) { return base64(bytes); }

// The stored value of an entry, whichever layout it was written in.
std::string value_of(const store::Record& e) {
  if (auto it = e.body.find(kEncodedField); it != e.body.end() && it->value().is_string()) {
    auto out = from_base64(it->value().get_string());
    if (!out) throw std::runtime_error("user data record " + e.id + " holds malformed base64");
    return *out;
  }
  return str_of(e.body, kLegacyField);
}

void set_value(store::Record& e, std::string_view bytes) {
  e.body.erase(kLegacyField);
  e.body[kEncodedField] = encode(bytes);
}

// A missing key: the JSON not_found error every other missing resource gets (the platform was
// observed answering an empty text/plain body, which JSON-reading clients cannot parse).
api::ApiError missing_key(std::string_view key) {
  return ApiError::not_found("instance_user_data", key);
}

Result<Response> list_user_data(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, server_spec());
  if (!s) return api::fail(s.error());
  json::array keys;
  for (auto& e : entries(*tx, s->id)) keys.push_back(json::value(e.name));
  return Response::json(200, json::object{{"user_data", std::move(keys)}});
}

Result<Response> get_user_data(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, server_spec());
  if (!s) return api::fail(s.error());
  auto e = tx->get_by_key(kUserDataKind, data_key(s->id, ctx.param("key")));
  if (!e) return api::fail(missing_key(ctx.param("key")));
  return Response::raw(200, "text/plain", value_of(*e));
}

Result<Response> set_user_data(Context& ctx) {
  if (auto id = resource::path_id(ctx, server_spec()); !id) return api::fail(id.error());
  std::string key(ctx.param("key"));
  if (key.empty())
    return api::fail(ApiError::invalid_argument("key", ArgReason::kRequired, "required"));
  if (ctx.req.body.size() > kMaxValue)
    return api::fail(ApiError::constraint("content", "user data is too large"));
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, server_spec(), true);
    if (!s) return api::fail(s.error());
    auto k = data_key(s->id, key);
    if (auto e = tx.get_by_key(kUserDataKind, k)) {
      set_value(*e, ctx.req.body);
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
      set_value(r, ctx.req.body);
      tx.insert(r);
    }
    return Response::raw(204, "text/plain", "");
  });
}

Result<Response> delete_user_data_key(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, server_spec(), true);
    if (!s) return api::fail(s.error());
    auto e = tx.get_by_key(kUserDataKind, data_key(s->id, ctx.param("key")));
    if (!e) return api::fail(missing_key(ctx.param("key")));
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

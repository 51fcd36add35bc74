#include "products/instance/model.hpp"

#include "core/util/ids.hpp"

namespace scwd::products::instance {

using api::ApiError;
using api::ArgReason;

api::Result<std::string> uuid_arg(std::string_view value, std::string_view arg) {
  if (!is_uuid(value))
    return api::fail(
        ApiError::invalid_argument(std::string(arg), ArgReason::kFormat, "invalid UUID"));
  return to_lower(value);
}

namespace {
std::optional<std::string> str_field(const json::object& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}
}  // namespace

api::Result<app::Owner> owner_of(const app::Context& ctx, store::Tx& tx, const json::object& body) {
  return app::resolve_owner(ctx, tx, str_field(body, "project"), str_field(body, "organization"),
                            "project", "organization");
}

api::Result<store::Record> load(store::Tx& tx, const app::Context& ctx, std::string_view kind,
                                std::string_view id, std::string_view resource) {
  if (!is_uuid(id)) return api::fail(ApiError::not_found(resource, id));
  auto r = tx.get(kind, to_lower(id));
  if (!r || r->locality != ctx.zone() || r->organization_id != ctx.principal.organization_id)
    return api::fail(ApiError::not_found(resource, id));
  return std::move(*r);
}

}  // namespace scwd::products::instance

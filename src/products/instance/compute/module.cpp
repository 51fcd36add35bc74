// The "instance" module: the compute routes of Instance v1 (servers, actions, volumes,
// snapshots, images, user data), their lifecycle hooks and quotas, and the helpers they share.
#include <boost/json.hpp>
#include <cmath>

#include "core/util/ids.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/instance/meters.hpp"
#include "products/instance/private_nics.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

// Defaults close to a new organization's Instance quotas on the real platform.
const quota::Quota kServerQuota{"instance_servers", {kServerKind}, 100};
const quota::Quota kVolumeQuota{"instance_volumes", {kVolumeKind}, 200};
const quota::Quota kSnapshotQuota{"instance_snapshots", {kSnapshotKind}, 200};
const quota::Quota kImageQuota{"instance_images", {kImageKind}, 100};

http::Response created(const app::Context& ctx, std::string_view collection, std::string_view id,
                       const json::value& body) {
  auto res = http::Response::json(201, body);
  res.with_header("Location", ctx.url("/instance/v1/zones/" + std::string(ctx.zone()) + "/" +
                                      std::string(collection) + "/" + std::string(id)));
  return res;
}

json::object task_json(const app::Context& ctx, std::string_view description,
                       std::string_view href_from, std::string_view href_result, Micros now) {
  return json::object{{"id", new_uuid()},           {"description", description},
                      {"status", "pending"},        {"href_from", href_from},
                      {"href_result", href_result}, {"started_at", ts(now)},
                      {"terminated_at", nullptr},   {"progress", 0},
                      {"zone", ctx.zone()}};
}

std::optional<api::ApiError> common_filters(app::Context& ctx, store::ListQuery& q) {
  ctx.scope(q);
  for (auto [param, column] :
       {std::pair{"organization", Column::kOrganization}, std::pair{"project", Column::kProject}}) {
    auto* v = ctx.query(param);
    if (!v || v->empty()) continue;
    if (!is_uuid(*v)) return ApiError::invalid_argument(param, ArgReason::kFormat, "invalid UUID");
    q.filters.push_back({column, Op::kEq, {to_lower(*v)}, {}, false});
  }
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}, false});
  for (auto& t : ctx.query_all("tags", true))
    if (!t.empty()) q.tags_all.push_back(t);
  return std::nullopt;
}

api::Result<std::string> path_id(const app::Context& ctx, std::string_view param) {
  auto v = ctx.param(param);
  if (!is_uuid(v)) return api::fail(ApiError::constraint(std::string(param), "not a valid value"));
  return to_lower(v);
}

namespace {

class InstanceModule final : public app::Module {
 public:
  std::string_view name() const override { return "instance"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    svc.lifecycle.on_enter(std::string(kServerKind), on_server_enter);
    declare_meters();
    register_servers(r);
    register_actions(r);
    register_volumes(r);
    register_snapshots(r);
    register_images(r);
    register_user_data(r);
    register_private_nics(r);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<InstanceModule>(); }

}  // namespace scwd::products::instance::compute

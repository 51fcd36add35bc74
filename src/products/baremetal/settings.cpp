// Elastic Metal settings: one per project and type (only `smtp`, disabled until the user enables
// outgoing mail). A setting exists for every project of the organization; a record is kept once
// it has been changed. Its id is derived from the project, so that it is stable.
#include <algorithm>
#include <boost/json.hpp>

#include "core/auth/auth.hpp"
#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/baremetal/common.hpp"
#include "products/baremetal/servers.hpp"
#include "products/prelude.hpp"

namespace scwd::products::baremetal {

namespace {

constexpr auto kSetting = permissions("ElasticMetal", "setting");
constexpr std::string_view kSettingKind = "baremetal.setting";

std::string setting_id(std::string_view project_id) {
  return name_uuid("baremetal/setting/smtp/" + std::string(project_id));
}

json::object render(std::string_view project_id, bool enabled) {
  return json::object{{"id", setting_id(project_id)},
                      {"type", "smtp"},
                      {"project_id", project_id},
                      {"enabled", enabled}};
}

// The organization's projects the caller may read, oldest first.
std::vector<store::Record> projects(const Context& ctx, store::Tx& tx) {
  store::ListQuery q;
  q.kind = std::string(auth::kProjectKind);
  q.filters = {{Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false}};
  q.with_total = false;
  auto items = tx.list(q).items;
  auto readable = ctx.readable_projects();
  std::erase_if(items, [&](const store::Record& p) {
    return readable && std::find(readable->begin(), readable->end(), p.id) == readable->end();
  });
  std::sort(items.begin(), items.end(), [](const store::Record& a, const store::Record& b) {
    return a.created_at < b.created_at;
  });
  return items;
}

bool enabled(store::Tx& tx, std::string_view project_id) {
  auto r = tx.get(kSettingKind, setting_id(project_id));
  return r && bool_of(r->body, "enabled");
}

Result<Response> list_settings(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", 20);
  if (!page) return api::fail(page.error());
  auto project = codec::optional_uuid_arg("project_id", ctx.query("project_id"));
  if (!project) return api::fail(project.error());
  auto desc = ctx.query_opt("order_by").value_or("") == "created_at_desc";
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto items = projects(ctx, *tx);
  if (!project->empty())
    std::erase_if(items, [&](const store::Record& p) { return p.id != *project; });
  if (desc) std::reverse(items.begin(), items.end());
  return Response::json(200,
                        paging::page_body("settings", items, *page, [&](const store::Record& p) {
                          return render(p.id, enabled(*tx, p.id));
                        }));
}

Result<Response> update_setting(Context& ctx) {
  auto id = codec::uuid_arg("setting_id", ctx.param("setting_id"));
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto on = b.boolean("enabled");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    for (auto& p : projects(ctx, tx)) {
      if (setting_id(p.id) != *id) continue;
      if (auto e = ctx.authorize_project(p.id)) return api::fail(*e);
      auto r = tx.get(kSettingKind, *id);
      bool now_enabled = on.value_or(r && bool_of(r->body, "enabled"));
      if (!r) {
        store::Record n;
        n.kind = std::string(kSettingKind);
        n.id = *id;
        n.organization_id = p.organization_id;
        n.project_id = p.id;
        n.created_at = n.updated_at = ctx.now();
        n.body = json::object{{"enabled", now_enabled}};
        tx.insert(n);
      } else {
        r->body["enabled"] = now_enabled;
        r->updated_at = ctx.now();
        tx.update(*r);
      }
      return Response::json(200, render(p.id, now_enabled));
    }
    return api::fail(not_found());
  });
}

}  // namespace

void register_settings(app::Registry& r) {
  const std::string base = "/baremetal/v1/zones/{zone}";
  // A setting is named by its own derived id; the project behind it is authorized here.
  r.add("GET", base + "/settings", kSetting.read, list_settings);
  r.add("PATCH", base + "/settings/{setting_id}", kSetting.write, update_setting)
      .not_refs({"setting_id"});
}

}  // namespace scwd::products::baremetal

// Elastic Metal v1 (zonal), the catalogue part: offers, options, operating systems and
// partitioning schemas, served from the static tables of catalog.cpp. Lists take page/page_size
// (default 50, at most 100) and answer total_count in the body. The real API answers its own
// errors as a bare {"message": ...} (no type), which this module keeps.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>

#include "core/app/context.hpp"
#include "core/paging/paging.hpp"
#include "core/util/ids.hpp"
#include "core/util/money.hpp"
#include "products/baremetal/catalog.hpp"
#include "products/baremetal/common.hpp"
#include "products/baremetal/private_networks.hpp"
#include "products/baremetal/servers.hpp"
#include "products/prelude.hpp"

namespace scwd::products::baremetal {

namespace {

// The catalogue needs a key that may read Elastic Metal, in any project.
constexpr Permission kOfferRead{"ElasticMetal", Access::kRead, "offer"};
constexpr Permission kOptionRead{"ElasticMetal", Access::kRead, "option"};
constexpr Permission kOsRead{"ElasticMetal", Access::kRead, "os"};
constexpr Permission kSchemaRead{"ElasticMetal", Access::kRead, "partitioning_schema"};

constexpr std::string_view kNilUuid = "00000000-0000-0000-0000-000000000000";
constexpr std::string_view kLogoBase = "https://baremetal-logos-fr.s3.fr-par.scw.cloud/";

json::object money(double eur) { return money_json(eur); }

json::object render(const Option& opt) {
  json::object o{{"id", opt.id}, {"name", opt.name}, {"manageable", opt.manageable}};
  put_kind(o, opt);
  return o;
}

json::object render(const Offer& off, std::string_view zone) {
  bool monthly = off.subscription_period == "monthly";
  json::array cpus{json::object{{"name", off.cpu.name},
                                {"core_count", off.cpu.cores},
                                {"thread_count", off.cpu.threads},
                                {"frequency", off.cpu.frequency},
                                {"benchmark", off.cpu.benchmark}}};
  json::array memories{json::object{{"capacity", off.memory},
                                    {"type", off.memory_type},
                                    {"frequency", off.memory_frequency},
                                    {"is_ecc", true}}};
  json::array disks, gpus, tags, incompatible, options;
  for (auto& d : off.disks)
    disks.push_back(json::object{{"capacity", d.capacity}, {"type", d.type}});
  for (auto& g : off.gpus) gpus.push_back(json::object{{"name", g.name}, {"vram", g.vram}});
  for (auto& t : off.tags) tags.emplace_back(t);
  for (auto& id : off.incompatible_os_ids) incompatible.emplace_back(id);
  for (auto& oo : off.options) {
    json::object o{{"id", oo.option->id},
                   {"name", oo.option->name},
                   {"enabled", oo.enabled},
                   {"subscription_period", off.subscription_period},
                   {"price", money(oo.price)},
                   {"manageable", oo.option->manageable},
                   // Deprecated in favour of license.os_id; the nil UUID for the other kinds.
                   {"os_id", oo.option->os_id.empty() ? kNilUuid : oo.option->os_id}};
    put_kind(o, *oo.option);
    // Sold with an offer, the private network runs at the offer's private bandwidth (the
    // catalogue entry itself says 0).
    if (oo.option->kind == OptionKind::kPrivateNetwork)
      o["private_network"] = json::object{{"bandwidth_in_bps", off.private_bandwidth}};
    options.push_back(std::move(o));
  }
  return json::object{
      {"id", off.id},
      {"name", off.name},
      {"stock", off.stock},
      {"bandwidth", off.bandwidth},
      {"max_bandwidth", off.max_bandwidth},
      {"commercial_range", off.commercial_range},
      {"price_per_hour", monthly ? json::value(nullptr) : json::value(money(off.price))},
      {"price_per_month", monthly ? json::value(money(off.price)) : json::value(nullptr)},
      {"disks", std::move(disks)},
      {"enable", true},
      {"cpus", std::move(cpus)},
      {"memories", std::move(memories)},
      {"quota_name", off.quota_name},
      {"persistent_memories", json::array{}},
      {"raid_controllers", json::array{}},
      {"incompatible_os_ids", std::move(incompatible)},
      {"subscription_period", off.subscription_period},
      {"operation_path", ""},
      // A monthly subscription invoices its first month at order time.
      {"fee", money(monthly ? off.price : 0)},
      {"options", std::move(options)},
      {"private_bandwidth", off.private_bandwidth},
      {"shared_bandwidth", true},
      {"tags", std::move(tags)},
      {"gpus", std::move(gpus)},
      {"monthly_offer_id",
       off.monthly_offer_id.empty() ? json::value(nullptr) : json::value(off.monthly_offer_id)},
      {"zone", zone}};
}

json::object render(const OsField& f) {
  return json::object{
      {"editable", f.editable},
      {"required", f.required},
      {"default_value", f.default_value ? json::value(*f.default_value) : json::value(nullptr)}};
}

json::object render(const Os& os, std::string_view zone) {
  json::object o{{"id", os.id},
                 {"name", os.name},
                 {"version", os.version},
                 {"logo_url", std::string(kLogoBase) + os.logo},
                 {"ssh", render(os.ssh)},
                 {"user", render(os.user)},
                 {"password", render(os.password)},
                 {"service_user", render(os.service_user)},
                 {"service_password", render(os.service_password)},
                 {"enabled", true},
                 {"license_required", os.license_required},
                 {"allowed", true},
                 {"custom_partitioning_supported", os.custom_partitioning},
                 {"cloud_init_supported", os.cloud_init},
                 {"zone", zone}};
  if (os.cloud_init) o["cloud_init_version"] = "25.1";
  return o;
}

// The catalogue lists answer up to 50 entries when no page size is given: the recorded first
// pages hold a whole zone's 34 offers or 27 OSes.
Result<paging::Page> catalogue_page(Context& ctx) { return paging::read(ctx.req, "page_size", 50); }

// One page of an in-memory list.
template <typename T>
Response page_of(std::string_view key, const std::vector<const T*>& items, const paging::Page& p,
                 std::string_view zone) {
  return Response::json(
      200, paging::page_body(key, items, p, [&](const T* x) { return render(*x, zone); }));
}

Result<std::string> required_uuid(std::string_view name, const std::string& v) {
  if (v.empty())
    return api::fail(ApiError::invalid_argument(std::string(name), ArgReason::kRequired,
                                                "required key not provided"));
  return codec::uuid_arg(name, v);
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  auto it = std::search(
      hay.begin(), hay.end(), needle.begin(), needle.end(),
      [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); });
  return it != hay.end();
}

// The offer a list is narrowed to (`offer_id` in the query), or null when none is given.
Result<const Offer*> query_offer(Context& ctx) {
  auto id = codec::optional_uuid_arg("offer_id", ctx.query("offer_id"));
  if (!id) return api::fail(id.error());
  if (id->empty()) return static_cast<const Offer*>(nullptr);
  return zone_offer(ctx, *id);
}

// --- offers ---

Result<Response> list_offers(Context& ctx) {
  auto page = catalogue_page(ctx);
  if (!page) return api::fail(page.error());
  // Without a period (or with unknown_subscription_period, what the Go SDK always sends) the
  // recorded lists hold the hourly offers only; monthly ones are listed when asked for.
  auto period = ctx.query_opt("subscription_period").value_or("");
  if (period != "monthly") period = "hourly";
  auto name = ctx.query_opt("name").value_or("");
  std::vector<const Offer*> items;
  for (auto& o : offers()) {
    if (!offered_in(o, ctx.zone())) continue;
    if (o.subscription_period != period) continue;
    if (!name.empty() && !contains_ci(o.name, name)) continue;
    items.push_back(&o);
  }
  return page_of("offers", items, *page, ctx.zone());
}

Result<Response> get_offer(Context& ctx) {
  auto id = codec::uuid_arg("offer_id", ctx.param("offer_id"));
  if (!id) return api::fail(id.error());
  auto o = zone_offer(ctx, *id);
  if (!o) return api::fail(o.error());
  return Response::json(200, render(**o, ctx.zone()));
}

// --- options ---

Result<Response> list_options(Context& ctx) {
  auto page = catalogue_page(ctx);
  if (!page) return api::fail(page.error());
  auto narrowed = query_offer(ctx);
  if (!narrowed) return api::fail(narrowed.error());
  const Offer* offer = *narrowed;
  auto name = ctx.query_opt("name").value_or("");
  std::vector<const Option*> items;
  for (auto& opt : options()) {
    if (offer && std::none_of(offer->options.begin(), offer->options.end(),
                              [&](const OfferOption& oo) { return oo.option == &opt; }))
      continue;
    if (!name.empty() && !contains_ci(opt.name, name)) continue;
    items.push_back(&opt);
  }
  // The catalogue lists options by id.
  std::sort(items.begin(), items.end(),
            [](const Option* a, const Option* b) { return a->id < b->id; });
  return Response::json(
      200, paging::page_body("options", items, *page, [](const Option* o) { return render(*o); }));
}

Result<Response> get_option(Context& ctx) {
  auto id = codec::uuid_arg("option_id", ctx.param("option_id"));
  if (!id) return api::fail(id.error());
  auto* opt = find_option(*id);
  if (!opt) return api::fail(not_found());
  return Response::json(200, render(*opt));
}

// --- operating systems ---

Result<Response> list_os(Context& ctx) {
  auto page = catalogue_page(ctx);
  if (!page) return api::fail(page.error());
  auto narrowed = query_offer(ctx);
  if (!narrowed) return api::fail(narrowed.error());
  const Offer* offer = *narrowed;
  std::vector<const Os*> items;
  for (auto& os : oses())
    if (!offer || compatible(*offer, os)) items.push_back(&os);
  return page_of("os", items, *page, ctx.zone());
}

Result<Response> get_os(Context& ctx) {
  auto id = codec::uuid_arg("os_id", ctx.param("os_id"));
  if (!id) return api::fail(id.error());
  auto os = known_os(*id);
  if (!os) return api::fail(os.error());
  return Response::json(200, render(**os, ctx.zone()));
}

// --- partitioning schemas ---

// The offer and OS a schema is for, with custom partitioning possible on the pair.
Result<std::pair<const Offer*, const Os*>> schema_target(Context& ctx, const std::string& offer_id,
                                                         const std::string& os_id) {
  auto oid = required_uuid("offer_id", offer_id);
  if (!oid) return api::fail(oid.error());
  auto sid = required_uuid("os_id", os_id);
  if (!sid) return api::fail(sid.error());
  auto offer = zone_offer(ctx, *oid);
  if (!offer) return api::fail(offer.error());
  auto os = known_os(*sid);
  if (!os) return api::fail(os.error());
  // The recorded answer for an offer or OS without custom partitioning is a 404.
  if (auto why = custom_partitioning_refusal(**offer, **os)) return api::fail(message(404, *why));
  return std::pair{*offer, *os};
}

Result<Response> default_partitioning(Context& ctx) {
  auto target = schema_target(ctx, ctx.query_opt("offer_id").value_or(""),
                              ctx.query_opt("os_id").value_or(""));
  if (!target) return api::fail(target.error());
  return Response::json(200, default_schema(*target->first, *target->second));
}

std::string body_string(const json::object& body, std::string_view key) {
  auto* v = body.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

Result<Response> validate_partitioning(Context& ctx) {
  auto target =
      schema_target(ctx, body_string(ctx.body, "offer_id"), body_string(ctx.body, "os_id"));
  if (!target) return api::fail(target.error());
  auto* schema = ctx.body.if_contains("partitioning_schema");
  if (!schema || !schema->is_object())
    return api::fail(ApiError::invalid_argument("partitioning_schema", ArgReason::kRequired,
                                                "required key not provided"));
  if (auto problem = validate_schema(schema->get_object(), *target->first))
    return api::fail(ApiError::constraint("partitioning_schema", *problem));
  return Response::no_content();
}

class BaremetalModule final : public app::Module {
 public:
  explicit BaremetalModule(const ServerAttachments& attachments) : attachments_(attachments) {}
  std::string_view name() const override { return "baremetal"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    declare_meters();
    const std::string base = "/baremetal/v1/zones/{zone}";
    r.add("GET", base + "/offers", kOfferRead, list_offers);
    r.add("GET", base + "/offers/{offer_id}", kOfferRead, get_offer);
    // offer_id and os_id name catalogue entries, which every caller may read.
    r.add("GET", base + "/options", kOptionRead, list_options).not_refs({"offer_id"});
    r.add("GET", base + "/options/{option_id}", kOptionRead, get_option);
    r.add("GET", base + "/os", kOsRead, list_os).not_refs({"offer_id"});
    r.add("GET", base + "/os/{os_id}", kOsRead, get_os);
    r.add("GET", base + "/partitioning-schemas/default", kSchemaRead, default_partitioning)
        .not_refs({"offer_id", "os_id"});
    r.add("POST", base + "/partitioning-schemas/validate", kSchemaRead, validate_partitioning)
        .reads_only()
        .not_refs({"offer_id", "os_id"});
    register_servers(r, attachments_);
    register_settings(r);
    register_private_networks(r, svc);
  }

 private:
  const ServerAttachments& attachments_;
};

}  // namespace

std::unique_ptr<app::Module> make_module(const ServerAttachments& attachments) {
  return std::make_unique<BaremetalModule>(attachments);
}

}  // namespace scwd::products::baremetal

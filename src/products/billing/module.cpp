// Billing v2beta1 (global): consumption, taxes, invoices (PDF and CSV), discounts and coupons of
// the caller's organization, all computed from the usage ledger (core/meter) on the virtual
// clock. Every operation needs the organization-level Billing rights (BillingReadOnly,
// BillingManager, OrganizationManager; the Owner has them all). Coupons are made by the operator
// (POST /_scwd/billing/coupons) and redeemed by organizations. Billing v2 (budgets) is in
// budgets.cpp.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/codec/enum_extras.hpp"
#include "core/meter/meter.hpp"
#include "core/paging/paging.hpp"
#include "core/sdk/catalog.hpp"
#include "core/util/encoding.hpp"
#include "core/util/ids.hpp"
#include "core/util/money.hpp"
#include "core/util/time.hpp"
#include "products/billing/budgets.hpp"
#include "products/billing/pdf.hpp"
#include "products/billing/statement.hpp"
#include "products/prelude.hpp"

namespace scwd::products::billing {

namespace {

constexpr std::string_view kBase = "/billing/v2beta1";
constexpr Permission kReadConsumption{"Billing", Access::kRead, "consumption"};
constexpr Permission kReadInvoice{"Billing", Access::kRead, "invoice"};
constexpr Permission kReadDiscount{"Billing", Access::kRead, "discount"};
constexpr Permission kRedeem{"Billing", Access::kWrite, "discount"};
constexpr Permission kOperator{app::kOperatorFamily, Access::kFull, "scwd_operator"};

constexpr std::string_view kModes[] = {"discount_mode_rate", "discount_mode_value",
                                       "discount_mode_splittable"};

double eur(std::int64_t nanos) { return std::round(static_cast<double>(nanos) / 1e7) / 100.0; }

// The organization a request is about: the caller's (another one is refused by the core's
// organization filter check).
Result<std::string> organization(Context& ctx, std::string_view resource) {
  if (auto e = ctx.check_organization_filter(resource)) return api::fail(*e);
  return ctx.principal.organization_id;
}

Result<meter::Period> billing_period(Context& ctx) {
  auto v = ctx.query_opt("billing_period");
  if (!v || v->empty()) return meter::period_of(ctx.now());
  auto p = meter::parse_period(*v);
  if (!p)
    return api::fail(ApiError::invalid_argument("billing_period", ArgReason::kFormat,
                                                "billing_period must be a month: YYYY-MM"));
  return *p;
}

// ---- consumption and taxes ----

Result<Response> list_consumptions(Context& ctx) {
  auto org = organization(ctx, "consumption");
  if (!org) return api::fail(org.error());
  auto period = billing_period(ctx);
  if (!period) return api::fail(period.error());
  auto page = paging::read(ctx.req, "page_size", 10000, 10000);
  if (!page) return api::fail(page.error());
  auto project = ctx.query_opt("project_id").value_or("");
  if (!project.empty() && !is_uuid(project))
    return api::fail(
        ApiError::invalid_argument("project_id", ArgReason::kFormat, "value must be a valid UUID"));
  auto category = ctx.query_opt("category_name").value_or("");

  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto st = statement(*tx, *org, *period, ctx.now());
  std::vector<const meter::Line*> lines;
  for (auto& l : st.period_lines) {
    if (!project.empty() && l.project_id != to_lower(project)) continue;
    if (!category.empty() && l.sku.category != category) continue;
    lines.push_back(&l);
  }
  auto order = ctx.query_opt("order_by").value_or("updated_at_desc");
  if (order.starts_with("category_name"))
    std::stable_sort(lines.begin(), lines.end(), [&](auto* a, auto* b) {
      return order.ends_with("_desc") ? a->sku.category > b->sku.category
                                      : a->sku.category < b->sku.category;
    });
  json::array items;
  auto total = static_cast<std::int64_t>(lines.size());
  for (std::int64_t i = page->offset(); i < total && i < page->offset() + page->size; ++i) {
    auto& l = *lines[static_cast<std::size_t>(i)];
    items.push_back(json::object{{"value", money_json(l.value_nanos)},
                                 {"product_name", l.sku.product_name},
                                 {"resource_name", l.sku.resource_name},
                                 {"sku", l.sku.sku},
                                 {"project_id", l.project_id},
                                 {"category_name", l.sku.category},
                                 {"unit", l.sku.unit},
                                 {"billed_quantity", std::to_string(l.quantity)},
                                 {"consumer_id", *org}});
  }
  // The discounts are the organization's: a view narrowed to a project or category has none.
  double discount = project.empty() && category.empty() ? eur(-st.period_totals.discount) : 0.0;
  return Response::json(200, json::object{{"consumptions", std::move(items)},
                                          {"total_count", total},
                                          {"total_discount_untaxed_value", discount},
                                          {"updated_at", format_time(ctx.now())}});
}

Result<Response> list_taxes(Context& ctx) {
  auto org = organization(ctx, "tax");
  if (!org) return api::fail(org.error());
  auto period = billing_period(ctx);
  if (!period) return api::fail(period.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto st = statement(*tx, *org, *period, ctx.now());
  json::array items;
  std::int64_t total = st.period_lines.empty() ? 0 : 1;
  if (total > page->offset())
    items.push_back(
        json::object{{"description", "VAT " + std::to_string(kVatPercent) + "% (France)"},
                     {"currency", "EUR"},
                     {"rate", static_cast<double>(kVatPercent) / 100.0},
                     {"total_tax_value", eur(st.period_totals.tax)}});
  return Response::json(200, json::object{{"taxes", std::move(items)},
                                          {"total_count", total},
                                          {"updated_at", format_time(ctx.now())}});
}

// ---- invoices ----

json::object render_invoice(const Invoice& inv, std::string_view org, std::string_view org_name) {
  return json::object{{"id", inv.id},
                      {"organization_id", org},
                      {"organization_name", org_name},
                      {"start_date", format_time(inv.period.start)},
                      {"stop_date", format_time(inv.period.end - 1)},
                      {"billing_period", format_time(inv.period.start)},
                      {"issued_date", format_time(inv.issued)},
                      {"due_date", format_time(inv.due)},
                      {"total_untaxed", money_json(inv.totals.untaxed)},
                      {"total_taxed", money_json(inv.totals.taxed)},
                      {"total_tax", money_json(inv.totals.tax)},
                      {"total_discount", money_json(inv.totals.discount)},
                      {"total_undiscount", money_json(inv.totals.undiscount)},
                      {"type", "periodic"},
                      {"state", inv.state},
                      {"number", inv.number},
                      {"seller_name", "Scaleway SAS"}};
}

// The invoices the list and export filters select, in the requested order.
Result<std::vector<const Invoice*>> select_invoices(Context& ctx, const Statement& st) {
  std::optional<Micros> after, before;
  for (auto [name, out] : {std::pair{"billing_period_start_after", &after},
                           std::pair{"billing_period_start_before", &before}}) {
    auto v = ctx.query_opt(name);
    if (!v || v->empty()) continue;
    *out = parse_time(*v);
    if (!*out)
      return api::fail(ApiError::invalid_argument(name, ArgReason::kFormat,
                                                  "value must be an RFC 3339 timestamp"));
  }
  auto type = ctx.query_opt("invoice_type").value_or("unknown_type");
  std::vector<const Invoice*> out;
  for (auto& inv : st.invoices) {
    if (type != "unknown_type" && type != "periodic") continue;
    if (after && inv.period.start < *after) continue;
    if (before && inv.period.start > *before) continue;
    out.push_back(&inv);
  }
  auto order = ctx.query_opt("order_by").value_or("invoice_number_desc");
  bool desc = order.ends_with("_desc");
  auto field = order.substr(0, order.rfind('_'));
  auto key = [&](const Invoice* i) -> std::int64_t {
    if (field == "start_date") return i->period.start;
    if (field == "issued_date") return i->issued;
    if (field == "due_date") return i->due;
    if (field == "total_untaxed") return i->totals.untaxed;
    if (field == "total_taxed") return i->totals.taxed;
    if (field == "invoice_type") return 0;
    return i->number;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](auto* a, auto* b) { return desc ? key(a) > key(b) : key(a) < key(b); });
  return out;
}

Result<Response> list_invoices(Context& ctx) {
  auto org = organization(ctx, "invoice");
  if (!org) return api::fail(org.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto st = statement(*tx, *org, meter::period_of(ctx.now()), ctx.now());
  auto selected = select_invoices(ctx, st);
  if (!selected) return api::fail(selected.error());
  return Response::json(200, paging::page_body("invoices", *selected, *page, [&](auto* inv) {
                          return render_invoice(*inv, *org, st.organization_name);
                        }));
}

// A file answer: raw bytes when the client asks to download (dl=1, the JS clients), else the
// ScwFile object the Go clients decode.
Response file(Context& ctx, std::string name, std::string content_type, std::string bytes) {
  auto dl = ctx.query_opt("dl");
  if (dl && (*dl == "1" || *dl == "true"))
    return Response::raw(200, std::move(content_type), std::move(bytes))
        .with_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return Response::json(
      200,
      json::object{{"name", name}, {"content_type", content_type}, {"content", base64(bytes)}});
}

Result<const Invoice*> find_invoice(Context& ctx, const Statement& st) {
  auto id = to_lower(ctx.param("invoice_id"));
  if (!is_uuid(id))
    return api::fail(
        ApiError::invalid_argument("invoice_id", ArgReason::kFormat, "value must be a valid UUID"));
  for (auto& inv : st.invoices)
    if (inv.id == id) return &inv;
  return api::fail(ApiError::not_found("invoice", id));
}

Result<Response> get_invoice(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto org = ctx.principal.organization_id;
  auto st = statement(*tx, org, meter::period_of(ctx.now()), ctx.now());
  auto inv = find_invoice(ctx, st);
  if (!inv) return api::fail(inv.error());
  return Response::json(200, render_invoice(**inv, org, st.organization_name));
}

Result<Response> download_invoice(Context& ctx) {
  auto type = ctx.query_opt("file_type").value_or("pdf");
  if (type != "pdf") return api::fail(ApiError::constraint("file_type", "only pdf is available"));
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto org = ctx.principal.organization_id;
  auto st = statement(*tx, org, meter::period_of(ctx.now()), ctx.now());
  auto inv = find_invoice(ctx, st);
  if (!inv) return api::fail(inv.error());
  auto name = "invoice-" + meter::period_name((*inv)->period) + "-" + (*inv)->id + ".pdf";
  return file(ctx, name, "application/pdf", invoice_pdf(**inv, org, st.organization_name));
}

// A CSV field, quoted when it must be.
std::string csv(std::string_view v) {
  if (v.find_first_of(",\"\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Result<Response> export_invoices(Context& ctx) {
  auto org = organization(ctx, "invoice");
  if (!org) return api::fail(org.error());
  auto type = ctx.query_opt("file_type").value_or("csv");
  if (type != "csv") return api::fail(ApiError::constraint("file_type", "only csv is available"));
  auto page = paging::read(ctx.req, "page_size", 10000, 10000);
  if (!page) return api::fail(page.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto st = statement(*tx, *org, meter::period_of(ctx.now()), ctx.now());
  auto selected = select_invoices(ctx, st);
  if (!selected) return api::fail(selected.error());
  std::string out =
      "invoice_id,number,organization_id,organization_name,type,state,billing_period,start_date,"
      "stop_date,issued_date,due_date,total_undiscount,total_discount,total_untaxed,total_tax,"
      "total_taxed,currency\n";
  auto n = static_cast<std::int64_t>(selected->size());
  for (std::int64_t i = page->offset(); i < n && i < page->offset() + page->size; ++i) {
    auto& inv = *(*selected)[static_cast<std::size_t>(i)];
    out += inv.id + "," + std::to_string(inv.number) + "," + *org + "," +
           csv(st.organization_name) + ",periodic," + inv.state + "," +
           meter::period_name(inv.period) + "," + format_time(inv.period.start) + "," +
           format_time(inv.period.end - 1) + "," + format_time(inv.issued) + "," +
           format_time(inv.due) + "," + euros(inv.totals.undiscount) + "," +
           euros(inv.totals.discount) + "," + euros(inv.totals.untaxed) + "," +
           euros(inv.totals.tax) + "," + euros(inv.totals.taxed) + ",EUR\n";
  }
  return file(ctx, "invoices-" + *org + ".csv", "text/csv", std::move(out));
}

// ---- discounts and coupons ----

json::object render_discount(const DiscountUse& d) {
  auto& b = d.record.body;
  auto time_or_null = [&](std::string_view k) -> json::value {
    auto* v = b.if_contains(k);
    if (v && v->is_int64()) return json::value(format_time(v->as_int64()));
    return nullptr;
  };
  return json::object{{"id", d.record.id},
                      {"creation_date", format_time(d.record.created_at)},
                      {"organization_id", d.record.organization_id},
                      {"description", b.at("description")},
                      {"value", b.at("value")},
                      {"value_used", std::round(d.used * 100) / 100},
                      {"value_remaining", std::round(d.remaining * 100) / 100},
                      {"mode", b.at("mode")},
                      {"start_date", time_or_null("start_date")},
                      {"stop_date", time_or_null("stop_date")},
                      {"coupon", json::object{{"description", b.at("coupon_description")}}},
                      {"filters", json::array{}}};
}

Result<Response> list_discounts(Context& ctx) {
  auto org = organization(ctx, "discount");
  if (!org) return api::fail(org.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto st = statement(*tx, *org, meter::period_of(ctx.now()), ctx.now());
  std::vector<const DiscountUse*> list;
  for (auto& d : st.discounts) list.push_back(&d);
  auto order = ctx.query_opt("order_by").value_or("creation_date_desc");
  bool desc = order.ends_with("_desc");
  auto when = [&](const DiscountUse* d) -> Micros {
    std::string_view f = order.starts_with("start_date")  ? "start_date"
                         : order.starts_with("stop_date") ? "stop_date"
                                                          : "";
    if (f.empty()) return d->record.created_at;
    auto* v = d->record.body.if_contains(f);
    return v && v->is_int64() ? v->as_int64() : std::numeric_limits<Micros>::max();
  };
  std::stable_sort(list.begin(), list.end(),
                   [&](auto* a, auto* b) { return desc ? when(a) > when(b) : when(a) < when(b); });
  return Response::json(200, paging::page_body("discounts", list, *page,
                                               [](auto* d) { return render_discount(*d); }));
}

Result<Response> redeem_coupon(Context& ctx) {
  auto org = organization(ctx, "discount");
  if (!org) return api::fail(org.error());
  auto code = ctx.query_opt("code").value_or("");
  if (code.empty())
    return api::fail(ApiError::invalid_argument("code", ArgReason::kRequired, "code is required"));
  Micros now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto coupon = tx.get_by_key(kCoupon, "code:" + code);
    if (!coupon) return api::fail(ApiError::constraint("code", "coupon code is not valid"));
    auto& c = coupon->body;
    if (auto* until = c.if_contains("redeem_before");
        until && until->is_int64() && until->as_int64() <= now)
      return api::fail(ApiError::constraint("code", "coupon code has expired"));
    DiscountUse use;
    auto& d = use.record;
    d.kind = std::string(kDiscount);
    d.id = new_uuid();
    d.organization_id = *org;
    d.name = code;
    d.created_at = d.updated_at = now;
    d.keys = {"coupon:" + *org + ":" + code};
    d.body = json::object{{"description", c.at("description")},
                          {"coupon_description", c.at("description")},
                          {"mode", c.at("mode")},
                          {"value", c.at("value")},
                          {"start_date", now}};
    if (auto* months = c.if_contains("duration_months"); months && months->is_int64()) {
      auto p = meter::period_of(now);
      for (std::int64_t i = 0; i < months->as_int64(); ++i) p = meter::next_period(p);
      d.body["stop_date"] = p.start;
    }
    try {
      tx.insert(d);
    } catch (const store::DuplicateKey&) {
      return api::fail(ApiError::already_exists(
          "discount", code, "this coupon was already redeemed by the organization"));
    }
    use.remaining = c.at("value").to_number<double>();
    return Response::json(200, render_discount(use));
  });
}

// Operator: a coupon organizations may redeem.
// {"code", "description", "mode" (discount_mode_value|discount_mode_rate|...), "value",
//  "duration_months"?, "redeem_before"? (RFC 3339)}
Result<Response> create_coupon(Context& ctx) {
  auto& b = ctx.body;
  auto text = [&](std::string_view k) -> std::string {
    auto* v = b.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto code = text("code");
  if (code.empty() || code.size() > 64)
    return api::fail(ApiError::invalid_argument("code", ArgReason::kRequired,
                                                "code is required (at most 64 characters)"));
  auto mode = text("mode");
  if (mode.empty()) mode = "discount_mode_value";
  if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes))
    return api::fail(ApiError::constraint(
        "mode",
        "mode must be discount_mode_rate, discount_mode_value or discount_mode_splittable"));
  auto* value = b.if_contains("value");
  if (!value || !(value->is_number()) || value->to_number<double>() <= 0 ||
      (mode == "discount_mode_rate" && value->to_number<double>() > 100))
    return api::fail(ApiError::constraint(
        "value", "value must be a positive amount in EUR (a percentage up to 100 for a rate)"));
  store::Record c;
  c.kind = std::string(kCoupon);
  c.id = new_uuid();
  c.name = code;
  c.created_at = c.updated_at = ctx.now();
  c.keys = {"code:" + code};
  c.body = json::object{{"code", code},
                        {"description", text("description")},
                        {"mode", mode},
                        {"value", value->to_number<double>()}};
  if (auto* m = b.if_contains("duration_months"); m && m->is_int64()) {
    if (m->as_int64() < 1 || m->as_int64() > 120)
      return api::fail(
          ApiError::constraint("duration_months", "duration_months must be within 1..120"));
    c.body["duration_months"] = m->as_int64();
  }
  if (auto until = text("redeem_before"); !until.empty()) {
    auto t = parse_time(until);
    if (!t)
      return api::fail(ApiError::invalid_argument("redeem_before", ArgReason::kFormat,
                                                  "value must be an RFC 3339 timestamp"));
    c.body["redeem_before"] = *t;
  }
  auto out = c.body;
  out["id"] = c.id;
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    try {
      tx.insert(c);
    } catch (const store::DuplicateKey&) {
      return api::fail(ApiError::already_exists("coupon", code, "a coupon has this code"));
    }
    return Response::json(200, out);
  });
}

// GET /_scwd/billing/fired-alerts: what budget alerts would have notified (nothing is sent from
// here), of one organization (organization_id) or of all.
Result<Response> list_fired_alerts(Context& ctx) {
  auto org = ctx.query_opt("organization_id");
  if (org && !org->empty() && !is_uuid(*org))
    return api::fail(ApiError::invalid_argument("organization_id", ArgReason::kFormat,
                                                "value must be a valid UUID"));
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto items = fired_alerts(*tx, to_lower(org.value_or("")), ctx.now());
  auto n = items.size();
  return Response::json(200, json::object{{"fired_alerts", std::move(items)}, {"total_count", n}});
}

// The Go clients also know credit notes (none is ever issued here, but asking is no error).
void allow_credit_notes() {
  for (auto& op : sdk::operations()) {
    if (op.package != "billing" || (op.name != "listInvoices" && op.name != "exportInvoices"))
      continue;
    for (auto& field : op.query)
      if (field.name == "invoice_type")
        codec::allow_enum_values(field.enum_values, {"credit_note"});
  }
}

class BillingModule final : public app::Module {
 public:
  std::string_view name() const override { return "billing"; }
  void register_routes(app::Registry& r, app::Services&) override {
    allow_credit_notes();
    std::string base(kBase);
    r.add("GET", base + "/consumptions", kReadConsumption, list_consumptions);
    r.add("GET", base + "/taxes", kReadConsumption, list_taxes);
    r.add("GET", base + "/invoices", kReadInvoice, list_invoices);
    r.add("GET", base + "/export-invoices", kReadInvoice, export_invoices);
    r.add("GET", base + "/invoices/{invoice_id}", kReadInvoice, get_invoice)
        .not_refs({"invoice_id"});
    r.add("GET", base + "/invoices/{invoice_id}/download", kReadInvoice, download_invoice)
        .not_refs({"invoice_id"});
    r.add("GET", base + "/discounts", kReadDiscount, list_discounts);
    r.add("POST", base + "/redeem-coupon", kRedeem, redeem_coupon);
    r.add("POST", "/_scwd/billing/coupons", kOperator, create_coupon);
    r.add("GET", "/_scwd/billing/fired-alerts", kOperator, list_fired_alerts);
    register_budgets(r);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<BillingModule>(); }

}  // namespace scwd::products::billing

// Billing v2 budgets, as the Go SDK and Terraform use them and the recordings show: a budget
// (a consumption limit in whole units of the invoiced currency, enabled or not) of the caller's
// organization, its alerts (a percentage of the limit) and each alert's notifications (email, SMS
// or webhook recipients). No JS SDK publishes this API, so these routes are outside the SDK
// catalogue and check their input themselves. Alerts and notifications are shown only inside
// their budget (the API reads them no other way); deleting a budget or an alert deletes what it
// holds. An alert fires once a month, when the organization's consumption of the month reaches
// its share of the limit; nothing can be sent from here, so the operator reads what would have
// been (fired_alerts).
#include "products/billing/budgets.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "core/codec/validate.hpp"
#include "core/meter/meter.hpp"
#include "core/resource/named.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/money.hpp"
#include "core/util/time.hpp"
#include "products/prelude.hpp"

namespace scwd::products::billing {

namespace {

const std::string kBase = "/billing/v2";
constexpr Permission kRead{"Billing", Access::kRead, "budget"};
constexpr Permission kWrite{"Billing", Access::kWrite, "budget"};
constexpr app::RefKind kBudgetRef{kBudget, "Billing", "budget"};
constexpr app::RefKind kAlertRef{kBudgetAlert, "Billing", "budget_alert"};
constexpr std::int64_t kMaxLimit = std::numeric_limits<std::uint32_t>::max();

// As recorded: the platform's own wording, not the common not_found message.
ApiError budget_not_found(std::string_view id) {
  return ApiError(404, json::object{{"message", "Budget " + std::string(id) + " not found"},
                                    {"resource", "Budget"},
                                    {"resource_id", id},
                                    {"type", "not_found"}});
}

// ---- rendering ----

json::object render_notification(const store::Record& n) {
  return {{"id", n.id},
          {"created_at", format_time(n.created_at)},
          {"updated_at", format_time(n.updated_at)},
          {"type", str_of(n.body, "type")},
          {"recipients", value_of(n.body, "recipients")}};
}

json::object render_alert(const store::Record& a,
                          const std::vector<const store::Record*>& notifications) {
  json::array out;
  for (auto* n : notifications)
    if (n->parent_id == a.id) out.push_back(render_notification(*n));
  return {{"id", a.id},
          {"created_at", format_time(a.created_at)},
          {"updated_at", format_time(a.updated_at)},
          {"threshold", int_of(a.body, "threshold")},
          {"notifications", std::move(out)}};
}

json::object render_budget(const resource::View& v, const store::Record& b) {
  auto notifications = v.related.children(kBudgetAlertNotification, b.id);
  json::array alerts;
  for (auto* a : v.related.children(kBudgetAlert, b.id))
    alerts.push_back(render_alert(*a, notifications));
  // The limit is whole units; the recordings show it with an empty currency code.
  return {{"id", b.id},
          {"created_at", format_time(b.created_at)},
          {"updated_at", format_time(b.updated_at)},
          {"organization_id", b.organization_id},
          {"enabled", bool_of(b.body, "enabled")},
          {"consumption_limit", json::object{{"currency_code", ""},
                                             {"units", int_of(b.body, "consumption_limit")},
                                             {"nanos", 0}}},
          {"alerts", std::move(alerts)}};
}

// ---- input ----

void check_limit(codec::BodyReader& b, const std::optional<std::int64_t>& limit) {
  if (limit && (*limit < 0 || *limit > kMaxLimit))
    b.add("consumption_limit", ArgReason::kConstraint,
          "must be between 0 and " + std::to_string(kMaxLimit));
}

void check_threshold(codec::BodyReader& b, const std::optional<std::int64_t>& threshold) {
  if (threshold && (*threshold < 0 || *threshold > 100))
    b.add("threshold", ArgReason::kConstraint, "must be a percentage between 0 and 100");
}

// A record of `kind` the body's `field` names in the caller's organization; `missing` answers
// for a well-formed id naming none.
Result<store::Record> named_in_body(Context& ctx, store::Tx& tx, std::string_view field,
                                    std::string_view kind,
                                    ApiError (*missing)(std::string_view id)) {
  codec::BodyReader b(ctx.body);
  auto id = b.uuid(field, true);
  if (auto e = b.error()) return api::fail(*e);
  auto r = tx.get(kind, *id);
  if (!r || r->organization_id != ctx.principal.organization_id) return api::fail(missing(*id));
  return std::move(*r);
}

Result<store::Record> body_budget(Context& ctx, store::Tx& tx) {
  return named_in_body(ctx, tx, "budget_id", kBudget, budget_not_found);
}

Result<store::Record> body_alert(Context& ctx, store::Tx& tx) {
  return named_in_body(ctx, tx, "budget_alert_id", kBudgetAlert,
                       [](std::string_view id) { return ApiError::not_found("budget_alert", id); });
}

// The recipient kinds of a notification: its request field and its `type`.
struct Channel {
  std::string_view field;
  std::string_view type;
  bool (*valid)(std::string_view);
  std::string_view help;
};

bool is_email(std::string_view s) {
  auto at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
         s.find('@', at + 1) == std::string_view::npos &&
         s.find_first_of(" \t\r\n") == std::string_view::npos;
}

// E.164: a plus sign and up to 15 digits.
bool is_phone(std::string_view s) {
  if (s.size() < 4 || s.size() > 16 || s[0] != '+') return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool is_url(std::string_view s) {
  for (std::string_view scheme : {"https://", "http://"})
    if (s.starts_with(scheme) && s.size() > scheme.size() &&
        s.find_first_of(" \t\r\n") == std::string_view::npos)
      return true;
  return false;
}

constexpr Channel kChannels[] = {
    {"sms_phone_numbers", "sms", is_phone, "phone numbers in international format (+33612345678)"},
    {"email_addresses", "email", is_email, "email addresses"},
    {"webhook_urls", "webhook", is_url, "http or https URLs"},
};

// The one recipient list of a create or update (precisely one of the three; none is allowed
// only where `optional`, an update keeping its recipients): {type, recipients}.
Result<std::optional<json::object>> read_recipients(Context& ctx, bool optional) {
  codec::BodyReader b(ctx.body);
  std::optional<json::object> out;
  int given = 0;
  for (auto& c : kChannels) {
    auto list = b.strings(c.field);
    if (!list) continue;
    ++given;
    if (list->empty()) {
      b.add(c.field, ArgReason::kConstraint, "at least one recipient is required");
      continue;
    }
    json::array recipients;
    for (auto& v : *list) {
      if (!c.valid(v)) {
        b.add(c.field, ArgReason::kConstraint, "recipients must be " + std::string(c.help));
        break;
      }
      recipients.push_back(json::string(v));
    }
    out = json::object{{"type", c.type}, {"recipients", std::move(recipients)}};
  }
  if (auto e = b.error()) return api::fail(*e);
  if (given > 1 || (given == 0 && !optional))
    return api::fail(ApiError::constraint(
        "email_addresses",
        "precisely one of sms_phone_numbers, email_addresses and webhook_urls must be set"));
  return out;
}

// The records of `kind` under `parent` (by parent, or by the body field `path`), oldest first.
std::vector<store::Record> under(store::Tx& tx, std::string_view kind, std::string_view parent,
                                 std::string path = {}) {
  store::ListQuery q;
  q.kind = std::string(kind);
  if (path.empty())
    q.filters.push_back({Column::kParent, Op::kEq, {std::string(parent)}, {}, false});
  else
    q.filters.push_back({Column::kBody, Op::kEq, {std::string(parent)}, std::move(path), false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

void remove_all(store::Tx& tx, std::string_view kind, std::string_view parent,
                std::string path = {}) {
  for (auto& r : under(tx, kind, parent, std::move(path))) tx.remove(kind, r.id);
}

// ---- budgets ----

std::optional<ApiError> create_budget(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  b.str("organization_id");  // its value was resolved as the owner; here only its type
  auto limit = b.integer("consumption_limit", true);
  auto enabled = b.boolean("enabled");
  check_limit(b, limit);
  if (auto e = b.error()) return e;
  r.body = json::object{{"consumption_limit", *limit}, {"enabled", enabled.value_or(false)}};
  return std::nullopt;
}

std::optional<ApiError> update_budget(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto limit = b.integer("consumption_limit");
  auto enabled = b.boolean("enabled");
  check_limit(b, limit);
  if (auto e = b.error()) return e;
  if (limit) r.body["consumption_limit"] = *limit;
  if (enabled) r.body["enabled"] = *enabled;
  return std::nullopt;
}

void register_budget(app::Registry& reg) {
  auto s = resource::named(kBudget, "budget", kBase + "/budgets", kRead, kWrite);
  s.organization_level = true;
  s.missing = [](const Context&, std::string_view id, bool) -> std::optional<ApiError> {
    return budget_not_found(id);
  };
  // A budget shows its alerts and their notifications: two queries for a whole page.
  s.related = {{std::string(kBudgetAlert)},
               {std::string(kBudgetAlertNotification), {}, "budget_id"}};
  s.render = render_budget;
  s.create = create_budget;
  s.update = update_budget;
  s.on_delete = [](Context&, store::Tx& tx, const store::Record& r) -> std::optional<ApiError> {
    remove_all(tx, kBudgetAlertNotification, r.id, "budget_id");
    remove_all(tx, kBudgetAlert, r.id);
    return std::nullopt;
  };
  resource::add_resource(reg, std::move(s));
}

// ---- alerts ----

void register_alert(app::Registry& reg) {
  auto s = resource::named(kBudgetAlert, "budget_alert", kBase + "/budget-alerts", kRead, kWrite);
  s.list_key.clear();
  s.gettable = false;
  s.organization_level = true;
  s.owner = [](Context& ctx, store::Tx& tx) -> Result<app::Owner> {
    auto budget = body_budget(ctx, tx);
    if (!budget) return api::fail(budget.error());
    return app::Owner{budget->organization_id, {}};
  };
  s.create_refs.refs = {app::body_ref("budget_id", Access::kWrite, {kBudgetRef})};
  s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto threshold = b.integer("threshold", true);
    check_threshold(b, threshold);
    if (auto e = b.error()) return e;
    auto budget = body_budget(ctx, tx);
    if (!budget) return budget.error();
    r.parent_id = budget->id;
    r.body = json::object{{"threshold", *threshold}};
    return std::nullopt;
  };
  s.update = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto threshold = b.integer("threshold");
    check_threshold(b, threshold);
    if (auto e = b.error()) return e;
    if (threshold) r.body["threshold"] = *threshold;
    return std::nullopt;
  };
  s.related = {{std::string(kBudgetAlertNotification)}};
  s.render = [](const resource::View& v, const store::Record& a) {
    return render_alert(a, v.related.children(kBudgetAlertNotification, a.id));
  };
  s.on_delete = [](Context&, store::Tx& tx, const store::Record& r) -> std::optional<ApiError> {
    remove_all(tx, kBudgetAlertNotification, r.id);
    return std::nullopt;
  };
  resource::add_resource(reg, std::move(s));
}

// ---- alert notifications ----

void register_notification(app::Registry& reg) {
  auto s = resource::named(kBudgetAlertNotification, "budget_alert_notification",
                           kBase + "/budget-alert-notifications", kRead, kWrite);
  s.list_key.clear();
  s.gettable = false;
  s.organization_level = true;
  s.owner = [](Context& ctx, store::Tx& tx) -> Result<app::Owner> {
    auto alert = body_alert(ctx, tx);
    if (!alert) return api::fail(alert.error());
    return app::Owner{alert->organization_id, {}};
  };
  s.create_refs.refs = {app::body_ref("budget_alert_id", Access::kWrite, {kAlertRef})};
  s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    auto recipients = read_recipients(ctx, false);
    if (!recipients) return recipients.error();
    auto alert = body_alert(ctx, tx);
    if (!alert) return alert.error();
    r.parent_id = alert->id;
    r.body = std::move(**recipients);
    // Its budget too, so that a page of budgets loads every notification in one query.
    r.body["budget_id"] = alert->parent_id;
    return std::nullopt;
  };
  s.update = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    auto recipients = read_recipients(ctx, true);
    if (!recipients) return recipients.error();
    if (*recipients)
      for (auto& [k, v] : **recipients) r.body[k] = v;
    return std::nullopt;
  };
  s.render = [](const resource::View&, const store::Record& n) { return render_notification(n); };
  resource::add_resource(reg, std::move(s));
}

// ---- electronic addresses: not built ----

void declare_electronic_addresses(app::Registry& reg) {
  constexpr Permission kReadAddress{"Billing", Access::kRead, "electronic_address"};
  constexpr Permission kWriteAddress{"Billing", Access::kWrite, "electronic_address"};
  const std::string collection = kBase + "/electronic-address";
  const std::string item = collection + "/{electronic_address_id}";
  reg.add("GET", collection, kReadAddress, nullptr).operation = "ListElectronicAddresses";
  reg.add("POST", collection, kWriteAddress, nullptr).operation = "CreateElectronicAddress";
  reg.add("GET", item, kReadAddress, nullptr).operation = "GetElectronicAddress";
  reg.add("PATCH", item, kWriteAddress, nullptr).operation = "UpdateElectronicAddress";
  reg.add("DELETE", item, kWriteAddress, nullptr).operation = "DeleteElectronicAddress";
}

// ---- fired alerts ----

// What the organization's usage cost from `from` up to and including `t` (before discounts).
std::int64_t spent(store::Tx& tx, std::string_view organization_id, Micros from, Micros t) {
  std::int64_t total = 0;
  for (auto& l : meter::consumption(tx, organization_id, "", from, t + 1, t + 1))
    total += l.value_nanos;
  return total;
}

// When, in period p and within [from, now], the month's consumption first reached `target`
// (to the minute; nullopt: it did not). Consumption only grows, so a binary search finds it.
std::optional<Micros> reached_at(store::Tx& tx, std::string_view organization_id,
                                 const meter::Period& p, Micros from, Micros now,
                                 std::int64_t target) {
  Micros lo = std::max(p.start, from);
  Micros hi = std::min(now, p.end - 1);
  if (hi < lo) return std::nullopt;
  auto reached = [&](Micros t) {
    auto s = spent(tx, organization_id, p.start, t);
    return s > 0 && s >= target;
  };
  if (!reached(hi)) return std::nullopt;
  if (reached(lo)) return lo;
  // Minute k of the period, kept within [lo, hi]: not reached at k = l, reached at k = h.
  auto at = [&](std::int64_t k) { return std::clamp(p.start + k * kMinute, lo, hi); };
  std::int64_t l = (lo - p.start) / kMinute;
  std::int64_t h = (hi - p.start) / kMinute + 1;
  while (h - l > 1) {
    auto m = l + (h - l) / 2;
    if (reached(at(m)))
      h = m;
    else
      l = m;
  }
  return at(h);
}

}  // namespace

json::array fired_alerts(store::Tx& tx, std::string_view organization_id, Micros now) {
  store::ListQuery q;
  q.kind = std::string(kBudget);
  if (!organization_id.empty())
    q.filters.push_back(
        {Column::kOrganization, Op::kEq, {store::Uuid{std::string(organization_id)}}, {}});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  std::vector<std::pair<Micros, json::object>> fired;
  for (auto& b : tx.list(q).items) {
    if (!bool_of(b.body, "enabled")) continue;
    auto limit_units = int_of(b.body, "consumption_limit");
    auto notifications = under(tx, kBudgetAlertNotification, b.id, "budget_id");
    for (auto& a : under(tx, kBudgetAlert, b.id)) {
      auto threshold = int_of(a.body, "threshold");
      // units x 10^9 x threshold / 100, within 64 bits for any uint32 limit.
      std::int64_t target = limit_units * 10'000'000 * threshold;
      Micros from = std::max(a.created_at, b.created_at);
      for (auto p = meter::period_of(from); p.start <= now; p = meter::next_period(p)) {
        auto at = reached_at(tx, b.organization_id, p, from, now, target);
        if (!at) continue;
        json::array sent;
        for (auto& n : notifications)
          if (n.parent_id == a.id)
            sent.push_back(json::object{{"budget_alert_notification_id", n.id},
                                        {"type", str_of(n.body, "type")},
                                        {"recipients", value_of(n.body, "recipients")}});
        fired.emplace_back(
            *at,
            json::object{{"organization_id", b.organization_id},
                         {"budget_id", b.id},
                         {"budget_alert_id", a.id},
                         {"threshold", threshold},
                         {"billing_period", meter::period_name(p)},
                         {"triggered_at", format_time(*at)},
                         {"consumption", money_json(spent(tx, b.organization_id, p.start, *at))},
                         {"consumption_limit", money_json(limit_units * 1'000'000'000)},
                         {"notifications", std::move(sent)}});
      }
    }
  }
  std::stable_sort(fired.begin(), fired.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  json::array out;
  for (auto& [at, item] : fired) out.push_back(std::move(item));
  return out;
}

void register_budgets(app::Registry& r) {
  register_budget(r);
  register_alert(r);
  register_notification(r);
  declare_electronic_addresses(r);
}

}  // namespace scwd::products::billing

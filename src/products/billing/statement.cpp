#include "products/billing/statement.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "core/auth/auth.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "core/util/money.hpp"

namespace scwd::products::billing {

namespace json = boost::json;

namespace {

constexpr std::int64_t kCent = kCentNanos;

std::int64_t round_cent(double eur_nanos) {
  return static_cast<std::int64_t>(eur_nanos / static_cast<double>(kCent) + 0.5) * kCent;
}

double num(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  return 0;
}

std::optional<Micros> time_of(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}

// Invoice numbers grow with the month; the organization picks its place within the month.
std::int32_t invoice_number(std::string_view organization_id, const meter::Period& p) {
  auto h = sha256_hex(organization_id);
  auto spread = static_cast<std::int32_t>(std::stoul(h.substr(0, 6), nullptr, 16) % 10000);
  return ((p.year - 2000) * 12 + p.month) * 10000 + spread;
}

std::optional<Micros> first_usage(store::Tx& tx, std::string_view organization_id) {
  store::ListQuery q;
  q.kind = std::string(meter::kUsage);
  q.filters.push_back({store::Column::kOrganization,
                       store::Op::kEq,
                       {store::Uuid{std::string(organization_id)}},
                       {}});
  q.order.push_back({store::Column::kCreatedAt, false, {}});
  q.limit = 1;
  q.with_total = false;
  auto items = tx.list(q).items;
  if (items.empty()) return std::nullopt;
  return items.front().created_at;
}

std::vector<store::Record> discounts_of(store::Tx& tx, std::string_view organization_id) {
  store::ListQuery q;
  q.kind = std::string(kDiscount);
  q.filters.push_back({store::Column::kOrganization,
                       store::Op::kEq,
                       {store::Uuid{std::string(organization_id)}},
                       {}});
  q.order.push_back({store::Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

}  // namespace

std::int64_t vat(std::int64_t untaxed_nanos) {
  if (untaxed_nanos <= 0) return 0;
  return nanos_to_cent(untaxed_nanos, kVatPercent, 100);
}

std::string euros(std::int64_t nanos) {
  std::int64_t cents = (nanos >= 0 ? nanos + kCent / 2 : nanos - kCent / 2) / kCent;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "",
                static_cast<long long>(std::llabs(cents) / 100),
                static_cast<long long>(std::llabs(cents) % 100));
  return buf;
}

Statement statement(store::Tx& tx, std::string_view organization_id, const meter::Period& period,
                    Micros now) {
  Statement out;
  if (auto org = tx.get(auth::kOrganizationKind, organization_id))
    out.organization_name = org->name;
  for (auto& d : discounts_of(tx, organization_id)) {
    DiscountUse use;
    use.record = std::move(d);
    out.discounts.push_back(std::move(use));
  }
  auto current = meter::period_of(now);
  auto first = first_usage(tx, organization_id);
  meter::Period p = first ? meter::period_of(*first) : period;
  if (period.start < p.start) p = period;
  meter::Period last = period.start > current.start ? period : current;
  for (;; p = meter::next_period(p)) {
    auto lines = meter::consumption(tx, organization_id, "", p.start, p.end, now);
    Totals t;
    for (auto& l : lines) t.undiscount += l.value_nanos;
    // Discounts apply in the order they were redeemed, each to what the previous left.
    std::int64_t left = t.undiscount;
    for (auto& d : out.discounts) {
      auto& b = d.record.body;
      Micros start = time_of(b, "start_date").value_or(d.record.created_at);
      auto stop = time_of(b, "stop_date");
      if (start >= p.end || (stop && *stop <= p.start) || left <= 0) continue;
      std::int64_t off = 0;
      double value = num(b, "value");
      if (b.at("mode").as_string() == "discount_mode_rate") {
        off = std::min(left, round_cent(static_cast<double>(left) * value / 100.0));
      } else {
        auto remaining = round_cent((value - d.used) * 1e9);
        off = std::clamp<std::int64_t>(remaining, 0, left);
      }
      left -= off;
      d.used += static_cast<double>(off) / 1e9;
    }
    t.discount = left - t.undiscount;
    t.untaxed = left;
    t.tax = vat(t.untaxed);
    t.taxed = t.untaxed + t.tax;
    if (p.end <= now && t.undiscount > 0) {
      Invoice inv;
      inv.period = p;
      inv.id = name_uuid("invoice/" + std::string(organization_id) + "/" + meter::period_name(p));
      inv.number = invoice_number(organization_id, p);
      inv.issued = p.end;
      inv.due = p.end + 11 * kDay - 1;
      inv.state = now < inv.due ? "issued" : "paid";
      inv.totals = t;
      inv.lines = lines;
      out.invoices.push_back(std::move(inv));
    }
    if (p.start == period.start) {
      out.period_lines = std::move(lines);
      out.period_totals = t;
    }
    if (p.start >= last.start) break;
  }
  for (auto& d : out.discounts) {
    auto& b = d.record.body;
    double value = num(b, "value");
    d.remaining =
        b.at("mode").as_string() == "discount_mode_rate" ? value : std::max(0.0, value - d.used);
  }
  return out;
}

}  // namespace scwd::products::billing

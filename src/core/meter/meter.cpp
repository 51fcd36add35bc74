#include "core/meter/meter.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/lifecycle/lifecycle.hpp"
#include "core/lifecycle/plan.hpp"
#include "core/util/ids.hpp"
#include "core/util/money.hpp"

namespace scwd::meter {

namespace json = boost::json;

namespace {

// ---- declarations ----

using Meters = std::unordered_map<std::string, MeterFn>;

std::mutex meters_mu;
std::shared_ptr<const Meters> meters = std::make_shared<const Meters>();
bool enabled = true;  // guarded by meters_mu

std::shared_ptr<const Meters> snapshot() {
  std::lock_guard lock(meters_mu);
  static const auto kNone = std::make_shared<const Meters>();
  return enabled ? meters : kNone;
}

// ---- ledger records ----
// An interval: state "open" (running) or "closed", created_at = its start, body.end once closed.
// A count: state "count", created_at = the start of its hour, body.quantity.

json::object sku_json(const Sku& s) {
  return json::object{{"sku", s.sku},
                      {"category", s.category},
                      {"product_name", s.product_name},
                      {"resource_name", s.resource_name},
                      {"unit", s.unit},
                      {"unit_length", s.unit_length},
                      {"per_period", s.per_period},
                      {"price_nanos", s.price_nanos},
                      {"price_per", s.price_per}};
}

std::string str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t num(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : 0;
}

Sku sku_of(const json::object& b) {
  Sku s;
  s.sku = str(b, "sku");
  s.category = str(b, "category");
  s.product_name = str(b, "product_name");
  s.resource_name = str(b, "resource_name");
  s.unit = str(b, "unit");
  s.unit_length = num(b, "unit_length");
  auto* pp = b.if_contains("per_period");
  s.per_period = pp && pp->is_bool() && pp->as_bool();
  s.price_nanos = num(b, "price_nanos");
  s.price_per = std::max<std::int64_t>(1, num(b, "price_per"));
  return s;
}

// What identifies an accrual: the same SKU at the same rate keeps its interval open.
std::string accrual_key(const Sku& sku, std::int64_t rate) {
  return sku.sku + "|" + std::to_string(rate) + "|" + std::to_string(sku.price_nanos) + "/" +
         std::to_string(sku.price_per);
}

std::vector<store::Record> open_intervals(store::Tx& tx, std::string_view resource_id) {
  store::ListQuery q;
  q.kind = std::string(kUsage);
  q.filters.push_back({store::Column::kParent, store::Op::kEq, {std::string(resource_id)}, {}});
  q.filters.push_back({store::Column::kState, store::Op::kEq, {std::string("open")}, {}});
  q.with_total = false;
  return tx.list(q).items;
}

void close_interval(store::Tx& tx, store::Record& r, Micros at) {
  r.state = "closed";
  r.body["end"] = std::max(at, r.created_at);
  r.updated_at = at;
  tx.update(r);
}

void open_interval(store::Tx& tx, const store::Record& resource, const Usage& u, Micros at) {
  store::Record r;
  r.kind = std::string(kUsage);
  r.id = new_uuid();
  r.organization_id = resource.organization_id;
  r.project_id = resource.project_id;
  r.locality = resource.locality;
  r.name = u.sku.sku;
  r.parent_id = resource.id;
  r.state = "open";
  r.created_at = r.updated_at = at;
  r.body = sku_json(u.sku);
  r.body["rate"] = u.rate;
  r.body["resource_kind"] = resource.kind;
  tx.insert(r);
}

// Brings the resource's open intervals in line with what it accrues now, from `at`. A record
// being inserted has none yet (`fresh`): nothing to read.
void follow(store::Tx& tx, const store::Record& resource, const std::vector<Usage>& now_accrues,
            Micros at, bool fresh = false) {
  auto open = fresh ? std::vector<store::Record>{} : open_intervals(tx, resource.id);
  if (open.empty() && now_accrues.empty()) return;
  std::map<std::string, const Usage*> wanted;
  for (auto& u : now_accrues)
    if (u.rate > 0) wanted.emplace(accrual_key(u.sku, u.rate), &u);
  for (auto& r : open) {
    auto key = accrual_key(sku_of(r.body), num(r.body, "rate"));
    if (wanted.erase(key) == 0) close_interval(tx, r, at);
  }
  for (auto& [key, u] : wanted) open_interval(tx, resource, *u, at);
}

// When a change written now happened: the record's own time (a lifecycle step sets it to when the
// step was due), kept between the resource's last change and now.
Micros change_time(const store::Record& r, Micros now) {
  return std::clamp(r.updated_at, std::min(r.created_at, now), now);
}

class MeteredTx final : public store::ForwardingTx {
 public:
  // In a grouped write: the group's transaction, which the group commits.
  MeteredTx(store::Tx& inner, Clock& clock)
      : ForwardingTx(inner), clock_(clock), meters_(snapshot()) {}
  // One this transaction began and owns.
  MeteredTx(std::unique_ptr<store::Tx> owned, Clock& clock)
      : ForwardingTx(std::move(owned)), clock_(clock), meters_(snapshot()) {}

  void insert(store::Record& r) override {
    inner().insert(r);
    if (auto* fn = meter_of(r.kind)) {
      Micros now = clock_.now();
      follow(inner(), r, (*fn)(r), std::min(r.created_at > 0 ? r.created_at : now, now), true);
    }
  }
  void update(store::Record& r) override {
    inner().update(r);
    if (auto* fn = meter_of(r.kind)) follow(inner(), r, (*fn)(r), change_time(r, clock_.now()));
  }
  bool remove(std::string_view kind, std::string_view id) override {
    if (meter_of(kind)) {
      Micros now = clock_.now();
      Micros at = now;
      if (auto stored = inner().get(kind, id))
        at = std::min(now, lifecycle::entered_at(*stored, lifecycle::kDeleted).value_or(now));
      for (auto& r : open_intervals(inner(), id)) close_interval(inner(), r, at);
    }
    return inner().remove(kind, id);
  }

 private:
  const MeterFn* meter_of(std::string_view kind) const {
    auto it = meters_->find(std::string(kind));
    return it == meters_->end() ? nullptr : &it->second;
  }

  Clock& clock_;
  std::shared_ptr<const Meters> meters_;
};

// Units of a timed SKU in [from, to): to the nearest whole unit, at least one for any use (so
// that a request's few milliseconds never tip a bill); or 1 per period overlapped.
std::int64_t units(const Sku& sku, Micros from, Micros to) {
  if (to <= from) return 0;
  if (sku.per_period) return 1;
  if (sku.unit_length <= 0) return 0;
  return std::max<std::int64_t>(1, (to - from + sku.unit_length / 2) / sku.unit_length);
}

}  // namespace

void set_enabled(bool on) {
  std::lock_guard lock(meters_mu);
  enabled = on;
}

void declare(std::string kind, MeterFn fn) {
  std::lock_guard lock(meters_mu);
  auto next = std::make_shared<Meters>(*meters);
  (*next)[std::move(kind)] = std::move(fn);
  meters = std::move(next);
}

void count(store::Tx& tx, std::string_view organization_id, std::string_view project_id,
           std::string_view locality, const Sku& sku, std::int64_t quantity, Micros at) {
  if (quantity <= 0) return;
  Micros hour = at - at % kHour;
  std::string key = "count/" + std::string(project_id) + "/" + sku.sku + "/" +
                    std::string(locality) + "/" + std::to_string(hour);
  for (int attempt = 0;; ++attempt) {
    if (auto r = tx.get_by_key(kUsage, key)) {
      r->body["quantity"] = num(r->body, "quantity") + quantity;
      r->updated_at = std::max(r->updated_at, at);
      tx.update(*r);
      return;
    }
    store::Record r;
    r.kind = std::string(kUsage);
    r.id = new_uuid();
    r.organization_id = std::string(organization_id);
    r.project_id = std::string(project_id);
    r.locality = std::string(locality);
    r.name = sku.sku;
    r.state = "count";
    r.created_at = hour;
    r.updated_at = at;
    r.keys = {key};
    r.body = sku_json(sku);
    r.body["quantity"] = quantity;
    try {
      tx.insert(r);
      return;
    } catch (const store::DuplicateKey&) {
      if (attempt > 0) throw;  // another writer made it in between: add to theirs
    }
  }
}

std::unique_ptr<store::Tx> MeteredStore::begin(store::TxMode mode) {
  auto tx = inner().begin(mode);
  if (mode == store::TxMode::kRead) return tx;
  return std::make_unique<MeteredTx>(std::move(tx), clock_);
}

void MeteredStore::write(const std::function<bool(store::Tx&)>& work) {
  inner().write([&](store::Tx& tx) {
    MeteredTx metered(tx, clock_);
    return work(metered);
  });
}

std::int64_t price(const Sku& sku, std::int64_t quantity) {
  return nanos_to_cent(quantity, sku.price_nanos, sku.price_per);
}

std::vector<Line> consumption(store::Tx& tx, std::string_view organization_id,
                              std::string_view project_id, Micros from, Micros to, Micros now) {
  std::map<std::pair<std::string, std::string>, Line> lines;  // (project, sku) -> line
  Micros until = std::min(to, now);
  auto add = [&](const store::Record& r, std::int64_t quantity) {
    if (quantity <= 0) return;
    auto sku = sku_of(r.body);
    auto& line = lines[{r.project_id, sku.sku}];
    if (line.sku.sku.empty()) {
      line.project_id = r.project_id;
      line.sku = sku;
    }
    line.quantity += quantity;
  };
  auto query = [&](std::string_view state) {
    store::ListQuery q;
    q.kind = std::string(kUsage);
    q.filters.push_back({store::Column::kOrganization,
                         store::Op::kEq,
                         {store::Uuid{std::string(organization_id)}},
                         {}});
    if (!project_id.empty())
      q.filters.push_back(
          {store::Column::kProject, store::Op::kEq, {store::Uuid{std::string(project_id)}}, {}});
    q.filters.push_back({store::Column::kState, store::Op::kEq, {std::string(state)}, {}});
    q.filters.push_back({store::Column::kCreatedAt, store::Op::kLt, {to}, {}});
    q.with_total = false;
    return q;
  };
  {
    auto q = query("open");
    for (auto& r : tx.list(q).items) {
      auto sku = sku_of(r.body);
      add(r, units(sku, std::max(r.created_at, from), until) * num(r.body, "rate"));
    }
  }
  {
    auto q = query("closed");
    q.filters.push_back({store::Column::kBody, store::Op::kGt, {from}, "end"});
    for (auto& r : tx.list(q).items) {
      auto sku = sku_of(r.body);
      Micros end = std::min(num(r.body, "end"), until);
      add(r, units(sku, std::max(r.created_at, from), end) * num(r.body, "rate"));
    }
  }
  {
    auto q = query("count");
    q.filters.push_back({store::Column::kCreatedAt, store::Op::kGe, {from}, {}});
    for (auto& r : tx.list(q).items) add(r, num(r.body, "quantity"));
  }
  std::vector<Line> out;
  out.reserve(lines.size());
  for (auto& [k, line] : lines) {
    line.value_nanos = price(line.sku, line.quantity);
    out.push_back(std::move(line));
  }
  return out;
}

Period period_of(Micros t) {
  auto secs = static_cast<std::int64_t>(t / 1'000'000);
  if (t < 0 && t % 1'000'000) --secs;
  std::int64_t days = secs / 86400;
  if (secs % 86400 < 0) --days;
  // Civil date from days since the epoch (Howard Hinnant's algorithm).
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t m = mp + (mp < 10 ? 3 : -9);
  if (m <= 2) ++y;
  return *parse_period(std::to_string(y) + "-" + (m < 10 ? "0" : "") + std::to_string(m));
}

std::optional<Period> parse_period(std::string_view s) {
  if (s.size() != 7 || s[4] != '-') return std::nullopt;
  int y = 0, m = 0;
  if (std::from_chars(s.data(), s.data() + 4, y).ptr != s.data() + 4) return std::nullopt;
  if (std::from_chars(s.data() + 5, s.data() + 7, m).ptr != s.data() + 7) return std::nullopt;
  if (y < 1970 || m < 1 || m > 12) return std::nullopt;
  auto days_from_civil = [](std::int64_t y, std::int64_t m) {
    y -= m <= 2;
    std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    std::int64_t yoe = y - era * 400;
    std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  };
  Period p;
  p.year = y;
  p.month = m;
  p.start = days_from_civil(y, m) * 86400 * 1'000'000;
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  p.end = days_from_civil(ny, nm) * 86400 * 1'000'000;
  return p;
}

std::string period_name(const Period& p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", p.year, p.month);
  return buf;
}

Period next_period(const Period& p) { return period_of(p.end); }

}  // namespace scwd::meter

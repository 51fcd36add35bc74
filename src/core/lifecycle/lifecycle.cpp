#include "core/lifecycle/lifecycle.hpp"

#include "core/lifecycle/plan.hpp"
#include "core/lifecycle/settled_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>

namespace scwd::lifecycle {

namespace json = boost::json;

namespace {

constexpr std::string_view kPendingField = "_lc";        // [{state, at, detail}]
constexpr std::string_view kDetailField = "_lc_detail";  // where details go
constexpr Micros kRefreshEvery = 250'000;                // re-read the store's earliest due time
constexpr Micros kNever = std::numeric_limits<Micros>::max();

}  // namespace

std::optional<Speed> Speed::parse(std::string_view s) {
  if (s == "instant") return Speed{0.0};
  if (s == "fast") return Speed{0.1};
  if (s == "realistic") return Speed{1.0};
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0) return {};
  return Speed{v};
}

std::string Speed::name() const {
  if (factor == 0.0) return "instant";
  if (factor == 0.1) return "fast";
  if (factor == 1.0) return "realistic";
  return std::to_string(factor);
}

Micros Engine::scale(Micros realistic) const {
  return static_cast<Micros>(std::llround(static_cast<double>(realistic) * speed_factor_.load()));
}

void Engine::on_enter(std::string kind, Hook hook) {
  std::lock_guard lock(hooks_mu_);
  hooks_[std::move(kind)] = std::move(hook);
}

void Engine::note_due(Micros at) {
  generation_.fetch_add(1);
  Micros cur = next_due_.load();
  while ((cur == 0 || at < cur) && !next_due_.compare_exchange_weak(cur, at)) {
  }
}

void Engine::start(store::Record& r, Micros now, const std::vector<Step>& steps,
                   std::string_view detail_field) {
  // Starting a plan changes the record now (the usage ledger dates what follows from this).
  r.updated_at = std::max(r.updated_at, now);
  json::array pending;
  Micros at = now;
  bool first = true;
  for (auto& s : steps) {
    at += scale(s.after);
    if (first && s.after == 0) {
      r.state = s.state;
      if (!detail_field.empty()) r.body[detail_field] = s.detail;
      first = false;
      continue;
    }
    first = false;
    pending.push_back(json::object{{"state", s.state}, {"at", at}, {"detail", s.detail}});
  }
  if (pending.empty()) {
    cancel(r);
    return;
  }
  r.due_at = pending.front().as_object().at("at").as_int64();
  r.body[kPendingField] = std::move(pending);
  if (detail_field.empty())
    r.body.erase(kDetailField);
  else
    r.body[kDetailField] = detail_field;
  note_due(*r.due_at);
}

std::optional<Micros> entered_at(const store::Record& r, std::string_view state) {
  auto it = r.body.find(kPendingField);
  if (it == r.body.end() || !it->value().is_array()) return std::nullopt;
  for (auto& step : it->value().as_array()) {
    auto* o = step.if_object();
    if (!o) continue;
    auto* s = o->if_contains("state");
    auto* at = o->if_contains("at");
    if (s && s->is_string() && s->as_string() == state && at && at->is_int64())
      return at->as_int64();
  }
  return std::nullopt;
}

void Engine::cancel(store::Record& r) {
  r.body.erase(kPendingField);
  r.body.erase(kDetailField);
  r.due_at.reset();
}

std::string Engine::target(const store::Record& r) {
  auto it = r.body.find(kPendingField);
  if (it == r.body.end() || !it->value().is_array() || it->value().as_array().empty())
    return r.state;
  return std::string(it->value().as_array().back().as_object().at("state").as_string());
}

bool Engine::settle(store::Tx& tx, store::Record& r, Micros now) {
  if (!r.due_at || *r.due_at > now) return false;
  auto it = r.body.find(kPendingField);
  if (it == r.body.end() || !it->value().is_array()) {
    cancel(r);
    return true;
  }
  json::array pending = std::move(it->value().as_array());
  r.body.erase(kPendingField);
  std::string detail_field;
  if (auto d = r.body.find(kDetailField); d != r.body.end() && d->value().is_string())
    detail_field = std::string(d->value().as_string());
  Hook hook;
  {
    std::lock_guard lock(hooks_mu_);
    if (auto h = hooks_.find(r.kind); h != hooks_.end()) hook = h->second;
  }
  std::size_t done = 0;
  for (; done < pending.size(); ++done) {
    auto& o = pending[done].as_object();
    Micros at = o.at("at").as_int64();
    if (at > now) break;
    Step step{std::string(o.at("state").as_string()), 0, std::string(o.at("detail").as_string())};
    r.state = step.state;
    if (!detail_field.empty()) r.body[detail_field] = step.detail;
    r.updated_at = std::max(r.updated_at, at);
    if (hook) hook(tx, r, step, at);
    if (r.state == kDeleted) return true;
    // A hook may have started a new plan on r: the rest of the old one is dropped.
    if (r.body.contains(kPendingField)) return true;
  }
  r.body.erase(kDetailField);
  pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(done));
  if (pending.empty()) {
    cancel(r);
  } else {
    r.due_at = pending.front().as_object().at("at").as_int64();
    r.body[kPendingField] = std::move(pending);
    if (!detail_field.empty()) r.body[kDetailField] = detail_field;
  }
  return true;
}

bool Engine::view(store::Record& r, Micros now) {
  if (!r.due_at || *r.due_at > now) return false;
  auto it = r.body.find(kPendingField);
  if (it == r.body.end() || !it->value().is_array()) return false;
  std::string detail_field;
  if (auto d = r.body.find(kDetailField); d != r.body.end() && d->value().is_string())
    detail_field = std::string(d->value().as_string());
  json::array pending = std::move(it->value().as_array());
  std::size_t applied = 0;
  while (applied < pending.size() && r.state != kDeleted) {
    auto& o = pending[applied].as_object();
    Micros at = o.at("at").as_int64();
    if (at > now) break;
    r.state = std::string(o.at("state").as_string());
    if (!detail_field.empty()) r.body[detail_field] = o.at("detail");
    r.updated_at = std::max(r.updated_at, at);
    ++applied;
  }
  pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(applied));
  if (pending.empty() || r.state == kDeleted) {
    r.body.erase(kPendingField);
    r.body.erase(kDetailField);
    r.due_at.reset();
  } else {
    r.due_at = pending.front().as_object().at("at").as_int64();
    r.body[kPendingField] = std::move(pending);
  }
  return true;
}

bool Engine::maybe_due() const {
  Micros due = next_due_.load();
  Micros t = clock_.now();
  return due == 0 || t >= due || t >= next_refresh_.load();
}

std::optional<store::Record> Engine::load(store::Tx& tx, std::string_view kind,
                                          std::string_view id) {
  auto r = tx.get(kind, id);
  if (!r) return r;
  if (!settle(tx, *r, now())) return r;
  if (r->state == kDeleted) {
    tx.remove(r->kind, r->id);
    return std::nullopt;
  }
  tx.update(*r);
  return r;
}

void Engine::settle_due(store::Store& handlers_store) {
  // Settling reads the stored records, not their settled view.
  auto* settled = dynamic_cast<SettledStore*>(&handlers_store);
  store::Store& store = settled ? settled->inner() : handlers_store;
  Micros t = now();
  Micros due = next_due_.load();
  if (due != 0 && t < due && t < next_refresh_.load()) return;
  // Someone else is settling: let them (waiting here could deadlock with the store's writer
  // thread, which runs grouped requests that settle too).
  std::unique_lock lock(settle_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  t = now();
  auto gen = generation_.load();
  store::ListQuery q;
  q.filters.push_back({store::Column::kDueAt, store::Op::kLe, {t}, {}});
  // Earliest first, which is also what lets the store walk its due_at index: in id order it
  // would walk every record of every kind looking for the due ones.
  q.order.push_back({store::Column::kDueAt, false, {}});
  q.with_total = false;
  q.limit = 500;
  auto settle_one = [&](store::Tx& tx, const std::string& kind, const std::string& id) {
    // Re-read: a hook of an earlier record may have changed (or removed) this one. Claimed: a
    // record another replica is settling right now is left to it.
    auto r = tx.claim(kind, id);
    if (!r || !settle(tx, *r, t)) return;
    if (r->state == kDeleted)
      tx.remove(r->kind, r->id);
    else
      tx.update(*r);
  };
  bool skipped_any = false;
  for (int round = 0; round < 20; ++round) {
    std::vector<std::pair<std::string, std::string>> due_ids;
    {
      auto tx = store.begin(store::TxMode::kRead);
      for (auto& r : tx->list(q).items) {
        auto key = r.kind + "/" + r.id;
        if (auto it = skipped_.find(key); it != skipped_.end() && it->second > t) {
          skipped_any = true;
          continue;
        }
        due_ids.emplace_back(r.kind, r.id);
      }
    }
    if (due_ids.empty()) break;
    try {
      store.write([&](store::Tx& tx) {
        for (auto& [kind, id] : due_ids) settle_one(tx, kind, id);
        return true;
      });
    } catch (const std::exception&) {
      // One record's step failed (a hook threw, a write conflicted): settle the others one by
      // one and leave the failing ones alone for a minute, so they cannot wedge every request.
      for (auto& [kind, id] : due_ids) {
        try {
          // transact: a write that lost a race (another replica touched a record the step's
          // hook writes) runs again.
          store.transact(store::TxMode::kWrite, [&](store::Tx& tx) {
            settle_one(tx, kind, id);
            return true;
          });
        } catch (const std::exception& e) {
          spdlog::error("lifecycle: settling {} {} failed: {}", kind, id, e.what());
          skipped_[kind + "/" + id] = t + 60'000'000;
          skipped_any = true;
        }
      }
    }
    if (static_cast<std::int64_t>(due_ids.size()) < q.limit) break;
  }
  std::erase_if(skipped_, [&](auto& kv) { return kv.second <= t; });
  // The earliest due time left in the store (any replica's writes included).
  store::ListQuery next;
  next.filters.push_back({store::Column::kDueAt, store::Op::kNotNull, {}, {}, false});
  next.order.push_back({store::Column::kDueAt, false, {}});
  next.limit = 1;
  next.with_total = false;
  auto tx = store.begin(store::TxMode::kRead);
  auto res = tx->list(next);
  Micros earliest = res.items.empty() ? kNever : *res.items.front().due_at;
  // A plan started while we were querying may be earlier than what we read.
  if (skipped_any) earliest = std::min(earliest, t + 1'000'000);
  if (generation_.load() == gen)
    next_due_.store(earliest);
  else
    next_due_.store(0);
  next_refresh_.store(t + kRefreshEvery);
}

}  // namespace scwd::lifecycle

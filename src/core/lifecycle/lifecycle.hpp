// The lifecycle engine every product uses for resources that pass through transient states
// ("starting" -> "running", "creating" -> "ready"). A plan is a list of steps; each step is a
// state (plus an optional detail, e.g. a server's state_detail) entered at an absolute due time.
// The record stores its current state in Record::state, the pending steps in its body ("_lc")
// and the next due time in Record::due_at (indexed). Reads never write: they see the settled
// view of a record (view(): a pure function of the record and the clock). Due steps and their
// hooks' side effects are persisted on the write side: before every write request (settle_due),
// whenever a product touches the record (settle), and by a settling job a read schedules when it
// finds something due. Time comes from the injectable Clock, so the admin plane can advance it
// and tests never sleep.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::lifecycle {

// How long realistic durations take: instant (0), fast (1/10), realistic (1) or any factor.
struct Speed {
  double factor = 1.0;
  static std::optional<Speed> parse(std::string_view s);  // "instant", "fast", "realistic", "0.5"
  std::string name() const;
};

// The state a record enters when a step is due. `detail` is written to the body field named by
// the plan's detail_field (when that is not empty). `after` is the realistic time, from the
// previous step (or from the start for the first), before this step is entered.
struct Step {
  std::string state;
  Micros after = 0;
  std::string detail;
};

// The pseudo-state that deletes the record when it is entered (after the kind's hook ran).
inline constexpr std::string_view kDeleted = "_deleted";

// Called when a record enters a state (inside the write transaction that settles it). The hook
// may change the record (it is written afterwards), and read or write other records.
using Hook = std::function<void(store::Tx&, store::Record&, const Step&, Micros at)>;

class Engine {
 public:
  explicit Engine(Clock& clock) : clock_(clock) {}

  void set_speed(Speed s) { speed_factor_.store(s.factor); }
  Speed speed() const { return Speed{speed_factor_.load()}; }
  Micros scale(Micros realistic) const;

  // Registers the hook of a kind (one per kind; products call it at registration).
  void on_enter(std::string kind, Hook hook);

  // Starts a plan on r at `now`: the first step with after == 0 is entered at once (without
  // calling hooks: the caller is already writing the record); the rest are stored as pending.
  // detail_field: the body field steps' details go to ("" for none). The caller writes r.
  void start(store::Record& r, Micros now, const std::vector<Step>& steps,
             std::string_view detail_field = "");
  // Drops r's pending steps (its state stays where it is).
  static void cancel(store::Record& r);
  static bool pending(const store::Record& r) { return r.due_at.has_value(); }
  // The state r is heading to (the last pending step), or its current state.
  static std::string target(const store::Record& r);

  // Enters every step of r due at `now`, calling hooks. Returns true when r changed; r.state is
  // kDeleted when the record must be removed (the caller removes it). Does not write r.
  bool settle(store::Tx& tx, store::Record& r, Micros now);
  // The settled view of r at `now`: the state (and detail) its due steps lead to, without
  // hooks and without writing. Returns true when r changed; r.state is kDeleted when the record
  // is gone by then. Hooks' effects on r and on other records are seen once the steps are
  // persisted.
  static bool view(store::Record& r, Micros now);
  // Whether a step may be due by now (a cheap check of the watermark settle_due keeps).
  bool maybe_due() const;

  // Loads a record and settles it; writes (or removes) it when it changed. nullopt when absent
  // or deleted by settling. Use inside write transactions.
  std::optional<store::Record> load(store::Tx& tx, std::string_view kind, std::string_view id);

  // Settles every record due by now, in one write transaction, when anything may be due. Cheap
  // when nothing is: a process-local watermark of the earliest due time skips the query.
  void settle_due(store::Store& store);

  // Lowers the watermark (called by start(); also after writes from outside this engine).
  void note_due(Micros at);

 private:
  Micros now() const { return clock_.now(); }

  Clock& clock_;
  std::atomic<double> speed_factor_{1.0};
  std::atomic<Micros> next_due_{0};           // 0: unknown, query the store
  std::atomic<Micros> next_refresh_{0};       // when to re-read the store's earliest due time
  std::atomic<std::uint64_t> generation_{0};  // bumped by note_due
  std::mutex hooks_mu_;
  std::map<std::string, Hook, std::less<>> hooks_;
  std::mutex settle_mu_;
  std::map<std::string, Micros> skipped_;  // "kind/id" -> retry after (guarded by settle_mu_)
};

}  // namespace scwd::lifecycle

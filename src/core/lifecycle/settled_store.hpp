// The store as request handlers see it: read transactions return the lifecycle-settled view of
// every record (Engine::view), so a read renders what the clock says without writing; and while
// a ReadOnlyScope is open on the thread (the handler of a route that declares it only reads),
// any write is refused with std::logic_error, so that a read route that writes fails its tests
// instead of silently waiting for a commit.
#pragma once

#include <memory>

#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::lifecycle {

class SettledStore final : public store::Store {
 public:
  SettledStore(store::Store& inner, Clock& clock) : inner_(inner), clock_(clock) {}

  std::unique_ptr<store::Tx> begin(store::TxMode mode) override;
  std::string_view backend() const override { return inner_.backend(); }
  bool shared() const override { return inner_.shared(); }
  std::int64_t clock_offset() override { return inner_.clock_offset(); }
  std::int64_t advance_clock(std::int64_t delta) override { return inner_.advance_clock(delta); }
  int schema_version() override { return inner_.schema_version(); }
  void close() override { inner_.close(); }
  void write(const std::function<bool(store::Tx&)>& work) override;
  // The job sees the group's store settled too.
  void run_grouped(std::function<void(store::Store&)> job,
                   std::function<void(bool)> done) override {
    inner_.run_grouped(
        [this, job = std::move(job)](store::Store& group) {
          SettledStore view(group, clock_);
          job(view);
        },
        std::move(done));
  }

  store::Store& inner() { return inner_; }

 private:
  store::Store& inner_;
  Clock& clock_;
};

// Marks the current thread as running a read route's handler (RAII).
class ReadOnlyScope {
 public:
  ReadOnlyScope();
  ~ReadOnlyScope();
  ReadOnlyScope(const ReadOnlyScope&) = delete;
  ReadOnlyScope& operator=(const ReadOnlyScope&) = delete;
  static bool active();

 private:
  bool was_;
};

}  // namespace scwd::lifecycle

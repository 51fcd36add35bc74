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

class SettledStore final : public store::ForwardingStore {
 public:
  SettledStore(store::Store& inner, Clock& clock) : ForwardingStore(inner), clock_(clock) {}

  std::unique_ptr<store::Tx> begin(store::TxMode mode) override;
  void write(const std::function<bool(store::Tx&)>& work) override;

 protected:
  // The job sees the group's store settled too.
  void grouped(store::Store& group, const std::function<void(store::Store&)>& job) override {
    SettledStore view(group, clock_);
    job(view);
  }

 private:
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

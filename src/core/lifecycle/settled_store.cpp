#include "core/lifecycle/settled_store.hpp"

#include <stdexcept>

#include "core/lifecycle/lifecycle.hpp"

namespace scwd::lifecycle {

namespace {

thread_local bool read_only = false;

void refuse_write() {
  if (read_only) throw std::logic_error("a route declared as reading tried to write the store");
}

// A read transaction whose records are seen settled at the transaction's start.
class SettledTx final : public store::ForwardingTx {
 public:
  SettledTx(std::unique_ptr<store::Tx> inner, Micros now)
      : ForwardingTx(std::move(inner)), now_(now) {}

  std::optional<store::Record> get(std::string_view kind, std::string_view id) override {
    return settled(inner().get(kind, id));
  }
  std::optional<store::Record> get_by_key(std::string_view kind, std::string_view key) override {
    return settled(inner().get_by_key(kind, key));
  }
  store::ListResult list(const store::ListQuery& q) override {
    auto res = inner().list(q);
    std::erase_if(res.items, [&](store::Record& r) {
      if (!Engine::view(r, now_) || r.state != kDeleted) return false;
      if (res.total > 0) --res.total;
      return true;
    });
    return res;
  }
  void insert(store::Record& r) override {
    refuse_write();
    inner().insert(r);
  }
  void update(store::Record& r) override {
    refuse_write();
    inner().update(r);
  }
  bool remove(std::string_view kind, std::string_view id) override {
    refuse_write();
    return inner().remove(kind, id);
  }

 private:
  std::optional<store::Record> settled(std::optional<store::Record> r) const {
    if (r && Engine::view(*r, now_) && r->state == kDeleted) return std::nullopt;
    return r;
  }

  Micros now_;
};

}  // namespace

std::unique_ptr<store::Tx> SettledStore::begin(store::TxMode mode) {
  if (mode == store::TxMode::kWrite) {
    refuse_write();
    return inner().begin(mode);
  }
  return std::make_unique<SettledTx>(inner().begin(mode), clock_.now());
}

void SettledStore::write(const std::function<bool(store::Tx&)>& work) {
  refuse_write();
  inner().write(work);
}

ReadOnlyScope::ReadOnlyScope() : was_(read_only) { read_only = true; }
ReadOnlyScope::~ReadOnlyScope() { read_only = was_; }
bool ReadOnlyScope::active() { return read_only; }

}  // namespace scwd::lifecycle

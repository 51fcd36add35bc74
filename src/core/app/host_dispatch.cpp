#include "core/app/host_dispatch.hpp"

#include <map>

namespace scwd::app {

void HostDispatch::add(const void* owner, Handler h) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<List>(*handlers_.load());
  next->emplace_back(owner, std::move(h));
  handlers_.store(std::move(next));
}

void HostDispatch::remove(const void* owner) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<List>(*handlers_.load());
  std::erase_if(*next, [owner](auto& p) { return p.first == owner; });
  handlers_.store(std::move(next));
}

bool HostDispatch::empty() const { return handlers_.load()->empty(); }

std::optional<http::Staged> HostDispatch::dispatch(http::Request& req) const {
  auto hs = handlers_.load();
  for (auto& [owner, h] : *hs)
    if (auto s = h(req)) return s;
  return std::nullopt;
}

namespace {
std::mutex g_mu;
std::map<const Services*, std::unique_ptr<HostDispatch>>& registry() {
  static std::map<const Services*, std::unique_ptr<HostDispatch>> m;
  return m;
}
}  // namespace

HostDispatch& host_dispatch(const Services& svc) {
  std::lock_guard lock(g_mu);
  auto& p = registry()[&svc];
  if (!p) p = std::make_unique<HostDispatch>();
  return *p;
}

void drop_host_dispatch(const Services& svc) {
  std::lock_guard lock(g_mu);
  registry().erase(&svc);
}

}  // namespace scwd::app

#include "core/app/host_dispatch.hpp"

#include <map>

namespace scwd::app {

void HostDispatch::add(const void* owner, Handler h) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<List>(*handlers_.load());
  next->emplace_back(owner, std::move(h));
  handlers_.store(std::move(next));
}

void HostDispatch::add_first(const void* owner, Handler h) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<List>(*handlers_.load());
  next->emplace(next->begin() + static_cast<std::ptrdiff_t>(firsts_++), owner, std::move(h));
  handlers_.store(std::move(next));
}

void HostDispatch::on_stop(const void* owner, std::function<void()> f) {
  std::lock_guard lock(mu_);
  stops_.emplace_back(owner, std::move(f));
}

void HostDispatch::remove(const void* owner) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<List>(*handlers_.load());
  for (std::size_t i = 0; i < firsts_;) {
    if ((*next)[i].first == owner) {
      next->erase(next->begin() + static_cast<std::ptrdiff_t>(i));
      --firsts_;
    } else {
      ++i;
    }
  }
  std::erase_if(*next, [owner](auto& p) { return p.first == owner; });
  handlers_.store(std::move(next));
  std::erase_if(stops_, [owner](auto& p) { return p.first == owner; });
}

void HostDispatch::stop() {
  decltype(stops_) stops;
  {
    std::lock_guard lock(mu_);
    stops = stops_;
  }
  for (auto& [owner, f] : stops) f();
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

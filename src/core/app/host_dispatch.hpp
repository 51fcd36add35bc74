// Requests that are not API calls but reach the same listener: a serverless function served at
// its own host name (the Host header), the presigned upload of its code, Messaging's SQS and SNS
// endpoints under their path prefixes. A product registers a handler here; App::stage offers it
// every request before routing, and the first handler that claims a request answers it
// (possibly later, from another thread, through Staged::submit). Kept apart from
// Context/Services so that adding a handler does not touch widely included headers.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/http/server.hpp"

namespace scwd::app {

struct Services;

class HostDispatch {
 public:
  // nullopt: not this handler's request.
  using Handler = std::function<std::optional<http::Staged>(http::Request&)>;

  // Registered at start-up, before the server runs; `owner` identifies the registrant (its
  // handlers go with `remove(owner)`, e.g. when a test's App is destroyed).
  void add(const void* owner, Handler h);
  // A handler that claims requests by their path prefix alone: asked before those added with
  // add(), so that its prefixes never cost another handler's host look-up.
  void add_first(const void* owner, Handler h);
  // Called by stop(), once the server stopped taking requests (a handler answers what it holds).
  void on_stop(const void* owner, std::function<void()> f);
  void remove(const void* owner);
  // The answer of the first handler that claims `req`.
  std::optional<http::Staged> dispatch(http::Request& req) const;
  bool empty() const;
  // At shutdown: what on_stop registered.
  void stop();

 private:
  using List = std::vector<std::pair<const void*, Handler>>;
  std::mutex mu_;  // serializes changes; requests read the snapshot without it
  std::atomic<std::shared_ptr<const List>> handlers_{std::make_shared<const List>()};
  std::size_t firsts_ = 0;  // handlers added with add_first, at the front of the list
  std::vector<std::pair<const void*, std::function<void()>>> stops_;
};

// The dispatcher of the App whose services are `svc` (one per App: tests run several).
HostDispatch& host_dispatch(const Services& svc);
// Forgets the dispatcher of `svc` (the App is going away).
void drop_host_dispatch(const Services& svc);

}  // namespace scwd::app

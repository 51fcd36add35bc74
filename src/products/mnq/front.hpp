// The SQS and SNS endpoints of Messaging and Queuing, served on the API's listener under their
// own path prefixes ("/mnq-sqs/<region>", "/mnq-sns/<region>": the endpoint URLs the API
// answers). They speak AWS's protocols, not Scaleway's, and authenticate by SigV4 signatures
// made with the credentials the API created, so they are claimed before the API's pipeline.
// Long polls wait without a thread: a receive that finds nothing is parked until a message
// arrives for its queue or its wait ends, then runs again where writes are grouped.
#pragma once

#include <memory>
#include <optional>

#include "core/app/context.hpp"
#include "core/http/server.hpp"

namespace scwd::products::mnq {

class Endpoints {
 public:
  explicit Endpoints(app::Services& svc);
  ~Endpoints();
  Endpoints(const Endpoints&) = delete;
  Endpoints& operator=(const Endpoints&) = delete;

  // The request's answer (or the rest of its work) when its path is under an endpoint's
  // prefix; nullopt otherwise.
  std::optional<http::Staged> stage(http::Request& req);
  // Answers every parked receive now (at shutdown).
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace scwd::products::mnq

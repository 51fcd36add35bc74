// The NATS server behind NATS accounts: Debian's nats-server, run and supervised by scwd in
// operator mode with JetStream. scwd signs the operator, account and user JWTs; the server is
// handed every account (with its revocations) in its configuration, rewritten and reloaded when
// accounts or credentials change. It starts once the first account exists (and is restarted if
// it dies); without nats-server installed the API still works and a log line says why clients
// cannot connect.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/app/context.hpp"
#include "products/mnq/mnq.hpp"

namespace scwd::products::mnq {

class NatsSupervisor final : public NatsLink {
 public:
  // `listen`: HOST:PORT clients connect to; `dir`: where its configuration, log and JetStream data
  // live; `binary`: the nats-server to run (empty: found on the PATH or where Debian puts it).
  NatsSupervisor(app::Services& svc, std::string listen, std::filesystem::path dir,
                 std::string binary = {});
  ~NatsSupervisor() override;  // stops the server
  NatsSupervisor(const NatsSupervisor&) = delete;
  NatsSupervisor& operator=(const NatsSupervisor&) = delete;

  // Starts supervising (and the server, when accounts exist).
  void start();

  std::string endpoint() const override;
  void accounts_changed() override;
  std::string unavailable() const override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace scwd::products::mnq

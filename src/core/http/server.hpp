// The HTTP/1.1 server: Boost.Beast + Asio with C++20 coroutines, one io_context per thread, each
// with its own SO_REUSEPORT acceptor. Keep-alive, body and header limits, strict message framing,
// read/idle timeouts, a connection limit, graceful shutdown. The only translation unit that
// includes Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/message.hpp"

namespace scwd::http {

// The certificate (PEM, leaf first, then any intermediates) and private key (PEM) a TLS listener
// presents for one server name.
struct TlsCredentials {
  std::string cert_pem;
  std::string key_pem;
};

// Serving HTTPS: the credentials are looked up by the server name the client sends (SNI) at
// every handshake; nullopt, or a client that sends no name, fails the handshake. Called on I/O
// threads, possibly several at once.
struct TlsOptions {
  std::function<std::optional<TlsCredentials>(std::string_view server_name)> lookup;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port
  int threads = 0;            // 0: one per core
  std::uint64_t body_limit = 1024 * 1024;
  std::uint32_t header_limit = 16 * 1024;
  std::chrono::milliseconds read_timeout{15000};    // whole request, once its first byte arrived
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for the next request
  std::chrono::milliseconds shutdown_grace{10000};  // in-flight requests get this long to finish
  // Open connections at most; more are answered 503 and closed. -1: the descriptor limit
  // (RLIMIT_NOFILE) minus kReservedDescriptors; 0: no limit but the descriptor limit.
  std::int64_t max_connections = -1;
  // How long accepting pauses when the process is out of descriptors (EMFILE/ENFILE).
  std::chrono::milliseconds descriptor_backoff{100};
  // The rest of a write request (Staged::rest) runs on a pool of `workers` threads instead of
  // the I/O thread, so an I/O thread never waits for a (group) commit and keeps reading other
  // connections.
  int workers = 16;
  // When set, a request whose stage offers `submit` is handed to it instead of running its rest
  // on the pool: its writes join a group commit and it is answered once that is durable. No
  // thread waits.
  bool group_requests = false;
  // Each I/O thread's acceptor binds the port with SO_REUSEPORT, which lets another process of the
  // same user bind it too and take part of the connections. False: one acceptor (one I/O
  // thread) that owns the port, so a second server on it fails to start instead.
  bool reuse_port = true;
  // Set: every connection is TLS (HTTPS). Unset: plain HTTP.
  std::optional<TlsOptions> tls;
};

// What dispatch made of a request on the I/O thread: the answer, or (for a request that writes)
// the rest of its work, which the server runs where writes are grouped and which gives the
// answer. Everything before the store writes (parsing, validation, authorization) is done by then.
struct Staged {
  Staged() = default;
  Staged(Response r) : response(std::move(r)) {}  // NOLINT: an answer is a finished stage
  Response response;
  std::function<Response()> rest;  // empty: `response` is the answer
  // The same work handed to where writes are grouped: it calls `answer(response, durable)` once,
  // from any thread, after the group holding its writes is committed (durable false: it failed).
  // Empty: the rest runs on the pool.
  std::function<void(std::function<void(Response, bool durable)> answer)> submit;
};

// Called on an I/O thread for every parsed request; must not throw (exceptions become 500s).
using Dispatch = std::function<Staged(Request&)>;
// Descriptors the automatic connection limit leaves to the store, logs and the server itself.
inline constexpr std::int64_t kReservedDescriptors = 64;

// Renders the transport-level errors (400 bad request or framing, 413, 431, 501 transfer coding,
// 503 connection limit) as JSON responses; `detail` says what was wrong, when known.
using ErrorResponder =
    std::function<Response(int status, std::string_view request_id, std::string_view detail)>;
// One access-log line per request.
using AccessLog = std::function<void(const Request&, const Response&, double duration_ms)>;

class Server {
 public:
  Server(ServerOptions options, Dispatch dispatch, ErrorResponder errors, AccessLog log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. Throws std::runtime_error when the address is unusable.
  void start();
  std::uint16_t port() const;
  // The connection limit in force once started (0: none but the descriptor limit).
  std::int64_t max_connections() const;
  // Blocks until SIGINT or SIGTERM (or stop()), then shuts down gracefully: stops accepting,
  // lets in-flight requests finish (bounded by shutdown_grace) and joins the threads.
  void run_until_stopped();
  void stop();  // asks run_until_stopped() to return; thread-safe

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scwd::http

#include "core/http/server.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/http/framing.hpp"
#include "core/util/ids.hpp"

namespace scwd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

struct SessionState {
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for the next request (nothing in flight)
};

struct Worker {
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::unordered_set<SessionState*> sessions;  // touched only on this worker's thread
  std::thread thread;
};

// One descriptor held open so that, out of descriptors, it can be freed to accept a pending
// connection and refuse it; otherwise that connection would stay in the backlog and wake the
// acceptor forever. Every worker accepts under its lock: were accepts free to run while one
// worker sheds, another could take the freed slot for a session and leave no reserve, and the
// backlog of the worker that shed would then never drain.
class DescriptorReserve {
 public:
  ~DescriptorReserve() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Accepts one pending connection of `listener` (non-blocking) with the reserve held back: the
  // descriptor, or minus the errno.
  int accept(int listener) {
    std::lock_guard lock(mu_);
    take_back();
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return fd >= 0 ? fd : -errno;
  }
  // Frees the reserve and calls `each(fd)` for every connection pending on `listener` (at most
  // `limit`), then takes the reserve back; how many there were.
  template <class Each>
  std::uint64_t shed(int listener, int limit, Each each) {
    std::lock_guard lock(mu_);
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    std::uint64_t n = 0;
    for (; n < static_cast<std::uint64_t>(limit); ++n) {
      int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;  // nothing pending, or the slot was taken outside the accept paths
      each(fd);
      ::close(fd);
    }
    take_back();
    return n;
  }
  void open() {
    std::lock_guard lock(mu_);
    take_back();
  }

 private:
  // A reserve lost to a descriptor taken elsewhere is taken back before the next accept.
  void take_back() {
    if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  std::mutex mu_;
  int fd_ = -1;
};

std::string_view to_sv(beast::string_view s) { return {s.data(), s.size()}; }

// The OpenSSL context of one certificate and key, or nullptr when the PEM texts do not hold a
// matching pair.
SSL_CTX* make_tls_context(const TlsCredentials& c) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  bool ok = false;
  if (BIO* bio = BIO_new_mem_buf(c.cert_pem.data(), static_cast<int>(c.cert_pem.size()))) {
    if (X509* leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      ok = SSL_CTX_use_certificate(ctx, leaf) == 1;
      X509_free(leaf);
      while (ok) {  // intermediates, if any
        X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        if (!extra) break;
        if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
          X509_free(extra);
          ok = false;
        }
      }
    }
    BIO_free(bio);
  }
  if (ok) {
    ok = false;
    if (BIO* bio = BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size()))) {
      if (EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)) {
        ok = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
        EVP_PKEY_free(key);
      }
      BIO_free(bio);
    }
  }
  ERR_clear_error();  // what failed is answered by the handshake's failure
  if (!ok) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

// The handshake's certificate chosen by server name: the lookup runs at every handshake (so a
// changed or removed certificate applies to the next connection); contexts built from the same
// PEM texts are kept for reuse.
class TlsContexts {
 public:
  explicit TlsContexts(TlsOptions options) : options_(std::move(options)) {
    SSL_CTX* base = base_.native_handle();
    SSL_CTX_set_min_proto_version(base, TLS1_2_VERSION);
    SSL_CTX_set_tlsext_servername_callback(base, &TlsContexts::on_server_name);
    SSL_CTX_set_tlsext_servername_arg(base, this);
  }
  ~TlsContexts() {
    for (auto& [name, entry] : cache_) SSL_CTX_free(entry.ctx);
  }
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;
  ssl::context& base() { return base_; }

 private:
  struct Entry {
    TlsCredentials creds;
    SSL_CTX* ctx = nullptr;
  };
  static constexpr std::size_t kMaxCached = 4096;

  static int on_server_name(SSL* ssl, int* alert, void* arg) {
    auto* self = static_cast<TlsContexts*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    SSL_CTX* ctx = name ? self->context_for(name) : nullptr;
    if (!ctx) {
      *alert = SSL_AD_UNRECOGNIZED_NAME;
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    SSL_set_SSL_CTX(ssl, ctx);  // takes its own reference
    SSL_CTX_free(ctx);
    return SSL_TLSEXT_ERR_OK;
  }

  // A context for `name` with one reference for the caller, or nullptr.
  SSL_CTX* context_for(const std::string& name) {
    std::optional<TlsCredentials> creds;
    try {
      creds = options_.lookup(name);
    } catch (...) {
      return nullptr;
    }
    if (!creds) return nullptr;
    std::lock_guard lock(mu_);
    auto it = cache_.find(name);
    if (it != cache_.end() && it->second.creds.cert_pem == creds->cert_pem &&
        it->second.creds.key_pem == creds->key_pem) {
      SSL_CTX_up_ref(it->second.ctx);
      return it->second.ctx;
    }
    SSL_CTX* ctx = make_tls_context(*creds);
    if (!ctx) return nullptr;
    if (it != cache_.end()) {
      SSL_CTX_free(it->second.ctx);
      cache_.erase(it);
    }
    if (cache_.size() >= kMaxCached) {
      for (auto& [n, e] : cache_) SSL_CTX_free(e.ctx);
      cache_.clear();
    }
    cache_.emplace(name, Entry{std::move(*creds), ctx});
    SSL_CTX_up_ref(ctx);
    return ctx;
  }

  TlsOptions options_;
  ssl::context base_{ssl::context::tls_server};
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

// What a framing error Beast found while parsing means, for the 400 body; empty for the others.
std::string_view framing_error(const beast::error_code& ec) {
  if (ec == bhttp::error::bad_content_length) return "invalid Content-Length";
  if (ec == bhttp::error::multiple_content_length)
    return "Content-Length must be given once, as a single value";
  if (ec == bhttp::error::bad_transfer_encoding)
    return "invalid Transfer-Encoding, or Transfer-Encoding with Content-Length";
  if (ec == bhttp::error::bad_chunk) return "invalid chunk in a chunked body";
  if (ec == bhttp::error::bad_chunk_extension) return "invalid chunk extension";
  return {};
}

bool out_of_descriptors(const beast::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  switch (ec.value()) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return true;
    default:
      return false;
  }
}

// A warning logged at most once per interval however often its condition occurs, with the
// number of occurrences it stands for; `recovered` is logged once after a warning.
class LimitNotice {
 public:
  // Counts `n` occurrences; true when the caller should log now (then `total` is how many
  // occurrences the line stands for).
  bool hit(std::uint64_t n, std::uint64_t& total) {
    pending_ += n;
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = last_.load();
    if (last != 0 && now - last < kInterval.count()) return false;
    if (!last_.compare_exchange_strong(last, now)) return false;
    total = pending_.exchange(0);
    active_ = true;
    return true;
  }
  bool recovered() { return active_.load() && active_.exchange(false); }

 private:
  static constexpr std::chrono::steady_clock::duration kInterval = std::chrono::seconds(10);
  std::atomic<std::chrono::steady_clock::rep> last_{0};
  std::atomic<std::uint64_t> pending_{0};
  std::atomic<bool> active_{false};
};

}  // namespace

struct Server::Impl {
  ServerOptions opts;
  Dispatch dispatch;
  ErrorResponder errors;
  AccessLog log;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<asio::thread_pool> pool;  // offloaded handlers
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};
  asio::io_context control;  // signals and stop()
  std::mutex done_mu;
  std::condition_variable done_cv;
  int running = 0;
  std::atomic<std::int64_t> open_connections{0};
  DescriptorReserve reserve;
  std::int64_t max_connections = 0;  // 0: none
  LimitNotice connection_limit_notice;
  LimitNotice descriptor_notice;
  std::unique_ptr<TlsContexts> tls;  // set when serving HTTPS

  Staged safe_dispatch(Request& req) {
    try {
      return dispatch(req);
    } catch (...) {
      return errors(500, req.request_id, {});
    }
  }

  Response safe_rest(const Request& req, const std::function<Response()>& rest) {
    try {
      return rest();
    } catch (...) {
      return errors(500, req.request_id, {});
    }
  }

  template <class Stream>
  asio::awaitable<void> write(Stream& stream, const Request* req, Response res, bool keep_alive,
                              std::chrono::steady_clock::time_point started) {
    bhttp::response<bhttp::string_body> out;
    out.result(static_cast<unsigned>(res.status));
    out.version(11);
    out.set(bhttp::field::server, "scwd");
    out.set(bhttp::field::content_type, res.content_type);
    out.set("X-Request-Id", req ? req->request_id : std::string());
    for (auto& [k, v] : res.headers) out.insert(k, v);
    out.keep_alive(keep_alive);
    out.body() = std::move(res.body);
    out.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(opts.read_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
    (void)n;
    (void)ec;
    if (log && req) {
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count();
      log(*req, res, ms);
    }
  }

  // Answers a transport-level error (413, 431, 400, 501), then closes without a reset. Nothing
  // after the failed request is read as a request: its framing may be what was wrong.
  template <class Stream>
  asio::awaitable<void> fail_and_close(Stream& stream, int status,
                                       const bhttp::request_parser<bhttp::string_body>& parser,
                                       std::chrono::steady_clock::time_point started,
                                       std::string_view detail) {
    Request req;
    req.request_id = new_request_id();
    if (parser.is_header_done()) {
      req.method = std::string(to_sv(parser.get().method_string()));
      req.target = std::string(to_sv(parser.get().target()));
      parse_target(req.target, req.path, req.query);
    }
    co_await write(stream, &req, errors(status, req.request_id, detail), false, started);
    co_await end_sending(stream);
    // Drain what the client still sends for a moment so it reads our answer, not a reset.
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(500));
    char sink[4096];
    for (int i = 0; i < 256; ++i) {
      auto [rec, n] =
          co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
      if (rec || n == 0) break;
    }
  }

  // Ends the sending side of a connection (TLS: close_notify first, for a bounded time).
  template <class Stream>
  asio::awaitable<void> end_sending(Stream& stream) {
    auto& lowest = beast::get_lowest_layer(stream);
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      lowest.expires_after(std::chrono::milliseconds(500));
      auto [sec] = co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
      (void)sec;
    }
    beast::error_code ec;
    lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> session(Worker& w, tcp::socket socket) {
    struct Release {
      std::atomic<std::int64_t>& open;
      ~Release() { --open; }
    } release{open_connections};
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(w, stream);
      co_return;
    }
    TlsStream stream(beast::tcp_stream(std::move(socket)), tls->base());
    // The handshake is bounded like a request: a client that stalls in it is cut off.
    beast::get_lowest_layer(stream).expires_after(opts.read_timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (ec) {
      beast::error_code cec;
      beast::get_lowest_layer(stream).socket().close(cec);
      co_return;
    }
    co_await serve(w, stream);
  }

  template <class Stream>
  asio::awaitable<void> serve(Worker& w, Stream& stream) {
    auto& lowest = beast::get_lowest_layer(stream);
    SessionState state;
    state.stream = &lowest;
    w.sessions.insert(&state);
    struct Unregister {
      Worker& w;
      SessionState* s;
      ~Unregister() { w.sessions.erase(s); }
    } unregister{w, &state};

    std::string remote;
    {
      beast::error_code ec;
      auto ep = lowest.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    beast::flat_buffer buffer;
    for (;;) {
      if (stopping.load()) break;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(opts.body_limit);
      parser.header_limit(opts.header_limit);
      state.idle = true;
      beast::error_code ec;
      if (buffer.size() == 0) {
        // Wait for the first byte of the next request as long as an idle connection may stay.
        lowest.expires_after(opts.idle_timeout);
        auto [ec0, n0] = co_await stream.async_read_some(buffer.prepare(4096),
                                                         asio::as_tuple(asio::use_awaitable));
        buffer.commit(n0);
        ec = ec0;
      }
      if (stopping.load() && buffer.size() == 0) break;
      state.idle = false;
      auto started = std::chrono::steady_clock::now();
      // The header section as it ended: trailer fields of a chunked body are not merged into it.
      Headers headers;
      bool keep_alive = false;
      if (!ec) {
        // From the first byte on, the whole request must arrive within read_timeout.
        lowest.expires_after(opts.read_timeout);
        auto [ec1, n1] = co_await bhttp::async_read_header(stream, buffer, parser,
                                                           asio::as_tuple(asio::use_awaitable));
        (void)n1;
        ec = ec1;
      }
      if (!ec) {
        const auto& h = parser.get();
        std::vector<std::string_view> te, cl;
        for (auto& f : h) {
          if (f.name() == bhttp::field::transfer_encoding) te.push_back(to_sv(f.value()));
          if (f.name() == bhttp::field::content_length) cl.push_back(to_sv(f.value()));
          headers.emplace_back(to_sv(f.name_string()), to_sv(f.value()));
        }
        keep_alive = h.keep_alive();
        auto verdict = check_framing(h.version(), te, cl);
        if (!verdict.ok()) {
          co_await fail_and_close(stream, verdict.status, parser, started, verdict.reason);
          break;
        }
      }
      if (!ec) {
        auto [ec2, n2] =
            co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        (void)n2;
        ec = ec2;
      }
      if (ec) {
        auto framing = framing_error(ec);
        if (ec == bhttp::error::body_limit) {
          co_await fail_and_close(stream, 413, parser, started, {});
        } else if (ec == bhttp::error::header_limit) {
          co_await fail_and_close(stream, 431, parser, started, {});
        } else if (!framing.empty()) {
          co_await fail_and_close(stream, 400, parser, started, framing);
        } else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
                   ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
                   ec != asio::error::eof && buffer.size() > 0) {
          co_await fail_and_close(stream, 400, parser, started, {});
        }
        break;
      }
      auto breq = parser.release();
      Request req;
      req.method = std::string(to_sv(breq.method_string()));
      req.target = std::string(to_sv(breq.target()));
      req.remote = remote;
      req.request_id = new_request_id();
      bool target_ok = parse_target(req.target, req.path, req.query);
      req.headers = std::move(headers);
      req.body = std::move(breq.body());
      Response res;
      Staged staged;
      if (!target_ok) {
        res = errors(400, req.request_id, {});
      } else {
        staged = safe_dispatch(req);
        if (!staged.rest) {
          res = std::move(staged.response);
        } else if (opts.group_requests && staged.submit) {
          res = co_await run_grouped(req, staged.submit);
        } else if (pool) {
          res = co_await asio::co_spawn(
              pool->get_executor(),
              [this, &req, &staged]() -> asio::awaitable<Response> {
                co_return safe_rest(req, staged.rest);
              },
              asio::use_awaitable);
        } else {
          res = safe_rest(req, staged.rest);
        }
        staged = {};
      }
      if (res.after_commit) res.after_commit();
      keep_alive = keep_alive && !stopping.load();
      co_await write(stream, &req, std::move(res), keep_alive, started);
      if (!keep_alive) break;
    }
    co_await end_sending(stream);
  }

  // Hands a request to where writes are grouped and resumes once its writes are durable. The
  // frame outlives the work (we wait for the answer), so the lambdas hold plain references: GCC 12
  // mishandles temporaries with non-trivial destructors (e.g. captured shared_ptrs) in co_await
  // expressions.
  asio::awaitable<Response> run_grouped(Request& req, const decltype(Staged::submit)& submit) {
    Response res;
    bool durable = co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
        [&res, &submit](auto handler) {
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          auto resume = [h, &res](Response r, bool ok) {
            res = std::move(r);
            auto ex = asio::get_associated_executor(*h);
            asio::post(ex, [h, ok]() mutable { std::move (*h)(ok); });
          };
          try {
            submit(resume);
          } catch (...) {  // the store is closed
            resume(Response{}, false);
          }
        },
        asio::use_awaitable);
    if (!durable) res = errors(500, req.request_id, {});
    co_return res;
  }

  // The whole answer to a connection refused before any session: 503, then close.
  std::string refusal() {
    auto rid = new_request_id();
    Response res = errors(503, rid, "too many open connections, retry later");
    bhttp::response<bhttp::string_body> out;
    out.result(static_cast<unsigned>(res.status));
    out.version(11);
    out.set(bhttp::field::server, "scwd");
    out.set(bhttp::field::content_type, res.content_type);
    out.set("X-Request-Id", rid);
    out.set(bhttp::field::retry_after, "1");
    out.keep_alive(false);
    out.body() = std::move(res.body);
    out.prepare_payload();
    std::ostringstream os;
    os << out;
    return os.str();
  }

  // Answers 503 on a connection just accepted, without waiting (the answer fits in an empty send
  // buffer), and ends the sending side; the caller closes. What the client already sent is read
  // first so that the close is a FIN rather than a reset that could discard the answer.
  void refuse(int fd) {
    char sink[4096];
    for (int i = 0; i < 16; ++i)
      if (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) <= 0) break;
    auto msg = refusal();
    [[maybe_unused]] auto sent = ::send(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
  }

  // Out of descriptors with connections pending: accept and refuse what is pending with the
  // reserve's slot.
  std::uint64_t shed_pending(Worker& w) {
    return reserve.shed(w.acceptor->native_handle(), 256, [this](int fd) { refuse(fd); });
  }

  asio::awaitable<void> accept_loop(Worker& w) {
    asio::steady_timer backoff(w.ioc);
    for (;;) {
      auto [wec] = co_await w.acceptor->async_wait(tcp::acceptor::wait_read,
                                                   asio::as_tuple(asio::use_awaitable));
      if (wec == asio::error::operation_aborted || !w.acceptor->is_open()) co_return;
      int fd = wec ? -1 : reserve.accept(w.acceptor->native_handle());
      beast::error_code ec = wec;
      if (!ec && fd < 0) ec.assign(-fd, boost::system::system_category());
      if (ec) {
        if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
        if (!out_of_descriptors(ec)) continue;  // e.g. a connection reset while queued
        // Retrying at once would spin: the pending connection keeps the acceptor readable.
        // Refuse what is pending, then pause; sessions that end free descriptors meanwhile.
        std::uint64_t n = 0;
        if (descriptor_notice.hit(shed_pending(w), n))
          spdlog::warn(
              "out of file descriptors ({}) with {} connections open: accepting pauses {} ms at "
              "a time and new connections are answered 503 ({} since the last notice); raise "
              "the descriptor limit or lower --max-connections",
              ec.message(), open_connections.load(), opts.descriptor_backoff.count(), n);
        backoff.expires_after(opts.descriptor_backoff);
        auto [tec] = co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)tec;
        if (stopping.load() || !w.acceptor->is_open()) co_return;
        continue;
      }
      tcp::socket socket(w.ioc, w.acceptor->local_endpoint().protocol(), fd);
      if (open_connections.fetch_add(1) >= max_connections && max_connections > 0) {
        --open_connections;
        refuse(socket.native_handle());
        beast::error_code cec;
        socket.close(cec);
        std::uint64_t n = 0;
        if (connection_limit_notice.hit(1, n))
          spdlog::warn(
              "connection limit reached: {} connections open (--max-connections); new "
              "connections are answered 503 until some close ({} refused since the last notice)",
              max_connections, n);
        continue;
      }
      bool was_limited = connection_limit_notice.recovered();
      if (descriptor_notice.recovered()) was_limited = true;
      if (was_limited)
        spdlog::info("accepting connections again ({} open)", open_connections.load());
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(w.ioc, session(w, std::move(socket)), asio::detached);
    }
  }

  void open_acceptor(Worker& w, const tcp::endpoint& ep) {
    w.acceptor.emplace(w.ioc);
    w.acceptor->open(ep.protocol());
    w.acceptor->set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    if (opts.reuse_port &&
        ::setsockopt(w.acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      throw std::runtime_error("SO_REUSEPORT failed");
    w.acceptor->bind(ep);
    w.acceptor->listen(asio::socket_base::max_listen_connections);
    // shed_pending() accepts by hand and must never block.
    w.acceptor->non_blocking(true);
    reserve.open();
  }

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    for (auto& w : workers) {
      asio::post(w->ioc, [wp = w.get()] {
        beast::error_code ec;
        if (wp->acceptor) wp->acceptor->close(ec);
        for (auto* s : wp->sessions)
          if (s->idle) s->stream->socket().cancel(ec);
      });
    }
  }
};

Server::Server(ServerOptions options, Dispatch dispatch, ErrorResponder errors, AccessLog log)
    : impl_(std::make_unique<Impl>()) {
  impl_->opts = std::move(options);
  impl_->dispatch = std::move(dispatch);
  impl_->errors = std::move(errors);
  impl_->log = std::move(log);
}

Server::~Server() {
  for (auto& w : impl_->workers) {
    w->ioc.stop();
    if (w->thread.joinable()) w->thread.join();
  }
  if (impl_->pool) impl_->pool->join();
}

void Server::start() {
  auto& im = *impl_;
  int n = im.opts.threads > 0 ? im.opts.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!im.opts.reuse_port) n = 1;
  beast::error_code ec;
  auto addr = asio::ip::make_address(im.opts.host, ec);
  if (ec) throw std::runtime_error("bad listen address: " + im.opts.host);
  std::uint16_t port = im.opts.port;
  try {
    for (int i = 0; i < n; ++i) {
      auto w = std::make_unique<Worker>();
      im.open_acceptor(*w, tcp::endpoint(addr, port));
      if (port == 0) port = w->acceptor->local_endpoint().port();
      im.workers.push_back(std::move(w));
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + im.opts.host + ":" +
                             std::to_string(im.opts.port) + ": " + e.what());
  }
  im.port = port;
  im.running = n;
  if (im.opts.tls) im.tls = std::make_unique<TlsContexts>(*im.opts.tls);
  im.max_connections = im.opts.max_connections;
  if (im.max_connections < 0) {
    // Leave descriptors to the store and the server, so that reaching the limit refuses new
    // connections with a 503 rather than failing the store's own files.
    rlimit rl{};
    im.max_connections = 0;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
      auto cur = static_cast<std::int64_t>(rl.rlim_cur);
      im.max_connections = cur > 2 * kReservedDescriptors ? cur - kReservedDescriptors
                                                          : std::max<std::int64_t>(1, cur / 2);
    }
  }
  if (im.opts.workers > 0 && !im.opts.group_requests)
    im.pool = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(im.opts.workers));
  for (auto& w : im.workers) {
    asio::co_spawn(w->ioc, im.accept_loop(*w), asio::detached);
    w->thread = std::thread([&im, wp = w.get()] {
      wp->ioc.run();
      std::lock_guard lk(im.done_mu);
      --im.running;
      im.done_cv.notify_all();
    });
  }
}

std::uint16_t Server::port() const { return impl_->port; }

std::int64_t Server::max_connections() const { return impl_->max_connections; }

void Server::run_until_stopped() {
  auto& im = *impl_;
  asio::signal_set signals(im.control, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) { im.control.stop(); });
  auto guard = asio::make_work_guard(im.control);
  im.control.run();
  im.begin_shutdown();
  std::unique_lock lk(im.done_mu);
  if (!im.done_cv.wait_for(lk, im.opts.shutdown_grace, [&] { return im.running == 0; })) {
    for (auto& w : im.workers) w->ioc.stop();
  }
  lk.unlock();
  for (auto& w : im.workers)
    if (w->thread.joinable()) w->thread.join();
  if (im.pool) im.pool->join();
}

void Server::stop() {
  asio::post(impl_->control, [this] { impl_->control.stop(); });
}

}  // namespace scwd::http

#include "core/http/server.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/util/ids.hpp"

namespace scwd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

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

std::string_view to_sv(beast::string_view s) { return {s.data(), s.size()}; }

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

  Response safe_dispatch(Request& req) {
    try {
      return dispatch(req);
    } catch (...) {
      return errors(500, req.request_id);
    }
  }

  asio::awaitable<void> write(beast::tcp_stream& stream, const Request* req, Response res,
                              bool keep_alive, std::chrono::steady_clock::time_point started) {
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
    stream.expires_after(opts.read_timeout);
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

  // Answers a transport-level error (413, 431, 400), then closes without a reset.
  asio::awaitable<void> fail_and_close(beast::tcp_stream& stream, int status,
                                       const bhttp::request_parser<bhttp::string_body>& parser,
                                       std::chrono::steady_clock::time_point started) {
    Request req;
    req.request_id = new_uuid();
    if (parser.is_header_done()) {
      req.method = std::string(to_sv(parser.get().method_string()));
      req.target = std::string(to_sv(parser.get().target()));
      parse_target(req.target, req.path, req.query);
    }
    co_await write(stream, &req, errors(status, req.request_id), false, started);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    // Drain what the client still sends for a moment so it reads our answer, not a reset.
    stream.expires_after(std::chrono::milliseconds(500));
    char sink[4096];
    for (int i = 0; i < 256; ++i) {
      auto [rec, n] =
          co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
      if (rec || n == 0) break;
    }
  }

  asio::awaitable<void> session(Worker& w, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    SessionState state;
    state.stream = &stream;
    w.sessions.insert(&state);
    struct Unregister {
      Worker& w;
      SessionState* s;
      ~Unregister() { w.sessions.erase(s); }
    } unregister{w, &state};

    std::string remote;
    {
      beast::error_code ec;
      auto ep = stream.socket().remote_endpoint(ec);
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
        stream.expires_after(opts.idle_timeout);
        auto [ec0, n0] = co_await stream.async_read_some(buffer.prepare(4096),
                                                         asio::as_tuple(asio::use_awaitable));
        buffer.commit(n0);
        ec = ec0;
      }
      if (stopping.load() && buffer.size() == 0) break;
      state.idle = false;
      auto started = std::chrono::steady_clock::now();
      if (!ec) {
        // From the first byte on, the whole request must arrive within read_timeout.
        stream.expires_after(opts.read_timeout);
        auto [ec1, n1] = co_await bhttp::async_read_header(stream, buffer, parser,
                                                           asio::as_tuple(asio::use_awaitable));
        (void)n1;
        ec = ec1;
      }
      if (!ec) {
        auto [ec2, n2] =
            co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        (void)n2;
        ec = ec2;
      }
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          co_await fail_and_close(stream, 413, parser, started);
        } else if (ec == bhttp::error::header_limit) {
          co_await fail_and_close(stream, 431, parser, started);
        } else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
                   ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
                   ec != asio::error::eof && buffer.size() > 0) {
          co_await fail_and_close(stream, 400, parser, started);
        }
        break;
      }
      auto breq = parser.release();
      Request req;
      req.method = std::string(to_sv(breq.method_string()));
      req.target = std::string(to_sv(breq.target()));
      req.remote = remote;
      req.request_id = new_uuid();
      bool target_ok = parse_target(req.target, req.path, req.query);
      for (auto& f : breq) req.headers.emplace_back(to_sv(f.name_string()), to_sv(f.value()));
      req.body = std::move(breq.body());
      bool keep_alive = breq.keep_alive();
      Response res;
      if (!target_ok) {
        res = errors(400, req.request_id);
      } else if (opts.group_executor && opts.offload && opts.offload(req)) {
        res = co_await run_grouped(req);
      } else if (pool && opts.offload && opts.offload(req)) {
        res = co_await asio::co_spawn(
            pool->get_executor(),
            [this, &req]() -> asio::awaitable<Response> { co_return safe_dispatch(req); },
            asio::use_awaitable);
      } else {
        res = safe_dispatch(req);
      }
      if (res.after_commit) res.after_commit();
      keep_alive = keep_alive && !stopping.load();
      co_await write(stream, &req, std::move(res), keep_alive, started);
      if (!keep_alive) break;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // Hands a request to the group executor and resumes once its writes are durable. The frame
  // outlives the job (we wait for done), so the lambdas hold plain references: GCC 12 mishandles
  // temporaries with non-trivial destructors (e.g. captured shared_ptrs) in co_await expressions.
  asio::awaitable<Response> run_grouped(Request& req) {
    Response res;
    bool durable = co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
        [this, &req, &res](auto handler) {
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          auto resume = [h](bool ok) {
            auto ex = asio::get_associated_executor(*h);
            asio::post(ex, [h, ok]() mutable { std::move (*h)(ok); });
          };
          try {
            opts.group_executor([this, &req, &res] { res = safe_dispatch(req); }, resume);
          } catch (...) {  // the store is closed
            resume(false);
          }
        },
        asio::use_awaitable);
    if (!durable) res = errors(500, req.request_id);
    co_return res;
  }

  asio::awaitable<void> accept_loop(Worker& w) {
    for (;;) {
      auto [ec, socket] = co_await w.acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(w.ioc, session(w, std::move(socket)), asio::detached);
    }
  }

  void open_acceptor(Worker& w, const tcp::endpoint& ep) {
    w.acceptor.emplace(w.ioc);
    w.acceptor->open(ep.protocol());
    w.acceptor->set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    if (::setsockopt(w.acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      throw std::runtime_error("SO_REUSEPORT failed");
    w.acceptor->bind(ep);
    w.acceptor->listen(asio::socket_base::max_listen_connections);
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
  if (im.opts.workers > 0 && im.opts.offload)
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

#include "products/mnq/nats_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/util/encoding.hpp"
#include "core/util/ids.hpp"
#include "products/mnq/crypto.hpp"

namespace scwd::products::mnq::nats {

namespace json = boost::json;

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<std::size_t> size_of(std::string_view s) {
  std::size_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool Parser::feed(std::string_view bytes, std::vector<Event>& out) {
  if (!error_.empty()) return false;
  buf_.append(bytes);
  std::size_t pos = 0;
  auto fail = [&](std::string why) {
    error_ = std::move(why);
    buf_.clear();
    return false;
  };
  while (pos < buf_.size()) {
    auto eol = buf_.find("\r\n", pos);
    if (eol == std::string::npos) {
      if (buf_.size() - pos > kMaxLine) return fail("control line too long");
      break;
    }
    if (eol - pos > kMaxLine) return fail("control line too long");
    std::string_view line(buf_.data() + pos, eol - pos);
    auto w = words(line);
    if (w.empty()) return fail("empty control line");
    auto op = to_upper(w[0]);
    Event ev;
    if (op == "MSG" || op == "HMSG") {
      bool h = op == "HMSG";
      // MSG <subject> <sid> [reply] <size>; HMSG <subject> <sid> [reply] <hdr size> <size>
      std::size_t fixed = h ? 5 : 4;
      if (w.size() != fixed && w.size() != fixed + 1) return fail("malformed " + op);
      ev.kind = Event::Kind::kMsg;
      ev.subject = std::string(w[1]);
      ev.sid = std::string(w[2]);
      if (w.size() == fixed + 1) ev.reply = std::string(w[3]);
      auto total = size_of(w.back());
      auto header = h ? size_of(w[w.size() - 2]) : std::optional<std::size_t>(0);
      if (!total || !header || *header > *total || *total > kMaxPayload)
        return fail("malformed size in " + op);
      auto start = eol + 2;
      if (buf_.size() < start + *total + 2) break;  // the rest is still coming
      if (buf_.compare(start + *total, 2, "\r\n") != 0) return fail(op + " payload not terminated");
      ev.headers = buf_.substr(start, *header);
      ev.payload = buf_.substr(start + *header, *total - *header);
      out.push_back(std::move(ev));
      pos = start + *total + 2;
      continue;
    }
    if (op == "INFO") {
      ev.kind = Event::Kind::kInfo;
      auto rest = line.substr(line.find(w[0]) + w[0].size());
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      ev.payload = std::string(rest);
    } else if (op == "PING") {
      ev.kind = Event::Kind::kPing;
    } else if (op == "PONG") {
      ev.kind = Event::Kind::kPong;
    } else if (op == "+OK") {
      ev.kind = Event::Kind::kOk;
    } else if (op == "-ERR") {
      ev.kind = Event::Kind::kErr;
      auto rest = line.substr(line.find(w[0]) + w[0].size());
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      if (rest.size() >= 2 && rest.front() == '\'' && rest.back() == '\'')
        rest = rest.substr(1, rest.size() - 2);
      ev.payload = std::string(rest);
    } else {
      return fail("unknown operation " + std::string(w[0].substr(0, 16)));
    }
    out.push_back(std::move(ev));
    pos = eol + 2;
  }
  buf_.erase(0, pos);
  return true;
}

std::optional<std::string> connect_line(std::string_view info_json, std::string_view user_jwt,
                                        std::string_view user_seed, std::string_view name) {
  boost::system::error_code ec;
  auto info = json::parse(info_json, ec);
  if (ec || !info.is_object()) return std::nullopt;
  json::object c{{"verbose", false}, {"pedantic", false}, {"tls_required", false},
                 {"name", name},     {"lang", "c++"},     {"version", "1"},
                 {"protocol", 1},    {"headers", true},   {"no_responders", true},
                 {"jwt", user_jwt}};
  // Servers in operator mode send a nonce: signing it proves the user holds the JWT's key.
  if (auto* n = info.as_object().if_contains("nonce"); n && n->is_string())
    c["sig"] = base64url(sign(user_seed, n->as_string()));
  return "CONNECT " + json::serialize(c) + "\r\n";
}

// --- the subscriber ---

using Clock = std::chrono::steady_clock;

struct Subscriber::Impl {
  enum class State { kIdle, kConnecting, kAwaitInfo, kAwaitPong, kReady };
  struct Conn {
    Subscription sub;
    int fd = -1;
    State state = State::kIdle;
    Parser parser;
    std::string out;
    Clock::time_point retry_at{};
    int failures = 0;
    std::string last_error;  // logged once until it changes
  };

  std::function<std::string()> endpoint;
  std::size_t max_buffered;
  int wake_fd = -1;

  mutable std::mutex m;
  bool stopping = false;
  bool changed = false;
  std::vector<Subscription> wanted;
  std::map<std::string, std::deque<std::string>, std::less<>> buffered;
  std::map<std::string, std::uint64_t, std::less<>> dropped;
  std::set<std::string, std::less<>> ready;
  std::thread thread;

  void wake() const {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void close(Conn& c) {
    {
      std::lock_guard lock(m);
      ready.erase(c.sub.id);
    }
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.state = State::kIdle;
    c.out.clear();
    c.parser = Parser();
  }

  // Drops the connection and tries again later, sooner after a first failure.
  void fail(Conn& c, const std::string& why) {
    bool was_ready = c.state == State::kReady;
    close(c);
    ++c.failures;
    auto backoff = std::chrono::milliseconds(250) * (1 << std::min(c.failures - 1, 5));
    c.retry_at = Clock::now() + std::min<Clock::duration>(backoff, std::chrono::seconds(5));
    if (was_ready)
      spdlog::warn("NATS subscription {} ({}): {}; reconnecting", c.sub.id, c.sub.subject, why);
    else if (why != c.last_error)
      spdlog::info("NATS subscription {} ({}): {}; trying again", c.sub.id, c.sub.subject, why);
    c.last_error = why;
  }

  void start(Conn& c) {
    auto ep = endpoint();
    auto colon = ep.rfind(':');
    if (colon == std::string::npos) return fail(c, "no NATS endpoint");
    auto host = ep.substr(0, colon);
    auto port = ep.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0 || !res)
      return fail(c, "cannot resolve " + ep + ": " + ::gai_strerror(rc));
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -1 : ::connect(fd, res->ai_addr, res->ai_addrlen);
    int err = errno;
    ::freeaddrinfo(res);
    if (fd < 0) return fail(c, std::string("socket: ") + std::strerror(err));
    c.fd = fd;
    if (rc == 0) {
      c.state = State::kAwaitInfo;
    } else if (err == EINPROGRESS) {
      c.state = State::kConnecting;
    } else {
      fail(c, "cannot connect to " + ep + ": " + std::strerror(err));
    }
  }

  void on_event(Conn& c, Event& ev) {
    switch (ev.kind) {
      case Event::Kind::kInfo: {
        if (c.state != State::kAwaitInfo) return;  // later INFOs update cluster views: unused
        std::optional<User> user;
        try {
          if (c.sub.sign_in) user = c.sub.sign_in();
        } catch (const std::exception& e) {
          return fail(c, std::string("cannot sign in: ") + e.what());
        }
        if (!user) return fail(c, "no user to sign in as");
        auto line = connect_line(ev.payload, user->jwt, user->seed, "scwd");
        if (!line) return fail(c, "the server's INFO is not JSON");
        c.out += *line;
        c.out += "SUB " + c.sub.subject + (c.sub.queue.empty() ? "" : " " + c.sub.queue) + " 1\r\n";
        // The PONG comes after the server handled CONNECT and SUB (or after their -ERR).
        c.out += "PING\r\n";
        c.state = State::kAwaitPong;
        return;
      }
      case Event::Kind::kPong:
        if (c.state == State::kAwaitPong) {
          c.state = State::kReady;
          c.failures = 0;
          if (!c.last_error.empty())
            spdlog::info("NATS subscription {} ({}): subscribed", c.sub.id, c.sub.subject);
          c.last_error.clear();
          std::lock_guard lock(m);
          ready.insert(c.sub.id);
        }
        return;
      case Event::Kind::kPing:
        c.out += "PONG\r\n";
        return;
      case Event::Kind::kMsg: {
        if (ev.sid != "1") return;
        std::lock_guard lock(m);
        auto& q = buffered[c.sub.id];
        if (q.size() < max_buffered) {
          q.push_back(std::move(ev.payload));
        } else if (dropped[c.sub.id]++ % 1000 == 0) {
          spdlog::warn("NATS subscription {} ({}): {} messages waiting, dropping new ones",
                       c.sub.id, c.sub.subject, q.size());
        }
        return;
      }
      case Event::Kind::kErr:
        // Authorization and permission errors alike: the subscription is not in place.
        return fail(c, "the server answered: " + ev.payload);
      case Event::Kind::kOk:
        return;
    }
  }

  void readable(Conn& c) {
    char buf[64 * 1024];
    while (c.fd >= 0) {
      auto n = ::read(c.fd, buf, sizeof buf);
      if (n == 0) return fail(c, "the server closed the connection");
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR) continue;
        return fail(c, std::string("read: ") + std::strerror(errno));
      }
      std::vector<Event> events;
      if (!c.parser.feed(std::string_view(buf, static_cast<std::size_t>(n)), events))
        return fail(c, "protocol error: " + c.parser.error());
      for (auto& ev : events) {
        if (c.fd < 0) return;
        on_event(c, ev);
      }
    }
  }

  void flush(Conn& c) {
    while (c.fd >= 0 && !c.out.empty()) {
      auto n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR) continue;
        return fail(c, std::string("write: ") + std::strerror(errno));
      }
      c.out.erase(0, static_cast<std::size_t>(n));
    }
  }

  // Ends a subscription: UNSUB told to the server (best effort: its socket is not writable
  // for long), then the connection closed, which ends it in any case.
  void end(Conn& c) {
    if (c.fd >= 0 && c.state == State::kReady) {
      c.out += "UNSUB 1\r\n";
      flush(c);
    }
    close(c);
  }

  void run() {
    std::map<std::string, Conn, std::less<>> conns;
    while (true) {
      std::optional<std::vector<Subscription>> want;
      {
        std::lock_guard lock(m);
        if (stopping) break;
        if (changed) want = wanted;
        changed = false;
      }
      if (want) {
        for (auto it = conns.begin(); it != conns.end();) {
          auto w = std::find_if(want->begin(), want->end(),
                                [&](const Subscription& s) { return s.id == it->first; });
          if (w == want->end() || !(*w == it->second.sub)) {
            end(it->second);
            it = conns.erase(it);
          } else {
            it->second.sub.sign_in = w->sign_in;
            ++it;
          }
        }
        for (auto& w : *want)
          if (!conns.contains(w.id)) conns.emplace(w.id, Conn{.sub = w});
        std::lock_guard lock(m);
        std::erase_if(buffered, [&](auto& b) { return !conns.contains(b.first); });
        std::erase_if(dropped, [&](auto& b) { return !conns.contains(b.first); });
      }
      auto now = Clock::now();
      auto next = now + std::chrono::milliseconds(500);
      for (auto& [id, c] : conns) {
        if (c.state == State::kIdle && c.retry_at <= now) start(c);
        if (c.state == State::kIdle) next = std::min(next, c.retry_at);
      }
      std::vector<pollfd> fds{{wake_fd, POLLIN, 0}};
      std::vector<Conn*> who{nullptr};
      for (auto& [id, c] : conns) {
        if (c.fd < 0) continue;
        short events = c.state == State::kConnecting
                           ? POLLOUT
                           : static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT));
        fds.push_back({c.fd, events, 0});
        who.push_back(&c);
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
      int rc = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(wait, 1)));
      if (rc < 0 && errno != EINTR) {
        spdlog::error("NATS subscriptions: poll: {}", std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (fds[0].revents & POLLIN) {
        std::uint64_t v;
        [[maybe_unused]] auto n = ::read(wake_fd, &v, sizeof v);
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        auto& c = *who[i];
        auto ev = fds[i].revents;
        if (!ev || c.fd != fds[i].fd) continue;
        if (c.state == State::kConnecting) {
          int err = 0;
          socklen_t len = sizeof err;
          ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
          if (err != 0) {
            fail(c, std::string("cannot connect: ") + std::strerror(err));
            continue;
          }
          c.state = State::kAwaitInfo;
          continue;
        }
        if (ev & (POLLIN | POLLHUP | POLLERR)) readable(c);
        if (c.fd >= 0) flush(c);
      }
    }
    for (auto& [id, c] : conns) end(c);
  }
};

Subscriber::Subscriber(std::function<std::string()> endpoint, std::size_t max_buffered)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = std::move(endpoint);
  impl_->max_buffered = max_buffered;
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake_fd < 0) throw std::runtime_error("eventfd: " + std::string(std::strerror(errno)));
  impl_->thread = std::thread([this] { impl_->run(); });
}

Subscriber::~Subscriber() {
  {
    std::lock_guard lock(impl_->m);
    impl_->stopping = true;
  }
  impl_->wake();
  impl_->thread.join();
  ::close(impl_->wake_fd);
}

void Subscriber::set(std::vector<Subscription> wanted) {
  {
    std::lock_guard lock(impl_->m);
    if (wanted == impl_->wanted) return;
    impl_->wanted = std::move(wanted);
    impl_->changed = true;
  }
  impl_->wake();
}

std::vector<std::string> Subscriber::take(std::string_view id, std::size_t max) {
  std::vector<std::string> out;
  std::lock_guard lock(impl_->m);
  auto it = impl_->buffered.find(id);
  if (it == impl_->buffered.end()) return out;
  while (!it->second.empty() && out.size() < max) {
    out.push_back(std::move(it->second.front()));
    it->second.pop_front();
  }
  return out;
}

bool Subscriber::subscribed(std::string_view id) const {
  std::lock_guard lock(impl_->m);
  return impl_->ready.contains(id);
}

}  // namespace scwd::products::mnq::nats

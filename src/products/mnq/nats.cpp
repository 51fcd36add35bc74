#include "products/mnq/nats.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/util/json.hpp"
#include "products/mnq/crypto.hpp"

extern char** environ;

namespace scwd::products::mnq {

namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;

// nats-server on the PATH, else where Debian installs it.
std::string find_server() {
  if (const char* path = std::getenv("PATH")) {
    std::string_view p = path;
    while (!p.empty()) {
      auto colon = p.find(':');
      auto dir = p.substr(0, colon);
      p = colon == std::string_view::npos ? std::string_view{} : p.substr(colon + 1);
      if (dir.empty()) continue;
      auto candidate = std::string(dir) + "/nats-server";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  for (const char* c : {"/usr/sbin/nats-server", "/usr/local/bin/nats-server"})
    if (::access(c, X_OK) == 0) return c;
  return {};
}

std::string conf_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// What a deleted account becomes for the server: every user revoked, no connection allowed.
std::string closed_account_jwt(const std::string& id, const Operator& op) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  boost::json::object nats{{"limits", {{"conn", 0}, {"subs", 0}, {"data", 0}, {"payload", 0}}},
                           {"revocations", {{"*", now + 1}}},
                           {"type", "account"},
                           {"version", 2}};
  return nats_jwt({{"name", "deleted"}, {"sub", id}, {"nats", std::move(nats)}}, op.seed);
}

}  // namespace

struct NatsSupervisor::Impl {
  app::Services& svc;
  std::string listen;
  std::filesystem::path dir;
  std::string binary;
  std::string missing;  // why no server runs (set once by start())

  std::mutex m;
  std::condition_variable cv;
  bool changed = false;
  bool stopping = false;
  pid_t pid = -1;
  std::thread thread;

  // Account JWTs that changed since the server may have loaded them: pushed to it.
  std::vector<std::string> pushes;

  // The configuration for the accounts in the store; false when none exists (no server needed).
  bool write_config() {
    Operator op;
    std::vector<std::pair<std::string, std::string>> accounts;
    // A read, unless the operator is yet to be made.
    auto read = [&](store::Tx& tx) -> tl::expected<bool, int> {
      op = ensure_operator(tx, svc.config.secrets);
      store::ListQuery q;
      q.kind = std::string(kNatsAccountKind);
      q.with_total = false;
      accounts.clear();
      for (auto& a : tx.list(q).items) accounts.emplace_back(a.id, str_of(a.body, "jwt"));
      return true;
    };
    bool has_operator = false;
    {
      auto tx = svc.store.begin(store::TxMode::kRead);
      has_operator = tx->get(kNatsOperatorKind, "operator").has_value();
      if (has_operator) read(*tx);
    }
    if (!has_operator) svc.store.transact(store::TxMode::kWrite, read);
    if (accounts.empty()) return false;
    // Accounts are files the server's directory resolver reads (again on every reload, applying
    // changes to the accounts they hold without touching the others' connections). A deleted
    // account stays as a JWT that revokes all its users and allows no connection.
    // Made once needed: a data directory without NATS accounts holds nothing of NATS.
    if (!std::filesystem::exists(dir)) {
      std::filesystem::create_directories(dir);
      ::chmod(dir.c_str(), 0700);
    }
    auto jwt_dir = dir / "jwt";
    std::filesystem::create_directories(jwt_dir);
    std::set<std::string> present;
    auto write_file = [](const std::filesystem::path& path, std::string_view text) {
      auto tmp = path;
      tmp += ".tmp";
      {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + tmp.string());
      }
      std::filesystem::rename(tmp, path);
    };
    accounts.emplace_back(op.system_account, op.system_account_jwt);
    for (auto& [id, jwt] : accounts) {
      auto path = jwt_dir / (id + ".jwt");
      std::ifstream in(path);
      std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (old != jwt) {
        write_file(path, jwt);
        if (!old.empty()) pushes.push_back(jwt);
      }
      present.insert(id + ".jwt");
    }
    for (auto& entry : std::filesystem::directory_iterator(jwt_dir)) {
      auto name = entry.path().filename().string();
      if (!name.ends_with(".jwt") || present.contains(name)) continue;
      auto id = name.substr(0, name.size() - 4);
      std::ifstream in(entry.path());
      std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto claims = jwt_claims(old);
      if (claims && claims->contains("nats") &&
          claims->at("nats").as_object().contains("revocations") &&
          claims->at("nats").at("revocations").as_object().contains("*"))
        continue;  // already closed
      auto closed = closed_account_jwt(id, op);
      write_file(entry.path(), closed);
      pushes.push_back(closed);
    }
    system_seed = op.system_account_seed;
    system_account = op.system_account;
    std::string conf;
    conf += "# Written by scwd, which keeps the account JWTs of jwt/ up to date.\n";
    conf += "listen: " + conf_string(listen) + "\n";
    conf += "server_name: \"scwd\"\n";
    conf += "jetstream {\n  store_dir: " + conf_string((dir / "jetstream").string()) + "\n}\n";
    conf += "operator: " + conf_string(op.jwt) + "\n";
    conf += "system_account: " + conf_string(op.system_account) + "\n";
    conf += "resolver: {\n  type: full\n  dir: " + conf_string(jwt_dir.string()) +
            "\n  allow_delete: false\n}\n";
    auto tmp = dir / "nats.conf.tmp";
    {
      int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) throw std::runtime_error("cannot write " + tmp.string());
      auto left = conf.size();
      const char* p = conf.data();
      while (left > 0) {
        auto n = ::write(fd, p, left);
        if (n <= 0) {
          ::close(fd);
          throw std::runtime_error("cannot write " + tmp.string());
        }
        p += n;
        left -= static_cast<std::size_t>(n);
      }
      ::close(fd);
    }
    std::filesystem::rename(tmp, dir / "nats.conf");
    return true;
  }

  std::string system_seed;
  std::string system_account;

  // Hands changed account JWTs to the running server as a user of the system account (the
  // resolver applies them at once to the accounts' connections; a reload would drop
  // JetStream clients of every account). False when the server could not be reached.
  bool push(const std::vector<std::string>& jwts) {
    if (jwts.empty()) return true;
    try {
      auto user = new_key_pair(KeyType::kUser);
      json::object nats{
          {"pub", json::object{}}, {"sub", json::object{}}, {"subs", -1},  {"data", -1},
          {"payload", -1},         {"type", "user"},        {"version", 2}};
      auto user_jwt = nats_jwt(
          {{"name", "scwd"}, {"sub", user.public_key}, {"nats", std::move(nats)}}, system_seed);
      auto colon = listen.rfind(':');
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket socket(io);
      boost::asio::ip::tcp::resolver resolver(io);
      boost::asio::connect(socket,
                           resolver.resolve(listen.substr(0, colon), listen.substr(colon + 1)));
      timeval tv{5, 0};
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string in;
      auto read_line = [&]() {
        while (in.find("\r\n") == std::string::npos) {
          char buf[4096];
          auto n = socket.read_some(boost::asio::buffer(buf));
          in.append(buf, n);
        }
        auto line = in.substr(0, in.find("\r\n"));
        in.erase(0, line.size() + 2);
        return line;
      };
      auto info = read_line();  // INFO {..., "nonce": "..."}
      if (!info.starts_with("INFO ")) throw std::runtime_error("no INFO from the server");
      auto parsed = json::parse(info.substr(5)).as_object();
      auto nonce = str_of(parsed, "nonce");
      json::object connect{{"verbose", false}, {"pedantic", false},
                           {"protocol", 1},    {"name", "scwd"},
                           {"lang", "c++"},    {"version", "1"},
                           {"jwt", user_jwt},  {"sig", base64url(sign(user.seed, nonce))}};
      std::string out = "CONNECT " + json::serialize(connect) + "\r\n";
      for (auto& jwt : jwts)
        out += "PUB $SYS.REQ.CLAIMS.UPDATE " + std::to_string(jwt.size()) + "\r\n" + jwt + "\r\n";
      out += "PING\r\n";
      boost::asio::write(socket, boost::asio::buffer(out));
      while (true) {
        auto line = read_line();
        if (line == "PONG") return true;
        if (line.starts_with("-ERR")) throw std::runtime_error(line);
        if (line == "PING")
          boost::asio::write(socket, boost::asio::buffer(std::string("PONG\r\n")));
      }
    } catch (const std::exception& e) {
      spdlog::warn("NATS: cannot hand account changes to the server: {}", e.what());
      return false;
    }
  }

  pid_t spawn() {
    auto conf = (dir / "nats.conf").string();
    auto log = (dir / "nats-server.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<std::string> args = {binary, "-c", conf};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t child = -1;
    int rc = posix_spawn(&child, binary.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      spdlog::error("cannot start {}: {}", binary, std::strerror(rc));
      return -1;
    }
    spdlog::info("nats-server started (pid {}) on {}, log {}", child, listen, log);
    return child;
  }

  void stop_child() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        pid = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }

  // Keeps the server running with the current accounts: rewrites and reloads its configuration
  // on changes, restarts it (after a pause) when it exits.
  void run() {
    std::unique_lock lock(m);
    auto retry_at = Clock::now();
    bool wanted = true;  // accounts exist (as far as the last configuration knew)
    // Replicas sharing a store change accounts this process hears nothing of: looked at again
    // every 10 s.
    auto next_sync = Clock::now() + std::chrono::seconds(10);
    // A change may be told before its transaction commits (lifecycle hooks have no after-commit
    // step): the store is read again a second after each change.
    std::optional<Clock::time_point> recheck;
    while (!stopping) {
      bool reconfigure = changed;
      if (changed) {
        recheck = Clock::now() + std::chrono::seconds(1);
      } else if (recheck && Clock::now() >= *recheck) {
        reconfigure = true;
        recheck.reset();
      }
      changed = false;
      if (svc.store.shared() && Clock::now() >= next_sync) {
        reconfigure = true;
        next_sync = Clock::now() + std::chrono::seconds(10);
      }
      int status = 0;
      if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
        spdlog::error("nats-server (pid {}) exited ({}); restarting it in 2 s, see {}", pid,
                      WIFEXITED(status) ? "status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status)),
                      (dir / "nats-server.log").string());
        pid = -1;
        retry_at = Clock::now() + std::chrono::seconds(2);
      }
      if (reconfigure || (pid <= 0 && wanted && Clock::now() >= retry_at)) {
        lock.unlock();
        bool any = false;
        try {
          any = write_config();
        } catch (const std::exception& e) {
          spdlog::error("NATS: cannot write the server configuration: {}", e.what());
        }
        lock.lock();
        wanted = any;
        if (!any) {
          stop_child();
        } else if (pid > 0) {
          auto todo = std::move(pushes);
          pushes.clear();
          lock.unlock();
          bool ok = push(todo);
          lock.lock();
          if (!ok) ::kill(pid, SIGHUP);  // a reload reads the files too
        } else if (Clock::now() >= retry_at) {
          pushes.clear();  // a new server reads every file
          pid = spawn();
          if (pid <= 0) retry_at = Clock::now() + std::chrono::seconds(2);
        }
      }
      cv.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping || changed; });
    }
    stop_child();
  }
};

NatsSupervisor::NatsSupervisor(app::Services& svc, std::string listen, std::filesystem::path dir,
                               std::string binary)
    : impl_(new Impl{svc, std::move(listen), std::move(dir), std::move(binary)}) {}

NatsSupervisor::~NatsSupervisor() {
  {
    std::lock_guard lock(impl_->m);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void NatsSupervisor::start() {
  if (impl_->binary.empty()) impl_->binary = find_server();
  if (impl_->binary.empty() || ::access(impl_->binary.c_str(), X_OK) != 0) {
    impl_->missing = "nats-server is not installed" +
                     (impl_->binary.empty() ? std::string() : " at " + impl_->binary);
    spdlog::warn(
        "nats-server is not installed{} (Debian package nats-server): NATS accounts and "
        "credentials are served by the API, but NATS clients cannot connect to {}",
        impl_->binary.empty() ? std::string() : " at " + impl_->binary, impl_->listen);
    return;
  }
  impl_->thread = std::thread([this] { impl_->run(); });
}

std::string NatsSupervisor::endpoint() const { return "nats://" + impl_->listen; }

std::string NatsSupervisor::unavailable() const { return impl_->missing; }

void NatsSupervisor::accounts_changed() {
  {
    std::lock_guard lock(impl_->m);
    impl_->changed = true;
  }
  impl_->cv.notify_all();
}

}  // namespace scwd::products::mnq

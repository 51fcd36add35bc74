#include "products/function/runner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <fstream>

#include "core/util/time.hpp"
#include "products/function/zip.hpp"

namespace scwd::products::function {

std::string_view node_worker_script();
std::string_view python_worker_script();

namespace json = boost::json;
using Steady = std::chrono::steady_clock;

std::string runtime_language(std::string_view runtime) {
  if (runtime.starts_with("node")) return "node";
  if (runtime.starts_with("python3")) return "python";
  return "";
}

std::pair<std::string, std::string> handler_parts(std::string_view handler) {
  auto dot = handler.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == handler.size()) return {"", ""};
  return {std::string(handler.substr(0, dot)), std::string(handler.substr(dot + 1))};
}

namespace {

constexpr uid_t kWorkerUid = 65534;  // nobody
constexpr gid_t kWorkerGid = 65534;  // nogroup

std::string find_program(std::initializer_list<const char*> names) {
  for (auto* n : names) {
    std::string_view name(n);
    if (name.front() == '/') {
      if (::access(n, X_OK) == 0) return n;
      continue;
    }
    const char* path = std::getenv("PATH");
    std::string_view p = path ? path : "/usr/bin:/bin";
    while (!p.empty()) {
      auto colon = p.find(':');
      auto dir = p.substr(0, colon);
      std::string full = std::string(dir) + "/" + std::string(name);
      if (!dir.empty() && ::access(full.c_str(), X_OK) == 0) return full;
      if (colon == std::string_view::npos) break;
      p = p.substr(colon + 1);
    }
  }
  return "";
}

std::string b64decode(std::string_view in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) continue;
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

Outcome error_outcome(int status, std::string message) {
  Outcome o;
  o.status = status;
  o.content_type = "application/json";
  o.body = json::serialize(json::object{{"message", std::move(message)}});
  return o;
}

struct Worker {
  pid_t pid = -1;
  int to = -1;    // requests (the worker's fd 3)
  int from = -1;  // answers (the worker's fd 4)
  int log = -1;   // what it prints (its stdout and stderr), read from `log_offset`
  off_t log_offset = 0;
  std::string pending;  // bytes read past the last answer line
  Steady::time_point idle_since;

  ~Worker() {
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
    for (int fd : {to, from, log})
      if (fd >= 0) ::close(fd);
  }

  // What the code printed since the last call.
  std::string take_log() {
    std::string out;
    char buf[8192];
    for (;;) {
      auto n = ::pread(log, buf, sizeof buf, log_offset);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      log_offset += n;
      if (out.size() > 256 * 1024) break;
    }
    return out;
  }
};

struct Job {
  Deployment d;
  json::object event, context;
  std::string request_id, trigger;
  std::function<void(Outcome)> done;
  Steady::time_point deadline;  // while waiting for a worker
};

struct Pool {
  std::string generation;
  std::vector<std::unique_ptr<Worker>> idle;
  int running = 0;
  std::deque<Job> waiting;
};

}  // namespace

struct Runner::State {
  std::filesystem::path root;
  Runner::Finished finished;
  bool as_root = false;
  std::string node, python;
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  int threads = 0;  // invocation threads still running
  std::map<std::string, Pool> pools;
  std::map<std::string, std::deque<LogEntry>> logs;
  std::mutex unpack_mu;

  void record(const std::string& fid, LogEntry e) {
    std::lock_guard lock(mu);
    auto& l = logs[fid];
    l.push_back(std::move(e));
    while (l.size() > kLogsKept) l.pop_front();
  }

  // The function's code, unpacked once per generation.
  std::optional<std::filesystem::path> code_dir(const Deployment& d, std::string& error) {
    std::lock_guard lock(unpack_mu);
    auto dir = root / d.function_id / d.generation;
    if (std::filesystem::exists(dir / ".ready")) return dir / "code";
    std::error_code ec;
    std::filesystem::remove_all(root / d.function_id, ec);
    std::ifstream in(d.archive, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    if (!in.good() && !in.eof()) {
      error = "the function's code cannot be read";
      return std::nullopt;
    }
    auto zip = ZipArchive::open(std::move(data), error);
    if (!zip || !zip->extract(dir / "code", error)) return std::nullopt;
    std::ofstream(dir / ".ready") << d.generation;
    std::filesystem::create_directories(root / d.function_id / "logs", ec);
    ::chmod((root / d.function_id / "logs").c_str(), 0700);
    return dir / "code";
  }

  std::unique_ptr<Worker> spawn(const Deployment& d, std::string& error) {
    auto dir = code_dir(d, error);
    if (!dir) return nullptr;
    auto [file, fn] = handler_parts(d.handler);
    std::vector<std::string> args;
    bool node_lang = d.language == "node";
    if (node_lang) {
      if (node.empty()) {
        error = "Node.js is not installed on this machine";
        return nullptr;
      }
      args = {node, "--max-old-space-size=" + std::to_string(d.memory_mb),
              (root / "worker.mjs").string(), file, fn};
    } else {
      if (python.empty()) {
        error = "Python 3 is not installed on this machine";
        return nullptr;
      }
      args = {python, "-u", "-B", (root / "worker.py").string(), file, fn};
    }
    std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp",
                                    "LANG=C.UTF-8", "SCW_FUNCTION_NAME=" + d.function_name};
    for (auto& [k, v] : d.env)
      if (k.find('=') == std::string::npos && k.find('\0') == std::string::npos)
        env.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    int req[2], res[2];
    if (::pipe2(req, O_CLOEXEC) != 0) {
      error = "cannot start a worker";
      return nullptr;
    }
    if (::pipe2(res, O_CLOEXEC) != 0) {
      ::close(req[0]);
      ::close(req[1]);
      error = "cannot start a worker";
      return nullptr;
    }
    auto log_path = root / d.function_id / "logs" /
                    (std::to_string(::getpid()) + "-" +
                     std::to_string(Steady::now().time_since_epoch().count()));
    int log = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    // Above the descriptors the child sets up, so that none is overwritten before it is copied.
    int c_in = ::fcntl(req[0], F_DUPFD_CLOEXEC, 10), c_out = ::fcntl(res[1], F_DUPFD_CLOEXEC, 10);
    int c_log = ::fcntl(log, F_DUPFD_CLOEXEC, 10), c_null = ::fcntl(null, F_DUPFD_CLOEXEC, 10);
    ::close(req[0]);
    ::close(res[1]);
    ::close(null);
    std::string cwd = dir->string();
    rlim_t mem = static_cast<rlim_t>(std::max(d.memory_mb, 64)) * 1024 * 1024;
    bool limit_as = !node_lang;  // V8 reserves far more address space than it uses
    bool drop = as_root;
    pid_t pid = ::fork();
    if (pid == 0) {
      // The child: only async-signal-safe calls from here on.
      ::setpgid(0, 0);
      ::dup2(c_null, 0);
      ::dup2(c_log, 1);
      ::dup2(c_log, 2);
      ::dup2(c_in, 3);
      ::dup2(c_out, 4);
      ::close_range(5, ~0U, 0);
      if (limit_as) {
        rlimit rl{mem, mem};
        ::setrlimit(RLIMIT_AS, &rl);
      }
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      if (drop) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(kWorkerGid) != 0 || ::setuid(kWorkerUid) != 0)
          ::_exit(126);
      }
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    for (int fd : {c_in, c_out, c_log, c_null}) ::close(fd);
    if (pid < 0) {
      ::close(req[1]);
      ::close(res[0]);
      ::close(log);
      error = "cannot start a worker";
      return nullptr;
    }
    auto w = std::make_unique<Worker>();
    w->pid = pid;
    w->to = req[1];
    w->from = res[0];
    w->log = log;
    return w;
  }

  // One request on a worker: its answer, or why there is none (the worker is then unusable).
  Outcome exchange(Worker& w, const Job& job, bool& healthy) {
    healthy = false;
    std::string line =
        json::serialize(json::object{{"event", job.event}, {"context", job.context}});
    line += '\n';
    std::size_t off = 0;
    while (off < line.size()) {
      auto n = ::write(w.to, line.data() + off, line.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return error_outcome(500, "the function's worker stopped");
      off += static_cast<std::size_t>(n);
    }
    auto deadline = Steady::now() + job.d.timeout;
    for (;;) {
      auto nl = w.pending.find('\n');
      if (nl != std::string::npos) {
        auto answer = w.pending.substr(0, nl);
        w.pending.erase(0, nl + 1);
        boost::system::error_code ec;
        auto v = json::parse(answer, ec);
        if (ec || !v.is_object()) return error_outcome(500, "the function's worker answered badly");
        auto& o = v.as_object();
        Outcome out;
        auto* st = o.if_contains("statusCode");
        out.status = st && st->is_number() ? static_cast<int>(st->to_number<double>()) : 200;
        if (out.status < 100 || out.status > 599) out.status = 500;
        if (auto* h = o.if_contains("headers"); h && h->is_object())
          for (auto& [k, val] : h->as_object()) {
            if (!val.is_string()) continue;
            std::string key(k);
            if (key == "content-type")
              out.content_type = std::string(val.as_string());
            else if (key != "content-length" && key != "transfer-encoding" && key != "connection")
              out.headers.emplace_back(key, std::string(val.as_string()));
          }
        if (auto* b = o.if_contains("body"); b && b->is_string())
          out.body = b64decode(b->as_string());
        healthy = true;
        return out;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
      if (left.count() <= 0) return error_outcome(504, "the function did not answer in time");
      pollfd p{w.from, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) continue;
      char buf[65536];
      auto n = ::read(w.from, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int st = 0;
        ::waitpid(w.pid, &st, 0);
        w.pid = -1;
        bool killed = WIFSIGNALED(st);
        return error_outcome(500, killed ? "the function's worker was killed (memory limit?)"
                                         : "the function's worker exited");
      }
      w.pending.append(buf, static_cast<std::size_t>(n));
      if (w.pending.size() > 64 * 1024 * 1024)
        return error_outcome(500, "the function's answer is too large");
    }
  }
};

namespace {

// Runs jobs on one worker slot of a pool until none is waiting.
void run_slot(std::shared_ptr<Runner::State> s, Job job, std::unique_ptr<Worker> w) {
  for (;;) {
    auto started = Steady::now();
    Outcome out;
    bool healthy = false;
    std::string output;
    if (!w) {
      std::string error;
      w = s->spawn(job.d, error);
      if (!w) out = error_outcome(500, error);
    }
    if (w) {
      out = s->exchange(*w, job, healthy);
      output = w->take_log();
    }
    LogEntry e{
        job.request_id, system_now(),
        out.status,     std::chrono::duration<double, std::milli>(Steady::now() - started).count(),
        job.trigger,    std::move(output)};
    double ms = e.duration_ms;
    s->record(job.d.function_id, std::move(e));
    if (s->finished) s->finished(job.d, ms);
    auto done = std::move(job.done);
    std::optional<Job> next;
    std::vector<Job> expired;
    {
      std::lock_guard lock(s->mu);
      auto& pool = s->pools[job.d.function_id];
      bool current = pool.generation == job.d.generation && !s->stopping;
      if (!healthy || !current) w.reset();
      while (!pool.waiting.empty() && !s->stopping) {
        auto j = std::move(pool.waiting.front());
        pool.waiting.pop_front();
        if (j.d.generation != pool.generation) {
          expired.push_back(std::move(j));
          continue;
        }
        next = std::move(j);
        break;
      }
      if (!next) {
        if (w) {
          w->idle_since = Steady::now();
          pool.idle.push_back(std::move(w));
        }
        --pool.running;
      } else if (w && next->d.generation != job.d.generation) {
        w.reset();
      }
    }
    if (done) done(std::move(out));
    for (auto& j : expired) j.done(error_outcome(503, "the function was redeployed, retry"));
    if (!next) break;
    job = std::move(*next);
  }
  std::lock_guard lock(s->mu);
  --s->threads;
  s->cv.notify_all();
}

}  // namespace

Runner::Runner(std::filesystem::path root, Finished finished) : state_(std::make_shared<State>()) {
  auto& s = *state_;
  s.finished = std::move(finished);
  s.as_root = ::geteuid() == 0;
  if (s.as_root) {
    // Code must be reachable by the unprivileged user, which the data directory (the owner's
    // alone) is not: a directory of its own whose name is not listed to others.
    std::string tmpl = (std::filesystem::temp_directory_path() / "scwd-functions-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    s.root = tmpl;
    ::chmod(s.root.c_str(), 0711);
  } else {
    s.root = std::move(root);
    std::filesystem::create_directories(s.root);
  }
  for (auto [name, text] : {std::pair{"worker.mjs", node_worker_script()},
                            std::pair{"worker.py", python_worker_script()}}) {
    auto p = s.root / name;
    std::ofstream(p, std::ios::trunc) << text;
    ::chmod(p.c_str(), 0444);
  }
  s.node = find_program({"/usr/bin/node", "node", "nodejs"});
  s.python = find_program({"/usr/bin/python3", "python3"});
  reaper_ = std::thread([st = state_] {
    std::unique_lock lock(st->mu);
    while (!st->stopping) {
      st->cv.wait_for(lock, std::chrono::milliseconds(100));
      auto now = Steady::now();
      std::vector<Job> late;
      std::vector<std::unique_ptr<Worker>> idle;
      for (auto& [fid, pool] : st->pools) {
        while (!pool.waiting.empty() && pool.waiting.front().deadline <= now) {
          late.push_back(std::move(pool.waiting.front()));
          pool.waiting.pop_front();
        }
        std::erase_if(pool.idle, [&](std::unique_ptr<Worker>& w) {
          if (now - w->idle_since < kIdle) return false;
          idle.push_back(std::move(w));
          return true;
        });
      }
      if (late.empty() && idle.empty()) continue;
      lock.unlock();
      idle.clear();  // kills them
      for (auto& j : late) j.done(error_outcome(429, "too many requests for this function"));
      lock.lock();
    }
  });
}

Runner::~Runner() {
  std::vector<std::unique_ptr<Worker>> idle;
  std::vector<Job> waiting;
  {
    std::unique_lock lock(state_->mu);
    state_->stopping = true;
    state_->cv.notify_all();
    for (auto& [fid, pool] : state_->pools) {
      for (auto& w : pool.idle) idle.push_back(std::move(w));
      pool.idle.clear();
      for (auto& j : pool.waiting) waiting.push_back(std::move(j));
      pool.waiting.clear();
    }
  }
  reaper_.join();
  idle.clear();
  for (auto& j : waiting) j.done(error_outcome(503, "scwd is stopping"));
  // Running invocations end at their timeout at the latest; wait a little for them.
  std::unique_lock lock(state_->mu);
  state_->cv.wait_for(lock, std::chrono::seconds(5), [&] { return state_->threads == 0; });
  if (state_->as_root && state_->threads == 0) {
    std::error_code ec;
    std::filesystem::remove_all(state_->root, ec);
  }
}

void Runner::invoke(const Deployment& d, json::object event, json::object context,
                    std::string request_id, std::string trigger,
                    std::function<void(Outcome)> done) {
  Job job{d,
          std::move(event),
          std::move(context),
          std::move(request_id),
          std::move(trigger),
          std::move(done),
          Steady::now() + kQueueWait};
  std::unique_ptr<Worker> w;
  std::vector<std::unique_ptr<Worker>> stale;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) {
      job.done(error_outcome(503, "scwd is stopping"));
      return;
    }
    auto& pool = state_->pools[d.function_id];
    if (pool.generation != d.generation) {
      stale = std::move(pool.idle);
      pool.idle.clear();
      pool.generation = d.generation;
    }
    if (!pool.idle.empty()) {
      w = std::move(pool.idle.back());
      pool.idle.pop_back();
    } else if (pool.running >= std::max(1, d.max_scale)) {
      if (pool.waiting.size() >= static_cast<std::size_t>(16 * std::max(1, d.max_scale))) {
        job.done(error_outcome(429, "too many requests for this function"));
        return;
      }
      pool.waiting.push_back(std::move(job));
      return;
    }
    ++pool.running;
    ++state_->threads;
  }
  stale.clear();
  std::thread(run_slot, state_, std::move(job), std::move(w)).detach();
}

std::vector<LogEntry> Runner::logs(const std::string& function_id) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->logs.find(function_id);
  if (it == state_->logs.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void Runner::stop(const std::string& function_id) {
  std::vector<std::unique_ptr<Worker>> idle;
  {
    std::lock_guard lock(state_->mu);
    auto it = state_->pools.find(function_id);
    if (it == state_->pools.end()) return;
    idle = std::move(it->second.idle);
    it->second.idle.clear();
    it->second.generation.clear();
  }
}

}  // namespace scwd::products::function

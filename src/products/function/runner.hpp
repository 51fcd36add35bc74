// Running deployed functions: worker processes (the machine's Node.js or Python, one request at
// a time each, reused, stopped when idle), at most max_scale at once per function; requests
// beyond wait for a worker, then answer 429. A request past the function's timeout kills its
// worker (504). Workers run the function's code as an unprivileged user under its memory limit
// and speak a line protocol with scwd on two pipes (fd 3: requests, fd 4: answers), so that
// whatever the code prints (stdout, stderr) is the invocation's log, not the protocol.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/http/message.hpp"

namespace scwd::products::function {

// What one function runs, as deployed.
struct Deployment {
  std::string function_id;
  std::string function_name;
  std::string organization_id;  // whose usage the invocations are
  std::string project_id;
  std::string region;
  std::string generation;  // changes with the code or settings: older workers stop
  std::string language;    // "node" | "python"
  std::string handler;     // "handler.handle", "src/app.main"
  std::filesystem::path archive;
  std::vector<std::pair<std::string, std::string>> env;
  int max_scale = 5;
  int memory_mb = 256;
  std::chrono::milliseconds timeout{300000};
};

// An invocation's answer, as the HTTP response the caller gets.
struct Outcome {
  int status = 200;
  http::Headers headers;
  std::string content_type;
  std::string body;
};

struct LogEntry {
  std::string request_id;
  std::int64_t at = 0;  // microseconds since the epoch (real time)
  int status = 0;
  double duration_ms = 0;
  std::string trigger;  // "http", "cron", "sqs"
  std::string output;   // what the code printed while it ran
};

// "node22" -> "node", "python311" -> "python"; "" for runtimes scwd cannot run.
std::string runtime_language(std::string_view runtime);
// The file a handler names ("src/app.main" -> "src/app.js" / "src/app.py") and its function.
std::pair<std::string, std::string> handler_parts(std::string_view handler);

class Runner {
 public:
  // `root`: where code is unpacked and worker logs go. Workers run as `uid`/`gid` when scwd runs
  // as root (ignored otherwise).
  // `finished`: told of every invocation's deployment and duration, on its thread (usage).
  using Finished = std::function<void(const Deployment&, double duration_ms)>;
  explicit Runner(std::filesystem::path root, Finished finished = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs one invocation (`event` and `context` as the handler receives them) and calls `done`
  // from another thread with its answer.
  void invoke(const Deployment& d, boost::json::object event, boost::json::object context,
              std::string request_id, std::string trigger, std::function<void(Outcome)> done);
  // The latest invocations' logs of a function, oldest first.
  std::vector<LogEntry> logs(const std::string& function_id) const;
  // Stops a function's workers (deleted or redeployed).
  void stop(const std::string& function_id);

  // How long a worker may stay idle, and how long a request may wait for one.
  static constexpr std::chrono::seconds kIdle{60};
  static constexpr std::chrono::seconds kQueueWait{10};
  static constexpr std::size_t kLogsKept = 200;

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::thread reaper_;
};

}  // namespace scwd::products::function

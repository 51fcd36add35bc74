// Serving deployed functions: a request whose Host is a function's domain_name (or a ready
// custom domain), or whose path is /_fn/<domain_name>/..., becomes an invocation with the
// Scaleway runtime contract's event; crons fire on the virtual clock; each invocation's log is
// kept and read through the admin plane.
#include <arpa/inet.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <future>

#include "core/iam/authorizer.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/function/function.hpp"
#include "products/function/queues.hpp"

namespace scwd::products::function {

namespace {

const Flavor& F() { return functions_flavor(); }

// Host names that are addresses or this machine name no function (no store look-up for them).
bool plain_host(std::string_view h) {
  if (h.empty() || h == "localhost") return true;
  std::string s(h);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string host_of(const http::Request& req) {
  auto* h = req.header("Host");
  if (!h) return "";
  std::string_view v = *h;
  if (v.starts_with("[")) return to_lower(v.substr(1, v.find(']') - 1));
  auto colon = v.rfind(':');
  if (colon != std::string_view::npos) v = v.substr(0, colon);
  return to_lower(v);
}

bool canonical_base64(const std::string& s) {
  if (s.empty()) return true;
  std::string bin(s.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), s.c_str(),
                        s.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return false;
  std::string again(sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(again.data(), again.size(), reinterpret_cast<unsigned char*>(bin.data()), len,
                    sodium_base64_VARIANT_ORIGINAL);
  again.resize(std::strlen(again.c_str()));
  return again == s;
}

// The event the handler receives, as Scaleway's runtime builds it from an HTTP request.
json::object http_event(const http::Request& req, std::string_view path) {
  json::object headers;
  for (auto& [k, v] : req.headers) {
    auto key = to_lower(k);
    if (auto* prev = headers.if_contains(key); prev && prev->is_string())
      *prev = std::string(prev->as_string()) + ", " + v;
    else
      headers[key] = v;
  }
  headers["Forwarded"] = "for=" + req.remote + ";proto=http";
  headers["X-Forwarded-For"] = req.remote;
  headers["K-Proxy-Request"] = "activator";
  headers["X-Forwarded-Proto"] = "http";
  headers["X-Envoy-External-Address"] = req.remote;
  headers["X-Request-Id"] = new_uuid();
  json::object query;
  for (auto& [k, v] : req.query) {
    if (auto* prev = query.if_contains(k)) {
      if (!prev->is_array()) *prev = json::array{*prev};
      prev->as_array().push_back(json::value(v));
    } else {
      query[k] = v;
    }
  }
  return {{"resource", ""},
          {"path", path.empty() ? "/" : std::string(path)},
          {"httpMethod", req.method},
          {"headers", std::move(headers)},
          {"multiValueHeaders", nullptr},
          {"queryStringParameters", std::move(query)},
          {"multiValueQueryStringParameters", nullptr},
          {"pathParameters", nullptr},
          {"stageVariables", json::object{}},
          {"requestContext", json::object{{"accountId", ""},
                                          {"resourceId", ""},
                                          {"stage", ""},
                                          {"requestId", ""},
                                          {"resourcePath", ""},
                                          {"authorizer", nullptr},
                                          {"httpMethod", req.method},
                                          {"apiId", ""}}},
          {"body", req.body},
          {"isBase64Encoded", canonical_base64(req.body)}};
}

Response to_response(Outcome o) {
  auto type = o.content_type.empty() ? std::string("text/plain") : o.content_type;
  auto res = Response::raw(o.status, std::move(type), std::move(o.body));
  for (auto& [k, v] : o.headers)
    if (k != "server" && k != "x-request-id") res.with_header(k, v);
  return res;
}

Response message(int status, std::string text) {
  return Response::json(status, json::object{{"message", std::move(text)}});
}

}  // namespace

Functions::Functions(app::Services& svc, std::filesystem::path data)
    : svc_(&svc), data_(std::move(data)), auth_(svc.store, svc.clock) {}

bool Functions::may_invoke(store::Tx& tx, const store::Record& f, const http::Request& req,
                           const std::string& token) {
  if (auto t = tx.get_by_key(F().kind("token"), "token:" + sha256_hex(token))) {
    auto exp = int_of(t->body, "expires_at");
    return t->state != "deleting" && t->state != "creating" &&
           (t->parent_id == f.id || t->parent_id == f.parent_id) &&
           (!exp || exp >= svc_->clock.now());
  }
  if (!is_uuid(token)) return false;
  auto p = auth_.authenticate(req);
  if (!p || p->organization_id != f.organization_id) return false;
  if (p->owner) return true;
  const app::Permission invoke{F().family, Access::kWrite, "function"};
  router::Params params;
  json::object body{{"project_id", f.project_id}};
  iam::Input in{*p, invoke, nullptr, req, params, body};
  return iam::decide(svc_->store, in, iam::facts_of(req, svc_->clock.now())).allowed;
}

void Functions::start() {
  std::call_once(started_, [this] {
    runner_ = std::make_unique<Runner>(
        data_ / "run", [svc = svc_](const Deployment& d, double ms) { count_usage(*svc, d, ms); });
    cron_ = std::thread([this] { cron_loop(); });
  });
}

Runner& Functions::runner() {
  start();
  return *runner_;
}

Functions::~Functions() {
  stopping_ = true;
  if (cron_.joinable()) cron_.join();
  // Invocations still running call back into this object: the runner waits for them first.
  runner_.reset();
}

std::optional<std::string> Functions::function_at(std::string_view host) {
  bool ours = host.find(kHostSuffix) != std::string_view::npos;
  if (!ours) {
    std::lock_guard lock(hosts_mu_);
    auto it = unknown_hosts_.find(host);
    if (it != unknown_hosts_.end() && it->second > std::chrono::steady_clock::now())
      return std::nullopt;
  }
  auto tx = svc_->store.begin(store::TxMode::kRead);
  auto key = "host:" + std::string(host);
  if (auto f = tx->get_by_key(F().app_kind(), key)) return f->id;
  if (auto d = tx->get_by_key(F().kind("domain"), key); d && d->state == "ready")
    return d->parent_id;
  if (!ours) {
    std::lock_guard lock(hosts_mu_);
    if (unknown_hosts_.size() > 10000) unknown_hosts_.clear();
    unknown_hosts_[std::string(host)] = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  }
  return std::nullopt;
}

std::optional<http::Staged> Functions::serve_function(http::Request& req) {
  std::string host, path;
  if (req.path.starts_with(kPathForm)) {
    auto rest = std::string_view(req.path).substr(kPathForm.size());
    auto slash = rest.find('/');
    host = to_lower(rest.substr(0, slash));
    path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  } else {
    host = host_of(req);
    if (plain_host(host)) return std::nullopt;
    path = req.path;
  }
  // Hosts no function serves are left to other products (containers) and the API.
  auto id = function_at(host);
  if (!id) return std::nullopt;
  auto tx = svc_->store.begin(store::TxMode::kRead);
  auto f = tx->get(F().app_kind(), *id);
  if (!f) return http::Staged(message(404, "no function is served at " + host));
  auto ns = tx->get(F().kind("namespace"), f->parent_id);
  auto d = ns ? deployment(*f, *ns) : std::nullopt;
  if (!d || f->state == "deleting")
    return http::Staged(message(503, "the function is not deployed"));
  if (str_of(f->body, "http_option") == "redirected") {
    auto* proto = req.header("X-Forwarded-Proto");
    if (!proto || *proto != "https")
      return http::Staged(
          Response::raw(301, "text/plain", "").with_header("Location", "https://" + host + path));
  }
  if (str_of(f->body, "privacy") == "private") {
    auto* token = req.header("X-Auth-Token");
    if (!token || token->empty())
      return http::Staged(message(403, "this function is private: an X-Auth-Token is required"));
    bool ok = may_invoke(*tx, *f, req, *token);
    if (!ok) return http::Staged(message(403, "the token does not grant access to this function"));
  }
  tx.reset();
  auto event = http_event(req, path);
  json::object context{
      {"memoryLimitInMb", d->memory_mb}, {"functionName", f->name}, {"functionVersion", ""}};
  auto* runner = &this->runner();
  http::Staged st;
  st.response = message(500, "not run");
  st.submit = [runner, d = *d, event, context,
               rid = req.request_id](std::function<void(Response, bool)> answer) {
    runner->invoke(d, event, context, rid, "http",
                   [answer](Outcome o) { answer(to_response(std::move(o)), true); });
  };
  st.rest = [runner, d = *d, event, context, rid = req.request_id]() {
    std::promise<Outcome> p;
    auto fut = p.get_future();
    runner->invoke(d, event, context, rid, "http", [&p](Outcome o) { p.set_value(std::move(o)); });
    return to_response(fut.get());
  };
  return st;
}

namespace {
std::atomic<MessageQueues*> g_queues{nullptr};
std::atomic<NatsSubjects*> g_subjects{nullptr};
std::atomic<TriggerCredentials*> g_credentials{nullptr};

// The event a trigger's message becomes: a POST of its body, as for SQS.
json::object message_event(const std::string& body) {
  return {{"resource", ""},
          {"path", "/"},
          {"httpMethod", "POST"},
          {"headers", json::object{{"content-type", "text/plain"}}},
          {"multiValueHeaders", nullptr},
          {"queryStringParameters", json::object{}},
          {"multiValueQueryStringParameters", nullptr},
          {"pathParameters", nullptr},
          {"stageVariables", json::object{}},
          {"requestContext", json::object{{"httpMethod", "POST"}}},
          {"body", body},
          {"isBase64Encoded", false}};
}
}  // namespace

void set_message_queues(MessageQueues* queues) { g_queues = queues; }
MessageQueues* message_queues() { return g_queues.load(); }
void set_nats_subjects(NatsSubjects* subjects) { g_subjects = subjects; }
NatsSubjects* nats_subjects() { return g_subjects.load(); }
void set_trigger_credentials(TriggerCredentials* credentials) { g_credentials = credentials; }
TriggerCredentials* trigger_credentials() { return g_credentials.load(); }

std::vector<store::Record> Functions::ready_triggers(std::string_view type) {
  try {
    auto tx = svc_->store.begin(store::TxMode::kRead);
    store::ListQuery q;
    q.kind = F().kind("trigger");
    q.filters = {{Column::kState, Op::kEq, {"ready"}, {}, false},
                 {Column::kBody, Op::kEq, {std::string(type)}, "input_type", false}};
    q.with_total = false;
    q.limit = 1000;
    return tx->list(q).items;
  } catch (const std::exception& e) {
    if (!stopping_) spdlog::debug("function triggers: {}", e.what());
    return {};
  }
}

std::optional<std::pair<store::Record, Deployment>> Functions::deployed(
    const store::Record& trigger) {
  auto tx = svc_->store.begin(store::TxMode::kRead);
  auto f = tx->get(F().app_kind(), trigger.parent_id);
  if (!f || f->state != "ready") return std::nullopt;
  auto ns = tx->get(F().kind("namespace"), f->parent_id);
  auto d = ns ? deployment(*f, *ns) : std::nullopt;
  if (!d) return std::nullopt;
  return std::pair{std::move(*f), std::move(*d)};
}

int Functions::room(const std::string& trigger_id, const Deployment& d) {
  std::lock_guard lock(delivery_mu_);
  return std::max(1, d.max_scale) - in_flight_[trigger_id];
}

// Core NATS keeps no message for later: the subjects of ready triggers of deployed functions are
// listened to (the others not any more), and what arrived is handed to the function, at most
// max_scale at a time.
void Functions::deliver_nats() {
  auto* subjects = nats_subjects();
  if (!subjects) return;
  struct Target {
    std::string trigger_id;
    store::Record function;
    Deployment d;
  };
  std::vector<function::NatsWatch> wanted;
  std::vector<Target> targets;
  for (auto& t : ready_triggers("scw_nats")) {
    auto fd = deployed(t);
    auto c = value_of(t.body, "config");
    if (!fd || !c.is_object()) continue;
    auto& co = c.as_object();
    wanted.push_back({t.id, str_of(co, "mnq_project_id"), str_of(co, "mnq_region"),
                      str_of(co, "mnq_nats_account_id"), str_of(co, "subject")});
    targets.push_back({t.id, std::move(fd->first), std::move(fd->second)});
  }
  try {
    subjects->watch(std::move(wanted));
  } catch (const std::exception& e) {
    spdlog::debug("function NATS triggers: {}", e.what());
    return;
  }
  for (auto& [tid, f, d] : targets) {
    auto taken = subjects->take(tid, room(tid, d));
    for (auto& body : taken) {
      {
        std::lock_guard lock(delivery_mu_);
        ++in_flight_[tid];
      }
      json::object context{
          {"memoryLimitInMb", d.memory_mb}, {"functionName", f.name}, {"functionVersion", ""}};
      runner().invoke(d, message_event(body), std::move(context), "nats-" + tid, "nats",
                      [this, tid = tid](Outcome) {
                        std::lock_guard lock(delivery_mu_);
                        --in_flight_[tid];
                      });
    }
  }
}

void Functions::deliver() {
  deliver_nats();
  auto* queues = message_queues();
  if (!queues) return;
  auto triggers = ready_triggers("scw_sqs");
  for (auto& t : triggers) {
    auto fd = deployed(t);
    if (!fd) continue;
    auto* f = &fd->first;
    auto* d = &fd->second;
    int room = this->room(t.id, *d);
    if (room <= 0) continue;
    auto c = value_of(t.body, "config");
    if (!c.is_object()) continue;
    auto project = str_of(c.as_object(), "mnq_project_id");
    auto region = str_of(c.as_object(), "mnq_region");
    auto queue = str_of(c.as_object(), "queue");
    auto hold = static_cast<Micros>(d->timeout.count()) * 1000 + 30 * kSecond;
    std::vector<QueueMessage> taken;
    try {
      taken = queues->take(project, region, queue, room, hold);
    } catch (const std::exception& e) {
      spdlog::debug("function trigger {}: {}", t.id, e.what());
      continue;
    }
    for (auto& m : taken) {
      {
        std::lock_guard lock(delivery_mu_);
        ++in_flight_[t.id];
      }
      json::object context{
          {"memoryLimitInMb", d->memory_mb}, {"functionName", f->name}, {"functionVersion", ""}};
      runner().invoke(
          *d, message_event(m.body), std::move(context), "sqs-" + t.id, "sqs",
          [this, queues, tid = t.id, project, region, queue, receipt = m.receipt](Outcome o) {
            if (o.status >= 200 && o.status < 300) {
              try {
                queues->done(project, region, queue, receipt);
              } catch (const std::exception& e) {
                spdlog::debug("function trigger {}: {}", tid, e.what());
              }
            }
            std::lock_guard lock(delivery_mu_);
            --in_flight_[tid];
          });
    }
  }
}

void Functions::cron_loop() {
  Micros watermark = 0;  // 0: scan
  auto last_scan = std::chrono::steady_clock::now();
  auto last_delivery = std::chrono::steady_clock::now();
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (std::chrono::steady_clock::now() - last_delivery > std::chrono::milliseconds(500)) {
      last_delivery = std::chrono::steady_clock::now();
      deliver();
    }
    auto now = svc_->clock.now();
    bool stale = std::chrono::steady_clock::now() - last_scan > std::chrono::seconds(2);
    if (watermark && now < watermark && !stale) continue;
    last_scan = std::chrono::steady_clock::now();
    std::vector<store::Record> due;
    Micros next = 0;
    try {
      auto tx = svc_->store.begin(store::TxMode::kRead);
      store::ListQuery q;
      q.kind = F().kind("cron");
      q.filters = {{Column::kState, Op::kEq, {"ready"}, {}, false}};
      q.with_total = false;
      q.limit = 10000;
      for (auto& c : tx->list(q).items) {
        auto at = int_of(c.body, "next_at");
        if (at <= now)
          due.push_back(std::move(c));
        else if (!next || at < next)
          next = at;
      }
    } catch (const std::exception& e) {
      if (!stopping_) spdlog::debug("function crons: {}", e.what());
      continue;
    }
    watermark = next ? next : now + 60 * kSecond;
    for (auto& c : due) {
      // Claimed by moving its next time: of replicas sharing the store, one fires it.
      bool claimed = false;
      try {
        svc_->store.write([&](store::Tx& tx) {
          auto cur = tx.get(c.kind, c.id);
          if (!cur || int_of(cur->body, "next_at") != int_of(c.body, "next_at")) return true;
          auto following = next_cron_time(str_of(cur->body, "schedule"), now);
          cur->body["next_at"] = following.value_or(now + 366 * 86400 * kSecond);
          tx.update(*cur);
          claimed = true;
          return true;
        });
      } catch (const std::exception& e) {
        spdlog::debug("function cron {}: {}", c.id, e.what());
      }
      if (!claimed) continue;
      watermark = 0;
      auto tx = svc_->store.begin(store::TxMode::kRead);
      auto f = tx->get(F().app_kind(), c.parent_id);
      if (!f || f->state != "ready") continue;
      auto ns = tx->get(F().kind("namespace"), f->parent_id);
      auto d = ns ? deployment(*f, *ns) : std::nullopt;
      if (!d) continue;
      auto args = value_of(c.body, "args");
      std::string body = json::serialize(args.is_object() ? args : json::object{});
      json::object event{{"resource", ""},
                         {"path", "/"},
                         {"httpMethod", "POST"},
                         {"headers", json::object{{"content-type", "application/json"},
                                                  {"X-Scaleway-Cron", c.id}}},
                         {"multiValueHeaders", nullptr},
                         {"queryStringParameters", json::object{}},
                         {"multiValueQueryStringParameters", nullptr},
                         {"pathParameters", nullptr},
                         {"stageVariables", json::object{}},
                         {"requestContext", json::object{{"httpMethod", "POST"}}},
                         {"body", body},
                         {"isBase64Encoded", false}};
      json::object context{
          {"memoryLimitInMb", d->memory_mb}, {"functionName", f->name}, {"functionVersion", ""}};
      runner().invoke(*d, std::move(event), std::move(context), "cron-" + c.id, "cron",
                      [](Outcome) {});
    }
  }
}

void Functions::register_gateway(app::Registry& reg) {
  // Each invocation's log: the operator's and the function's organization Owners'.
  const app::Permission admin{app::kAdminFamily, Access::kRead, "function_logs"};
  reg.add("GET", "/_scwd/functions/{function_id}/logs", admin,
          [this](Context& ctx) -> Result<Response> {
            auto id = to_lower(ctx.param("function_id"));
            auto tx = ctx.store().begin(store::TxMode::kRead);
            auto f = is_uuid(id) ? tx->get(F().app_kind(), id) : std::nullopt;
            if (!f || (f->organization_id != ctx.principal.organization_id &&
                       !ctx.principal.instance_operator))
              return api::fail(missing("Function"));
            json::array out;
            for (auto& l : runner().logs(f->id))
              out.push_back(json::object{{"request_id", l.request_id},
                                         {"at", format_time(l.at)},
                                         {"status", l.status},
                                         {"duration_ms", l.duration_ms},
                                         {"trigger", l.trigger},
                                         {"output", l.output}});
            auto n = out.size();
            return Response::json(200, json::object{{"logs", std::move(out)}, {"total_count", n}});
          });
}

}  // namespace scwd::products::function

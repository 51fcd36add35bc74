#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "core/util/json.hpp"
#include "products/mnq/front.hpp"
#include "products/mnq/mnq.hpp"
#include "products/mnq/sigv4.hpp"
#include "products/mnq/sns.hpp"
#include "products/mnq/sqs.hpp"

namespace scwd::products::mnq {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kSqsXmlns = "http://queue.amazonaws.com/doc/2012-11-05/";
constexpr std::string_view kSnsXmlns = "http://sns.amazonaws.com/doc/2010-03-31/";

bool served_region(std::string_view r) { return r == "fr-par" || r == "nl-ams"; }

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string form_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> form_params(const http::Request& req) {
  std::vector<std::pair<std::string, std::string>> out = req.query;
  auto* type = req.header("Content-Type");
  if (type && type->find("x-www-form-urlencoded") != std::string::npos) {
    std::string_view rest = req.body;
    while (!rest.empty()) {
      auto amp = rest.find('&');
      auto part = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
      if (part.empty()) continue;
      auto eq = part.find('=');
      out.emplace_back(form_decode(part.substr(0, eq)),
                       eq == std::string_view::npos ? "" : form_decode(part.substr(eq + 1)));
    }
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

// The query protocol's flattened fields ("Attribute.1.Name", "MessageAttribute.2.Value.DataType",
// "SendMessageBatchRequestEntry.3.MessageBody") in the JSON protocol's shape.
json::object message_attributes(const std::map<int, json::object>& items) {
  json::object out;
  for (auto& [n, a] : items) {
    auto name = str_of(a, "Name");
    json::object v;
    for (auto f : {"DataType", "StringValue", "BinaryValue"})
      if (auto* x = a.if_contains(std::string("Value.") + f)) v[f] = *x;
    out[name] = std::move(v);
  }
  return out;
}

std::vector<std::string> split_dots(std::string_view k) {
  std::vector<std::string> parts;
  while (true) {
    auto d = k.find('.');
    parts.emplace_back(k.substr(0, d));
    if (d == std::string_view::npos) break;
    k = k.substr(d + 1);
  }
  return parts;
}

int index_of(const std::string& s) {
  if (s.empty() || s.size() > 4) return -1;
  for (char c : s)
    if (c < '0' || c > '9') return -1;
  return std::stoi(s);
}

std::string join_from(const std::vector<std::string>& parts, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < parts.size(); ++i) out += (i > from ? "." : "") + parts[i];
  return out;
}

}  // namespace

json::object query_to_json(const std::vector<std::pair<std::string, std::string>>& params) {
  json::object in;
  std::map<int, json::object> attrs;
  std::map<int, json::object> mattrs;
  std::map<int, json::object> entries;
  std::map<int, std::map<int, json::object>> entry_mattrs;
  std::map<std::string, std::map<int, std::string>> lists;
  for (auto& [k, v] : params) {
    auto parts = split_dots(k);
    if (parts.size() == 1) {
      in[k] = v;
      continue;
    }
    int n = index_of(parts[1]);
    if (n < 0) continue;
    auto& head = parts[0];
    if (head == "Attribute" && parts.size() == 3) {
      attrs[n][parts[2]] = v;
    } else if (parts.size() == 2) {
      lists[head][n] = v;  // AttributeName.1, MessageAttributeName.1, TopicArn...
    } else if (head == "MessageAttribute") {
      mattrs[n][join_from(parts, 2)] = v;
    } else if (head.ends_with("RequestEntry") || head == "Entries" || head == "Entry") {
      if (parts.size() >= 5 && parts[2] == "MessageAttribute") {
        int m = index_of(parts[3]);
        if (m >= 0) entry_mattrs[n][m][join_from(parts, 4)] = v;
      } else if (parts.size() == 3) {
        entries[n][parts[2]] = v;
      }
    }
  }
  if (!attrs.empty()) {
    json::object a;
    for (auto& [n, x] : attrs) a[str_of(x, "Name")] = str_of(x, "Value");
    in["Attributes"] = std::move(a);
  }
  if (!mattrs.empty()) in["MessageAttributes"] = message_attributes(mattrs);
  for (auto& [name, items] : lists) {
    json::array arr;
    for (auto& [n, v] : items) arr.push_back(json::value(v));
    std::string key = name;
    if (key == "AttributeName") key = "AttributeNames";
    if (key == "MessageAttributeName") key = "MessageAttributeNames";
    if (key == "MessageSystemAttributeName") key = "MessageSystemAttributeNames";
    in[key] = std::move(arr);
  }
  if (!entries.empty() || !entry_mattrs.empty()) {
    json::array arr;
    for (auto& [n, e] : entries) {
      json::object entry = e;
      if (auto it = entry_mattrs.find(n); it != entry_mattrs.end())
        entry["MessageAttributes"] = message_attributes(it->second);
      arr.push_back(std::move(entry));
    }
    in["Entries"] = std::move(arr);
  }
  return in;
}

namespace {

// An answer of the JSON protocol in the query protocol's XML (members named as AWS's XML
// shapes name them).
void xml_members(std::string& out, const json::object& o, std::string_view action);

void xml_value(std::string& out, std::string_view tag, const json::value& v,
               std::string_view action) {
  out += "<" + std::string(tag) + ">";
  if (v.is_object())
    xml_members(out, v.as_object(), action);
  else if (v.is_string())
    out += xml_escape(v.as_string());
  else if (v.is_bool())
    out += v.as_bool() ? "true" : "false";
  else
    out += json::serialize(v);
  out += "</" + std::string(tag) + ">";
}

void xml_members(std::string& out, const json::object& o, std::string_view action) {
  for (auto& [k, v] : o) {
    if (k == "Attributes" && v.is_object()) {
      for (auto& [name, value] : v.as_object())
        out += "<Attribute><Name>" + xml_escape(name) + "</Name><Value>" +
               xml_escape(value.is_string() ? std::string(value.as_string()) : "") +
               "</Value></Attribute>";
    } else if (k == "MessageAttributes" && v.is_object()) {
      for (auto& [name, value] : v.as_object()) {
        out += "<MessageAttribute><Name>" + xml_escape(name) + "</Name>";
        xml_value(out, "Value", value, action);
        out += "</MessageAttribute>";
      }
    } else if (v.is_array()) {
      std::string tag = k == "QueueUrls"    ? "QueueUrl"
                        : k == "Messages"   ? "Message"
                        : k == "Successful" ? std::string(action) + "ResultEntry"
                        : k == "Failed"     ? "BatchResultErrorEntry"
                        : k == "Topics"     ? "member"
                                            : "member";
      bool wrap = k == "Topics" || k == "Subscriptions";
      if (wrap) out += "<" + std::string(k) + ">";
      for (auto& x : v.as_array()) xml_value(out, tag, x, action);
      if (wrap) out += "</" + std::string(k) + ">";
    } else {
      xml_value(out, k, v, action);
    }
  }
}

}  // namespace

http::Response xml_answer(std::string_view action, const json::object& result,
                          std::string_view xmlns, std::string_view request_id) {
  std::string out = "<?xml version=\"1.0\"?><" + std::string(action) + "Response xmlns=\"" +
                    std::string(xmlns) + "\">";
  if (!result.empty()) {
    out += "<" + std::string(action) + "Result>";
    xml_members(out, result, action);
    out += "</" + std::string(action) + "Result>";
  }
  out += "<ResponseMetadata><RequestId>" + std::string(request_id) +
         "</RequestId></ResponseMetadata></" + std::string(action) + "Response>";
  auto res = http::Response::raw(200, "text/xml", std::move(out));
  res.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  return res;
}

http::Response xml_error(const AwsError& e, std::string_view xmlns, std::string_view request_id) {
  std::string out = "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + std::string(xmlns) +
                    "\"><Error><Type>" + (e.sender ? "Sender" : "Receiver") + "</Type><Code>" +
                    xml_escape(e.code) + "</Code><Message>" + xml_escape(e.message) +
                    "</Message><Detail/></Error><RequestId>" + std::string(request_id) +
                    "</RequestId></ErrorResponse>";
  auto res = http::Response::raw(e.status, "text/xml", std::move(out));
  res.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  return res;
}

namespace {

// SNS's XML shapes: maps as <entry><key/><value/></entry>, lists as <member/>.
void sns_members(std::string& out, const json::object& o) {
  for (auto& [k, v] : o) {
    out += "<" + std::string(k) + ">";
    if (k == "Attributes" && v.is_object()) {
      for (auto& [name, value] : v.as_object())
        out += "<entry><key>" + xml_escape(name) + "</key><value>" +
               xml_escape(value.is_string() ? std::string(value.as_string()) : "") +
               "</value></entry>";
    } else if (v.is_array()) {
      for (auto& x : v.as_array()) {
        out += "<member>";
        if (x.is_object())
          sns_members(out, x.as_object());
        else if (x.is_string())
          out += xml_escape(x.as_string());
        out += "</member>";
      }
    } else if (v.is_object()) {
      sns_members(out, v.as_object());
    } else if (v.is_string()) {
      out += xml_escape(v.as_string());
    } else if (v.is_bool()) {
      out += v.as_bool() ? "true" : "false";
    } else {
      out += json::serialize(v);
    }
    out += "</" + std::string(k) + ">";
  }
}

http::Response sns_answer(std::string_view action, const json::object& result,
                          std::string_view request_id) {
  std::string out = "<?xml version=\"1.0\"?><" + std::string(action) + "Response xmlns=\"" +
                    std::string(kSnsXmlns) + "\"><" + std::string(action) + "Result>";
  sns_members(out, result);
  out += "</" + std::string(action) + "Result><ResponseMetadata><RequestId>" +
         std::string(request_id) + "</RequestId></ResponseMetadata></" + std::string(action) +
         "Response>";
  auto res = http::Response::raw(200, "text/xml", std::move(out));
  res.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  return res;
}

// One HTTP POST to a subscriber (http:// only); true on a 2xx answer.
bool post_http(const Delivery& d, std::string& error) {
  constexpr std::string_view kScheme = "http://";
  if (!d.url.starts_with(kScheme)) {
    error = "only http:// endpoints are delivered to";
    return false;
  }
  auto rest = std::string_view(d.url).substr(kScheme.size());
  auto slash = rest.find('/');
  std::string hostport(rest.substr(0, slash));
  std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string host = hostport, port = "80";
  if (auto colon = hostport.rfind(':'); colon != std::string::npos && hostport.back() != ']') {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + hostport +
                    "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: " +
                    std::to_string(d.body.size()) +
                    "\r\nConnection: close\r\nUser-Agent: Amazon Simple Notification Service "
                    "Agent\r\nx-amz-sns-message-type: " +
                    d.message_type + "\r\nx-amz-sns-message-id: " + d.message_id +
                    "\r\nx-amz-sns-topic-arn: " + d.topic_arn + "\r\n\r\n" + d.body;
  try {
    // Connect, send and read the status line within 5 s, whatever the subscriber does.
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    boost::asio::ip::tcp::socket socket(io);
    std::string answer;
    boost::system::error_code failure = boost::asio::error::timed_out;
    boost::asio::async_connect(
        socket, resolver.resolve(host, port),
        [&](const boost::system::error_code& ec, const boost::asio::ip::tcp::endpoint&) {
          if (ec) {
            failure = ec;
            return;
          }
          boost::asio::async_write(socket, boost::asio::buffer(req), [&](auto ec2, std::size_t) {
            if (ec2) {
              failure = ec2;
              return;
            }
            boost::asio::async_read_until(socket, boost::asio::dynamic_buffer(answer), "\r\n",
                                          [&](auto ec3, std::size_t) { failure = ec3; });
          });
        });
    io.run_for(std::chrono::seconds(5));
    if (answer.find("\r\n") == std::string::npos) {
      error = failure ? failure.message() : "no HTTP answer";
      return false;
    }
    if (answer.size() < 12 || !answer.starts_with("HTTP/1.")) {
      error = "no HTTP answer";
      return false;
    }
    if (answer[9] != '2') {
      error = "answered " + answer.substr(9, 3);
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

}  // namespace

namespace {

http::Response json_answer(const json::object& result, std::string_view request_id) {
  auto res = http::Response::raw(200, "application/x-amz-json-1.0", json::serialize(result));
  res.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  return res;
}

// The JSON protocol's error, with the query protocol's code in x-amzn-query-error (which AWS's
// SDKs read to name the error as the query protocol did).
http::Response json_error(const AwsError& e, std::string_view request_id) {
  json::object body{{"__type", "com.amazonaws.sqs#" + e.type}, {"message", e.message}};
  auto res = http::Response::raw(e.status, "application/x-amz-json-1.0", json::serialize(body));
  res.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  res.headers.emplace_back("x-amzn-query-error", e.code + (e.sender ? ";Sender" : ";Receiver"));
  return res;
}

std::int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One SQS request between its checks and its answer.
struct SqsRequest {
  const SqsAction* action = nullptr;
  bool json = true;
  json::object in;
  Sqs proto;  // the call's identity; each attempt runs a copy
  std::string request_id;
  Clock::time_point started = Clock::now();
  std::optional<Clock::time_point> deadline;
  std::string queue;  // the queue a long poll waits on
};

}  // namespace

struct Endpoints::Impl {
  explicit Impl(app::Services& s) : svc(s) {
    ticker = std::thread([this] { run(); });
    deliverer = std::thread([this] { run_deliveries(); });
    // A shutdown answers the waiting receives at once instead of letting them use up the
    // server's grace period (the server's own handlers see the signal too).
    signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      {
        std::lock_guard lock(m);
        stopping = true;
      }
      cv.notify_all();
      blocking_cv.notify_all();
    });
    signal_thread = std::thread([this] { signal_io.run(); });
  }
  ~Impl() {
    {
      std::lock_guard lock(m);
      stopping = true;
    }
    cv.notify_all();
    ticker.join();
    {
      std::lock_guard lock(dm);
      stopping_deliveries = true;
    }
    dcv.notify_all();
    deliverer.join();
    signal_io.stop();
    signal_thread.join();
  }

  app::Services& svc;

  using Answer = std::shared_ptr<std::function<void(http::Response, bool)>>;
  struct Parked {
    std::shared_ptr<SqsRequest> request;
    Answer answer;
  };
  std::mutex m;
  std::condition_variable cv;
  std::condition_variable blocking_cv;  // receives waiting on a thread (without grouping)
  std::list<Parked> parked;
  std::set<std::string> ready;  // queues given messages since the last wake-up
  bool stopping = false;
  std::thread ticker;

  // HTTP deliveries of SNS, made by one thread in order, each tried 3 times.
  std::mutex dm;
  std::condition_variable dcv;
  std::deque<Delivery> outbox;
  std::thread deliverer;

  void deliver(std::vector<Delivery> ds) {
    if (ds.empty()) return;
    {
      std::lock_guard lock(dm);
      for (auto& d : ds) outbox.push_back(std::move(d));
    }
    dcv.notify_all();
  }

  void run_deliveries() {
    std::unique_lock lock(dm);
    while (true) {
      dcv.wait(lock, [this] { return stopping_deliveries || !outbox.empty(); });
      if (stopping_deliveries) return;
      auto d = std::move(outbox.front());
      outbox.pop_front();
      lock.unlock();
      std::string error;
      bool ok = false;
      for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
        if (attempt) {
          std::unique_lock wait(dm);
          if (dcv.wait_for(wait, std::chrono::seconds(1), [this] { return stopping_deliveries; }))
            break;
        }
        ok = post_http(d, error);
      }
      if (!ok)
        spdlog::warn("SNS {} {} to {} not delivered: {}", d.message_type, d.message_id, d.url,
                     error);
      lock.lock();
    }
  }
  bool stopping_deliveries = false;

  boost::asio::io_context signal_io;
  boost::asio::signal_set signals{signal_io, SIGINT, SIGTERM};
  std::thread signal_thread;

  http::Response render(const SqsRequest& r, const Outcome& out) {
    if (r.json)
      return out ? json_answer(*out, r.request_id) : json_error(out.error(), r.request_id);
    return out ? xml_answer(r.action->name, *out, kSqsXmlns, r.request_id)
               : xml_error(out.error(), kSqsXmlns, r.request_id);
  }
  http::Response refuse(bool json_protocol, const AwsError& e, std::string_view request_id) {
    return json_protocol ? json_error(e, request_id) : xml_error(e, kSqsXmlns, request_id);
  }

  void notify(const std::set<std::string>& queues) {
    if (queues.empty()) return;
    {
      std::lock_guard lock(m);
      ready.insert(queues.begin(), queues.end());
    }
    cv.notify_all();
    blocking_cv.notify_all();
  }

  // Runs one attempt where writes are grouped; parks an empty long poll.
  void attempt(std::shared_ptr<SqsRequest> r, Answer answer) {
    auto call = std::make_shared<Sqs>(r->proto);
    call->now = svc.clock.now();
    auto out = std::make_shared<Outcome>();
    svc.store.run_grouped(
        [call, out, r](store::Store& group) {
          try {
            *out = group.transact(store::TxMode::kWrite, [&](store::Tx& tx) {
              auto o = ((*call).*(r->action->run))(tx, r->in);
              // A long poll runs again when it wakes: the request counts once.
              if (!r->deadline)
                count_request(tx, call->organization_id, call->project_id, call->region, "sqs",
                              call->now);
              return o;
            });
          } catch (const std::exception& e) {
            spdlog::error("request {}: SQS {}: {}", r->request_id, r->action->name, e.what());
            *out = tl::unexpected(aws_error("InternalFailure", "We encountered an internal error.",
                                            500, "InternalFailure"));
          }
        },
        [this, call, out, r, answer](bool durable) {
          if (!durable) {
            (*answer)(http::Response{}, false);
            return;
          }
          notify(call->touched);
          if (should_wait(*r, *call, *out)) {
            std::lock_guard lock(m);
            if (!stopping) {
              parked.push_back({r, answer});
              return;
            }
          }
          (*answer)(render(*r, *out), true);
        });
  }

  bool should_wait(SqsRequest& r, const Sqs& call, const Outcome& out) {
    if (r.action->name != "ReceiveMessage" || !out || call.received > 0 || call.wait_seconds <= 0)
      return false;
    if (!r.deadline) r.deadline = r.started + std::chrono::seconds(call.wait_seconds);
    r.queue = call.waiting_queue;
    return Clock::now() < *r.deadline;
  }

  // Without grouping (the pool runs the rest): the same, waiting on this thread.
  http::Response blocking(std::shared_ptr<SqsRequest> r) {
    while (true) {
      Sqs call = r->proto;
      call.now = svc.clock.now();
      Outcome out;
      try {
        out = svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) {
          auto o = (call.*(r->action->run))(tx, r->in);
          if (!r->deadline)
            count_request(tx, call.organization_id, call.project_id, call.region, "sqs", call.now);
          return o;
        });
      } catch (const std::exception& e) {
        spdlog::error("request {}: SQS {}: {}", r->request_id, r->action->name, e.what());
        out = tl::unexpected(aws_error("InternalFailure", "We encountered an internal error.", 500,
                                       "InternalFailure"));
      }
      notify(call.touched);
      if (!should_wait(*r, call, out)) return render(*r, out);
      std::unique_lock lock(m);
      blocking_cv.wait_until(lock, std::min(*r->deadline, Clock::now() + std::chrono::seconds(1)));
      if (stopping) return render(*r, out);
    }
  }

  // Wakes parked receives: at once for queues given messages, every second for the others
  // (messages become visible again as time passes), and at their deadline.
  void run() {
    std::unique_lock lock(m);
    auto next_tick = Clock::now() + std::chrono::seconds(1);
    while (!stopping) {
      cv.wait_until(lock, next_tick, [this] { return stopping || !ready.empty(); });
      if (stopping) break;
      bool tick = Clock::now() >= next_tick;
      if (tick) next_tick = Clock::now() + std::chrono::seconds(1);
      std::vector<Parked> due;
      for (auto it = parked.begin(); it != parked.end();) {
        bool wake = tick || ready.contains(it->request->queue);
        if (wake) {
          due.push_back(std::move(*it));
          it = parked.erase(it);
        } else {
          ++it;
        }
      }
      ready.clear();
      lock.unlock();
      for (auto& p : due) {
        try {
          attempt(p.request, p.answer);
        } catch (const std::exception& e) {  // the store is closing
          spdlog::warn("request {}: long poll ended: {}", p.request->request_id, e.what());
          (*p.answer)(render(*p.request, json::object{}), true);
        }
      }
      lock.lock();
    }
    // Shutting down: every parked receive answers what it has (nothing).
    for (auto& p : parked) (*p.answer)(render(*p.request, json::object{}), true);
    parked.clear();
  }

  http::Response sns_refuse(const AwsError& e, std::string_view request_id) {
    return xml_error(e, kSnsXmlns, request_id);
  }

  std::optional<http::Staged> stage_sns(http::Request& req) {
    auto rest = std::string_view(req.path).substr(kSnsPrefix.size());
    std::string region(rest.substr(0, rest.find('/')));
    auto rid = req.request_id;
    if (!served_region(region))
      return http::Staged(sns_refuse(
          aws_error("InvalidAddress", "The address " + req.path + " is not valid.", 404), rid));
    // The certificate the messages' signatures are checked with (public, like the platform's).
    if (req.method == "GET" && req.path.ends_with("/SimpleNotificationService.pem")) {
      auto tx = svc.store.begin(store::TxMode::kRead);
      if (auto cert = sns_certificate(*tx))
        return http::Staged(http::Response::raw(200, "application/x-pem-file", *cert));
      return http::Staged(
          sns_refuse(aws_error("NotFound", "No certificate has been issued yet.", 404), rid));
    }
    auto in = sns_query_to_json(form_params(req));
    auto action_name = str_of(in, "Action");
    const SnsAction* action = sns_action(action_name);
    if (!action)
      return http::Staged(sns_refuse(
          aws_error("InvalidAction", "The action " + action_name + " is not valid.", 400), rid));
    auto* host = req.header("Host");
    Sns proto;
    proto.secrets = &svc.config.secrets;
    proto.region = region;
    proto.base =
        "http://" + (host ? *host : std::string("127.0.0.1")) + std::string(kSnsPrefix) + region;
    auto tx = svc.store.begin(store::TxMode::kRead);
    if (action->needs == SnsAction::Needs::kNone && !req.header("Authorization")) {
      // A subscriber confirms with the token it was sent: the topic names the project.
      auto arn = str_of(in, "TopicArn");
      auto p = arn.find(":project-");
      auto end = p == std::string::npos ? p : arn.find(':', p + 9);
      if (end == std::string::npos)
        return http::Staged(
            sns_refuse(aws_error("InvalidParameter", "Invalid parameter: TopicArn"), rid));
      proto.project_id = arn.substr(p + 9, end - p - 9);
    } else {
      std::optional<store::Record> creds;
      auto secret_of = [&](std::string_view ak) -> std::optional<std::string> {
        creds = tx->get_by_key(kSnsCredentialsKind, access_key_key(ak));
        if (!creds || creds->locality != region) return std::nullopt;
        return svc.config.secrets.open(str_of(creds->body, "secret"));
      };
      std::string access_key;
      if (auto e = verify_sigv4(req, "sns", secret_of, wall_seconds(), &access_key))
        return http::Staged(sns_refuse(aws_error(e->code, e->message, e->status), rid));
      if (!tx->get_by_key(kSnsNamespaceKind, namespace_key(creds->project_id, region)))
        return http::Staged(
            sns_refuse(aws_error("AuthorizationError",
                                 "Topics and Events (SNS) is not activated for project " +
                                     creds->project_id + " in " + region + ".",
                                 403),
                       rid));
      using N = SnsAction::Needs;
      bool allowed = action->needs == N::kNone ||
                     (action->needs == N::kManage && bool_of(creds->body, "can_manage")) ||
                     (action->needs == N::kPublish && bool_of(creds->body, "can_publish")) ||
                     (action->needs == N::kReceive && bool_of(creds->body, "can_receive"));
      if (!allowed)
        return http::Staged(sns_refuse(
            aws_error("AuthorizationError",
                      "These credentials are not authorized to perform " + action_name + ".", 403),
            rid));
      proto.organization_id = creds->organization_id;
      proto.project_id = creds->project_id;
    }
    if (!action->writes) {
      Sns call = proto;
      call.now = svc.clock.now();
      auto out = (call.*(action->run))(*tx, in);
      return http::Staged(out ? sns_answer(action->name, *out, rid) : sns_refuse(out.error(), rid));
    }
    tx.reset();
    auto render = [action, rid](const Sns::Outcome& out) {
      return out ? sns_answer(action->name, *out, rid) : xml_error(out.error(), kSnsXmlns, rid);
    };
    auto run_in = [this, action, in, proto, rid](store::Store& s, Sns& call) {
      call = proto;
      call.now = svc.clock.now();
      try {
        return s.transact(store::TxMode::kWrite, [&](store::Tx& t) {
          auto o = (call.*(action->run))(t, in);
          count_request(t, call.organization_id, call.project_id, call.region, "sns", call.now);
          return o;
        });
      } catch (const std::exception& e) {
        spdlog::error("request {}: SNS {}: {}", rid, action->name, e.what());
        return Sns::Outcome(
            tl::unexpected(aws_error("InternalFailure", "We encountered an internal error.", 500)));
      }
    };
    http::Staged staged;
    staged.rest = [this, run_in, render] {
      Sns call;
      auto out = run_in(svc.store, call);
      notify(call.touched);
      deliver(std::move(call.deliveries));
      return render(out);
    };
    staged.submit = [this, run_in, render](std::function<void(http::Response, bool)> answer) {
      auto call = std::make_shared<Sns>();
      auto out = std::make_shared<Sns::Outcome>();
      svc.store.run_grouped(
          [call, out, run_in](store::Store& group) { *out = run_in(group, *call); },
          [this, call, out, render, answer = std::move(answer)](bool durable) {
            if (!durable) {
              answer(http::Response{}, false);
              return;
            }
            notify(call->touched);
            deliver(std::move(call->deliveries));
            answer(render(*out), true);
          });
    };
    return staged;
  }

  std::optional<http::Staged> stage_sqs(http::Request& req) {
    auto rest = std::string_view(req.path).substr(kSqsPrefix.size());
    auto slash = rest.find('/');
    std::string region(rest.substr(0, slash));
    auto r = std::make_shared<SqsRequest>();
    r->request_id = req.request_id;
    auto* target = req.header("X-Amz-Target");
    r->json = target != nullptr;
    if (!served_region(region))
      return http::Staged(
          refuse(r->json,
                 aws_error("InvalidAddress",
                           "The address " + req.path + " is not valid for this endpoint.", 404),
                 r->request_id));
    std::string action;
    if (target) {
      constexpr std::string_view kPrefix = "AmazonSQS.";
      if (target->starts_with(kPrefix)) action = target->substr(kPrefix.size());
      boost::system::error_code ec;
      auto body = req.body.empty() ? json::value(json::object{}) : json::parse(req.body, ec);
      if (ec || !body.is_object())
        return http::Staged(json_error(aws_error("SerializationException",
                                                 "Start of structure or map found where not "
                                                 "expected.",
                                                 400, "SerializationException"),
                                       r->request_id));
      r->in = std::move(body.as_object());
    } else {
      r->in = query_to_json(form_params(req));
      action = str_of(r->in, "Action");
    }
    r->action = sqs_action(action);
    if (!r->action)
      return http::Staged(refuse(
          r->json,
          aws_error("InvalidAction", "The action " + action + " is not valid for this endpoint.",
                    400, "InvalidAction"),
          r->request_id));

    // Authentication: a SigV4 signature made with SQS credentials of this region.
    auto tx = svc.store.begin(store::TxMode::kRead);
    std::optional<store::Record> creds;
    auto secret_of = [&](std::string_view ak) -> std::optional<std::string> {
      creds = tx->get_by_key(kSqsCredentialsKind, access_key_key(ak));
      if (!creds || creds->locality != region) return std::nullopt;
      return svc.config.secrets.open(str_of(creds->body, "secret"));
    };
    std::string access_key;
    if (auto e = verify_sigv4(req, "sqs", secret_of, wall_seconds(), &access_key))
      return http::Staged(
          refuse(r->json, aws_error(e->code, e->message, e->status), r->request_id));
    if (!tx->get_by_key(kSqsNamespaceKind, namespace_key(creds->project_id, region)))
      return http::Staged(refuse(r->json,
                                 aws_error("AccessDenied",
                                           "Queues (SQS) is not activated for project " +
                                               creds->project_id + " in " + region + ".",
                                           403, "AccessDenied"),
                                 r->request_id));
    bool manage = bool_of(creds->body, "can_manage");
    bool publish = bool_of(creds->body, "can_publish");
    bool receive = bool_of(creds->body, "can_receive");
    using N = SqsAction::Needs;
    bool allowed = r->action->needs == N::kManage    ? manage
                   : r->action->needs == N::kPublish ? publish
                   : r->action->needs == N::kReceive ? receive
                                                     : manage || publish || receive;
    if (!allowed)
      return http::Staged(
          refuse(r->json,
                 aws_error("AccessDenied",
                           "Access to the resource is denied: these credentials may not " +
                               std::string(r->action->name) + ".",
                           403, "AccessDenied"),
                 r->request_id));

    auto* host = req.header("Host");
    r->proto.organization_id = creds->organization_id;
    r->proto.project_id = creds->project_id;
    r->proto.region = region;
    r->proto.base =
        "http://" + (host ? *host : std::string("127.0.0.1")) + std::string(kSqsPrefix) + region;
    if (slash != std::string_view::npos && slash + 1 < rest.size())
      r->proto.path_queue = r->proto.base + "/" + std::string(rest.substr(slash + 1));
    r->proto.access_key = access_key;

    if (!r->action->writes) {
      Sqs call = r->proto;
      call.now = svc.clock.now();
      return http::Staged(render(*r, (call.*(r->action->run))(*tx, r->in)));
    }
    tx.reset();
    http::Staged staged;
    staged.rest = [this, r] { return blocking(r); };
    staged.submit = [this, r](std::function<void(http::Response, bool)> answer) {
      attempt(r, std::make_shared<std::function<void(http::Response, bool)>>(std::move(answer)));
    };
    return staged;
  }
};

Endpoints::Endpoints(app::Services& svc) : impl_(std::make_unique<Impl>(svc)) {}
Endpoints::~Endpoints() = default;

void Endpoints::stop() {
  {
    std::lock_guard lock(impl_->m);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->blocking_cv.notify_all();
}

std::optional<http::Staged> Endpoints::stage(http::Request& req) {
  std::string_view path = req.path;
  try {
    if (path.starts_with(kSqsPrefix)) return impl_->stage_sqs(req);
    if (path.starts_with(kSnsPrefix)) return impl_->stage_sns(req);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path, e.what());
    return http::Staged(json_error(
        aws_error("InternalFailure", "We encountered an internal error.", 500, "InternalFailure"),
        req.request_id));
  }
  return std::nullopt;
}

}  // namespace scwd::products::mnq

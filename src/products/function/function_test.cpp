#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/util/time.hpp"
#include "products/function/model.hpp"
#include "products/function/queues.hpp"
#include "products/function/runner.hpp"
#include "products/function/zip.hpp"
#include "testing/helpers.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using namespace testing;  // NOLINT: the shared test helpers (str, num, advance, created_id)
using products::function::ZipArchive;

const std::string kR = "/functions/v1beta1/regions/fr-par";

void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

// A zip of stored (uncompressed) entries; `bad_crc` spoils the first entry's checksum.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& files,
                       bool bad_crc = false) {
  std::string out, cd;
  for (auto& [name, data] : files) {
    auto crc = static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    if (bad_crc && &name == &files.front().first) crc ^= 1;
    auto offset = static_cast<std::uint32_t>(out.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);
    put16(out, 0);
    put32(out, 0);
    put32(out, crc);
    put32(out, static_cast<std::uint32_t>(data.size()));
    put32(out, static_cast<std::uint32_t>(data.size()));
    put16(out, static_cast<std::uint32_t>(name.size()));
    put16(out, 0);
    out += name + data;
    put32(cd, 0x02014b50);
    put16(cd, 20);
    put16(cd, 20);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0);
    put32(cd, crc);
    put32(cd, static_cast<std::uint32_t>(data.size()));
    put32(cd, static_cast<std::uint32_t>(data.size()));
    put16(cd, static_cast<std::uint32_t>(name.size()));
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0);
    put32(cd, offset);
    cd += name;
  }
  auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += cd;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(files.size()));
  put16(out, static_cast<std::uint32_t>(files.size()));
  put32(out, static_cast<std::uint32_t>(cd.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

TEST(FunctionZip, ReadsAndExtractsAndRefusesWhatCouldEscape) {
  std::string error;
  auto zip = ZipArchive::open(
      stored_zip({{"handler.js", "export const handle = 1;"}, {"lib/", ""}, {"lib/util.js", "x"}}),
      error);
  ASSERT_TRUE(zip) << error;
  ASSERT_EQ(zip->entries().size(), 3u);
  auto* h = zip->find("handler.js");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(zip->read(*h, error).value_or(""), "export const handle = 1;");
  auto dir =
      std::filesystem::temp_directory_path() / ("scwd-zip-test-" + std::to_string(::getpid()));
  ASSERT_TRUE(zip->extract(dir, error)) << error;
  std::ifstream in(dir / "lib" / "util.js");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "x");
  std::filesystem::remove_all(dir);

  EXPECT_FALSE(ZipArchive::open("not a zip at all, long enough to look", error));
  EXPECT_NE(error.find("not a zip"), std::string::npos);
  EXPECT_FALSE(ZipArchive::open(stored_zip({{"../evil.js", "x"}}), error));
  EXPECT_NE(error.find("unsafe path"), std::string::npos);
  EXPECT_FALSE(ZipArchive::open(stored_zip({{"/etc/passwd", "x"}}), error));
  auto spoiled = ZipArchive::open(stored_zip({{"a.js", "abc"}}, true), error);
  ASSERT_TRUE(spoiled);
  EXPECT_FALSE(spoiled->read(spoiled->entries().front(), error));
  EXPECT_NE(error.find("checksum"), std::string::npos);
}

TEST(FunctionCron, NextTimesOfSchedules) {
  using products::function::next_cron_time;
  auto at = [](const char* t) { return *parse_time(t); };
  EXPECT_EQ(next_cron_time("*/15 * * * *", at("2026-01-01T00:07:30Z")), at("2026-01-01T00:15:00Z"));
  EXPECT_EQ(next_cron_time("0 0 * * *", at("2026-01-01T00:00:00Z")), at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(next_cron_time("0 0 1 jan *", at("2026-03-01T10:00:00Z")), at("2027-01-01T00:00:00Z"));
  // 2026-01-01 is a Thursday: the next Monday noon is the 5th.
  EXPECT_EQ(next_cron_time("0 12 * * mon", at("2026-01-01T00:00:00Z")), at("2026-01-05T12:00:00Z"));
  EXPECT_EQ(next_cron_time("30 8-9 * * 1-5", at("2026-01-02T09:31:00Z")),
            at("2026-01-05T08:30:00Z"));
  EXPECT_EQ(next_cron_time("0 0 29 2 *", at("2026-01-01T00:00:00Z")), at("2028-02-29T00:00:00Z"));
  for (auto bad : {"61 * * * *", "* * *", "a b c d e", "*/0 * * * *", "5-1 * * * *", ""})
    EXPECT_FALSE(next_cron_time(bad, 0)) << bad;
}

TEST(FunctionDurations, ProtobufForms) {
  using products::function::format_duration;
  using products::function::parse_duration;
  EXPECT_EQ(parse_duration("300s"), 300'000'000);
  EXPECT_EQ(parse_duration("300.000000000s"), 300'000'000);
  EXPECT_EQ(parse_duration("1.5s"), 1'500'000);
  EXPECT_FALSE(parse_duration("5m"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_EQ(format_duration(300'000'000), "300s");
  EXPECT_EQ(format_duration(1'500'000), "1.5s");
  EXPECT_EQ(products::function::runtime_language("node22"), "node");
  EXPECT_EQ(products::function::runtime_language("python311"), "python");
  EXPECT_EQ(products::function::runtime_language("go124"), "");
  EXPECT_EQ(products::function::handler_parts("src/app.main").first, "src/app");
}

http::Response send(TestApp& t, std::string method, std::string target, std::string body,
                    http::Headers headers) {
  http::Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  http::parse_target(req.target, req.path, req.query);
  req.headers = std::move(headers);
  req.body = std::move(body);
  req.request_id = new_uuid();
  req.remote = "127.0.0.1";
  return t.app().handle(req);
}

TEST(Functions, NamespaceFunctionUploadAndDeployChecks) {
  TestApp t;
  auto org = t.identity().organization_id;
  auto ns = created_id(t, kR + "/namespaces",
                       R"({"name":"unit","project_id":")" + org +
                           R"(","secret_environment_variables":[{"key":"K","value":"hidden"}]})");
  ASSERT_FALSE(ns.empty());
  auto got = t.call("GET", kR + "/namespaces/" + ns);
  EXPECT_EQ(str(got.json, "status"), "pending");
  EXPECT_EQ(got.raw.body.find("hidden"), std::string::npos);
  advance(t, 6);
  EXPECT_EQ(str(t.call("GET", kR + "/namespaces/" + ns).json, "status"), "ready");

  // The platform's own 404 shape, for unknown and malformed ids alike.
  auto missing = t.call("GET", kR + "/functions/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::serialize(missing.json), R"({"message":"Function was not found"})");
  EXPECT_EQ(t.call("GET", kR + "/crons/nope").status, 404);

  // Nothing changes on a refused create.
  auto bad = t.call(
      "POST", kR + "/functions",
      R"({"namespace_id":")" + ns + R"(","name":"f","runtime":"node22","memory_limit":100})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(num(t.call("GET", kR + "/functions?namespace_id=" + ns).json, "total_count"), 0);

  auto fn = created_id(t, kR + "/functions",
                       R"({"namespace_id":")" + ns + R"(","name":"f","runtime":"node22"})");
  ASSERT_FALSE(fn.empty());
  auto f = t.call("GET", kR + "/functions/" + fn).json;
  EXPECT_EQ(str(f, "status"), "created");
  EXPECT_EQ(num(f, "cpu_limit"), 140);

  // Deploy without code: error, with the reason.
  EXPECT_EQ(t.call("POST", kR + "/functions/" + fn + "/deploy", "{}").status, 200);
  advance(t, 2);
  f = t.call("GET", kR + "/functions/" + fn).json;
  EXPECT_EQ(str(f, "status"), "error");
  EXPECT_NE(str(f, "error_message").find("no code"), std::string::npos);

  auto zip = stored_zip({{"handler.js", "export function handle() { return 1; }"}});
  auto up = t.call(
      "GET", kR + "/functions/" + fn + "/upload-url?content_length=" + std::to_string(zip.size()));
  ASSERT_EQ(up.status, 200) << up.raw.body;
  auto url = str(up.json, "url");
  auto path = url.substr(url.find("/serverless-code/"));
  http::Headers h = {{"Content-Type", "application/octet-stream"},
                     {"Content-Length", std::to_string(zip.size())}};
  // A body of another length than signed, or another function's path, is refused.
  auto longer = h;
  longer[1].second = std::to_string(zip.size() + 1);
  EXPECT_EQ(send(t, "PUT", path, zip + "x", longer).status, 403);
  auto other = path;
  other.replace(other.find(fn), fn.size(), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(send(t, "PUT", other, zip, h).status, 403);
  auto forged = path.substr(0, path.find("signature=")) + "signature=abc";
  EXPECT_EQ(send(t, "PUT", forged, zip, h).status, 403);
  EXPECT_EQ(send(t, "PUT", path, zip, h).status, 200);

  // A handler naming a missing file: error; the right one: ready.
  EXPECT_EQ(t.call("PATCH", kR + "/functions/" + fn, R"({"handler":"nope.handle"})").status, 200);
  advance(t, 2);
  f = t.call("GET", kR + "/functions/" + fn).json;
  EXPECT_EQ(str(f, "status"), "error");
  EXPECT_NE(str(f, "error_message").find("nope.js"), std::string::npos);
  EXPECT_EQ(t.call("PATCH", kR + "/functions/" + fn, R"({"handler":"handler.handle"})").status,
            200);
  EXPECT_EQ(str(t.call("GET", kR + "/functions/" + fn).json, "status"), "pending");
  advance(t, 100);
  f = t.call("GET", kR + "/functions/" + fn).json;
  EXPECT_EQ(str(f, "status"), "ready");
  EXPECT_TRUE(f.as_object().at("error_message").is_null());
  EXPECT_FALSE(f.as_object().at("ready_at").is_null());

  // Private: no token, no call (checked before any worker runs).
  EXPECT_EQ(t.call("PATCH", kR + "/functions/" + fn, R"({"privacy":"private"})").status, 200);
  advance(t, 100);
  auto host = str(f, "domain_name");
  auto denied = send(t, "GET", "/", "", {{"Host", host}});
  EXPECT_EQ(denied.status, 403) << denied.body;

  // Deleting the namespace takes its functions and their children.
  auto cron = created_id(t, kR + "/crons",
                         R"({"function_id":")" + fn + R"(","schedule":"0 * * * *","args":{}})");
  ASSERT_FALSE(cron.empty());
  EXPECT_EQ(str(t.call("DELETE", kR + "/namespaces/" + ns).json, "status"), "deleting");
  EXPECT_EQ(str(t.call("GET", kR + "/functions/" + fn).json, "status"), "deleting");
  advance(t, 10);
  EXPECT_EQ(t.call("GET", kR + "/functions/" + fn).status, 404);
  EXPECT_EQ(t.call("GET", kR + "/crons/" + cron).status, 404);
}

// Messaging's side of trigger delivery, as a test double: one queue's messages.
class FakeQueues final : public products::function::MessageQueues {
 public:
  std::vector<products::function::QueueMessage> take(std::string_view project,
                                                     std::string_view region,
                                                     std::string_view queue, int max,
                                                     Micros) override {
    std::lock_guard lock(mu);
    std::vector<products::function::QueueMessage> out;
    if (project != want_project || region != "fr-par" || queue != "jobs") return out;
    while (!waiting.empty() && static_cast<int>(out.size()) < max) {
      out.push_back(waiting.back());
      waiting.pop_back();
    }
    return out;
  }
  void done(std::string_view, std::string_view, std::string_view,
            std::string_view receipt) override {
    std::lock_guard lock(mu);
    acked.emplace_back(receipt);
  }
  std::mutex mu;
  std::string want_project;
  std::vector<products::function::QueueMessage> waiting;
  std::vector<std::string> acked;
};

TEST(Functions, SqsTriggerDeliversQueuedMessages) {
  FakeQueues queues;
  TestApp t;
  // After the App, whose Messaging module hands over its own queues.
  products::function::set_message_queues(&queues);
  auto org = t.identity().organization_id;
  queues.want_project = org;
  queues.waiting = {{"r-1", "first message"}};
  auto ns = created_id(t, kR + "/namespaces", R"({"name":"q","project_id":")" + org + R"("})");
  auto fn = created_id(t, kR + "/functions",
                       R"({"namespace_id":")" + ns + R"(","name":"q","runtime":"node22"})");
  ASSERT_FALSE(fn.empty());
  auto zip = stored_zip(
      {{"handler.js", "export function handle(e) { console.log('got', e.body); return 1; }"}});
  auto up = t.call(
      "GET", kR + "/functions/" + fn + "/upload-url?content_length=" + std::to_string(zip.size()));
  auto url = str(up.json, "url");
  ASSERT_EQ(send(t, "PUT", url.substr(url.find("/serverless-code/")), zip,
                 {{"Content-Type", "application/octet-stream"},
                  {"Content-Length", std::to_string(zip.size())}})
                .status,
            200);
  EXPECT_EQ(t.call("POST", kR + "/functions/" + fn + "/deploy", "{}").status, 200);
  auto trigger = created_id(t, kR + "/triggers",
                            R"({"name":"t","function_id":")" + fn +
                                R"(","scw_sqs_config":{"queue":"jobs","mnq_project_id":")" + org +
                                R"(","mnq_region":"fr-par"}})");
  ASSERT_FALSE(trigger.empty());
  advance(t, 100);
  ASSERT_EQ(str(t.call("GET", kR + "/triggers/" + trigger).json, "status"), "ready");
  bool acked = false;
  for (int i = 0; i < 100 && !acked; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::lock_guard lock(queues.mu);
    acked = queues.acked == std::vector<std::string>{"r-1"};
  }
  EXPECT_TRUE(acked) << "the message was handled and deleted";
  auto logs = t.call("GET", "/_scwd/functions/" + fn + "/logs");
  ASSERT_EQ(num(logs.json, "total_count"), 1) << logs.raw.body;
  auto& entry = logs.json.at("logs").at(0);
  EXPECT_EQ(str(entry, "trigger"), "sqs");
  EXPECT_NE(str(entry, "output").find("got first message"), std::string::npos);
  products::function::set_message_queues(nullptr);
}

}  // namespace
}  // namespace scwd

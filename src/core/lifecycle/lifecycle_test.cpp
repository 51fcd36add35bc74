#include "core/lifecycle/lifecycle.hpp"
#include "core/lifecycle/settled_store.hpp"

#include <gtest/gtest.h>

#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "testing/test_env.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using lifecycle::Engine;
using lifecycle::Speed;
using lifecycle::Step;

store::Record thing(std::string id, Micros now) {
  store::Record r;
  r.kind = "test.thing";
  r.id = std::move(id);
  r.organization_id = "org";
  r.project_id = "proj";
  r.created_at = r.updated_at = now;
  return r;
}

const std::vector<Step> kBoot = {{"starting", 0, "allocating node"},
                                 {"starting", 2'000'000, "provisioning node"},
                                 {"running", 8'000'000, "booting kernel"}};

// Stores thing `id` (in `state` first, when given) with its lifecycle started now on `steps`;
// that now.
Micros insert_started(testing::TestApp& t, const std::string& id, const std::vector<Step>& steps,
                      const std::string& detail_field = {}, const std::string& state = {}) {
  auto now = t.clock().now();
  t.store().write([&](store::Tx& tx) {
    auto r = thing(id, now);
    if (!state.empty()) r.state = state;
    t.app().lifecycle().start(r, now, steps, detail_field);
    tx.insert(r);
    return true;
  });
  return now;
}

TEST(LifecycleSpeed, Parses) {
  EXPECT_EQ(Speed::parse("instant")->factor, 0.0);
  EXPECT_EQ(Speed::parse("fast")->factor, 0.1);
  EXPECT_EQ(Speed::parse("realistic")->factor, 1.0);
  EXPECT_EQ(Speed::parse("0.5")->factor, 0.5);
  EXPECT_FALSE(Speed::parse("slow"));
  EXPECT_FALSE(Speed::parse("-1"));
  EXPECT_EQ(Speed{0.1}.name(), "fast");
}

TEST(Lifecycle, StartEntersFirstStepAndStoresTheRest) {
  testing::TestApp t;
  Engine& e = t.app().lifecycle();
  auto now = t.clock().now();
  auto r = thing("a", now);
  e.start(r, now, kBoot, "state_detail");
  EXPECT_EQ(r.state, "starting");
  EXPECT_EQ(r.body.at("state_detail").as_string(), "allocating node");
  ASSERT_TRUE(r.due_at);
  EXPECT_EQ(*r.due_at, now + 2'000'000);
  EXPECT_EQ(Engine::target(r), "running");
}

TEST(Lifecycle, SettlesOnTheClockAndCallsHooks) {
  testing::TestApp t;
  Engine& e = t.app().lifecycle();
  std::vector<std::string> entered;
  e.on_enter("test.thing", [&](store::Tx&, store::Record& r, const Step& s, Micros) {
    entered.push_back(s.state + "/" + s.detail);
    if (s.state == "running") r.body["location"] = "here";
  });
  insert_started(t, "a", kBoot, "state_detail");
  // Nothing due yet.
  e.settle_due(t.store());
  EXPECT_TRUE(entered.empty());
  t.clock().advance(3'000'000);
  e.settle_due(t.store());
  ASSERT_EQ(entered.size(), 1u);
  EXPECT_EQ(entered[0], "starting/provisioning node");
  t.clock().advance(60'000'000);
  e.settle_due(t.store());
  ASSERT_EQ(entered.size(), 2u);
  auto tx = t.store().begin(store::TxMode::kRead);
  auto r = tx->get("test.thing", "a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, "running");
  EXPECT_EQ(r->body.at("state_detail").as_string(), "booting kernel");
  EXPECT_EQ(r->body.at("location").as_string(), "here");
  EXPECT_FALSE(r->due_at);
  EXPECT_FALSE(r->body.contains("_lc"));
}

TEST(Lifecycle, InstantSpeedSettlesAtOnceAndDeletedRemoves) {
  testing::TestApp t;
  Engine& e = t.app().lifecycle();
  e.set_speed(Speed{0.0});
  insert_started(t, "b",
                 {{"stopping", 0, "terminating"}, {std::string(lifecycle::kDeleted), 5'000'000}},
                 {}, "running");
  EXPECT_EQ(t.store().begin(store::TxMode::kRead)->get("test.thing", "b")->state, "stopping");
  e.settle_due(t.store());
  EXPECT_FALSE(t.store().begin(store::TxMode::kRead)->get("test.thing", "b"));
}

TEST(Lifecycle, LoadSettlesInsideAWriteTransaction) {
  testing::TestApp t;
  Engine& e = t.app().lifecycle();
  insert_started(t, "c", {{"creating", 0}, {"ready", 1'000'000}});
  t.clock().advance(2'000'000);
  std::optional<store::Record> got;
  t.store().write([&](store::Tx& tx) {
    got = e.load(tx, "test.thing", "c");
    return true;
  });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, "ready");
  EXPECT_EQ(t.store().begin(store::TxMode::kRead)->get("test.thing", "c")->state, "ready");
}

TEST(Lifecycle, ClockAdvanceIsOwnerOnlyAndSettles) {
  testing::TestApp t;
  auto r = t.call("POST", "/_scwd/clock/advance", R"({"seconds": 30})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.json.at("offset_seconds").as_double(), 30.0);
  EXPECT_EQ(t.call("POST", "/_scwd/clock/advance", R"({"seconds": -1})").status, 400);
  EXPECT_EQ(t.call("POST", "/_scwd/clock/advance", R"({})").status, 400);
  EXPECT_EQ(t.call("POST", "/_scwd/clock/advance", R"({"seconds": 1})", "").status, 401);
  EXPECT_EQ(t.call("GET", "/_scwd/clock").json.at("lifecycle_speed").as_string(), "realistic");
}

TEST(Quota, CountsOwnedRecordsAndHonoursOverrides) {
  testing::TestApp t;
  quota::Quota q{"test_things", {"test.thing"}, 2};
  auto now = t.clock().now();
  t.store().write([&](store::Tx& tx) {
    auto a = thing("a", now);
    auto b = thing("b", now);
    tx.insert(a);
    EXPECT_FALSE(quota::check(tx, t.config(), q, "org"));
    tx.insert(b);
    auto e = quota::check(tx, t.config(), q, "org");
    EXPECT_TRUE(e);
    EXPECT_EQ(e->status(), 403);
    t.config().quotas["test_things"] = 3;
    EXPECT_FALSE(quota::check(tx, t.config(), q, "org"));
    EXPECT_TRUE(quota::check(tx, t.config(), q, "org", 2));
    return false;
  });
}

TEST(LegacyPaging, HeadersEchoTheQuery) {
  http::Request req;
  req.target = "/servers?page=2&per_page=10&order=creation_date_desc&name=a%20b";
  http::parse_target(req.target, req.path, req.query);
  auto p = paging::read_legacy(req);
  ASSERT_TRUE(p);
  http::Response res;
  paging::legacy_headers(res, req, "/servers", *p, 35);
  ASSERT_EQ(res.headers.size(), 2u);
  EXPECT_EQ(res.headers[0].second, "35");
  EXPECT_EQ(res.headers[1].second,
            "</servers?page=1&per_page=10&order=creation_date_desc&name=a%20b>; rel=\"first\","
            "</servers?page=1&per_page=10&order=creation_date_desc&name=a%20b>; rel=\"previous\","
            "</servers?page=3&per_page=10&order=creation_date_desc&name=a%20b>; rel=\"next\","
            "</servers?page=4&per_page=10&order=creation_date_desc&name=a%20b>; rel=\"last\"");
  http::Request empty;
  empty.target = "/ips";
  http::parse_target(empty.target, empty.path, empty.query);
  http::Response res2;
  paging::legacy_headers(res2, empty, "/ips", *paging::read_legacy(empty), 0);
  EXPECT_EQ(res2.headers[1].second, "</ips?page=0&per_page=50>; rel=\"last\"");
  req.query = {{"per_page", "101"}};
  EXPECT_FALSE(paging::read_legacy(req));
}

}  // namespace
}  // namespace scwd

namespace scwd {
namespace {

TEST(Lifecycle, AFailingHookDoesNotBlockTheOthers) {
  testing::TestApp t;
  lifecycle::Engine& e = t.app().lifecycle();
  e.on_enter("test.thing", [&](store::Tx&, store::Record& r, const lifecycle::Step&, Micros) {
    if (r.id == "bad") throw std::runtime_error("hook failed");
  });
  auto now = t.clock().now();
  t.store().write([&](store::Tx& tx) {
    for (auto id : {"bad", "good"}) {
      store::Record r;
      r.kind = "test.thing";
      r.id = id;
      r.organization_id = "org";
      e.start(r, now, {{"creating", 0}, {"ready", 1'000'000}});
      tx.insert(r);
    }
    return true;
  });
  t.clock().advance(2'000'000);
  e.settle_due(t.store());
  auto tx = t.store().begin(store::TxMode::kRead);
  EXPECT_EQ(tx->get("test.thing", "good")->state, "ready");
  EXPECT_EQ(tx->get("test.thing", "bad")->state, "creating");
  // Requests keep working.
  EXPECT_EQ(t.call("GET", "/account/v3/projects").status, 200);
}

}  // namespace
}  // namespace scwd

namespace scwd {
namespace {

TEST(Lifecycle, ReadsSeeTheSettledViewWithoutWriting) {
  testing::TestApp t;
  auto now = insert_started(t, "v", kBoot, "state_detail");
  t.clock().advance(3'000'000);
  auto& handlers_store = t.app().services().store;  // what handlers see
  auto seen = handlers_store.begin(store::TxMode::kRead)->get("test.thing", "v");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->state, "starting");
  EXPECT_EQ(seen->body.at("state_detail").as_string(), "provisioning node");
  EXPECT_EQ(*seen->due_at, now + 10'000'000);
  t.clock().advance(10'000'000);
  auto listed = handlers_store.begin(store::TxMode::kRead)->list({.kind = "test.thing"});
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0].state, "running");
  EXPECT_FALSE(listed.items[0].due_at);
  // Nothing was written: the stored record still waits for its steps.
  auto stored = t.store().begin(store::TxMode::kRead)->get("test.thing", "v");
  EXPECT_EQ(stored->state, "starting");
  EXPECT_EQ(stored->body.at("state_detail").as_string(), "allocating node");
  EXPECT_EQ(stored->version, 1);
}

TEST(Lifecycle, TheViewOfADeletionHidesTheRecord) {
  testing::TestApp t;
  Engine& e = t.app().lifecycle();
  auto now = t.clock().now();
  auto r = thing("gone", now);
  e.start(r, now, {{"deleting", 0}, {std::string(lifecycle::kDeleted), 1'000'000}});
  t.store().write([&](store::Tx& tx) {
    tx.insert(r);
    return true;
  });
  auto copy = r;
  EXPECT_FALSE(Engine::view(copy, now));  // nothing due yet
  EXPECT_TRUE(Engine::view(copy, now + 1'000'000));
  EXPECT_EQ(copy.state, lifecycle::kDeleted);
  t.clock().advance(2'000'000);
  auto tx = t.app().services().store.begin(store::TxMode::kRead);
  EXPECT_FALSE(tx->get("test.thing", "gone"));
  auto listed = tx->list({.kind = "test.thing"});
  EXPECT_TRUE(listed.items.empty());
  EXPECT_EQ(listed.total, 0);
}

TEST(Lifecycle, AReadRouteCannotWrite) {
  testing::TestApp t;
  auto& s = t.app().services().store;
  {
    lifecycle::ReadOnlyScope read_only;
    EXPECT_THROW(s.write([](store::Tx&) { return true; }), std::logic_error);
    EXPECT_THROW(s.begin(store::TxMode::kWrite), std::logic_error);
    auto tx = s.begin(store::TxMode::kRead);
    auto r = thing("w", t.clock().now());
    EXPECT_THROW(tx->insert(r), std::logic_error);
  }
  EXPECT_FALSE(lifecycle::ReadOnlyScope::active());
  s.write([&](store::Tx& tx) {
    auto r = thing("w", t.clock().now());
    tx.insert(r);
    return true;
  });
  EXPECT_TRUE(t.store().begin(store::TxMode::kRead)->get("test.thing", "w"));
}

}  // namespace
}  // namespace scwd

#include "core/meter/meter.hpp"

#include <gtest/gtest.h>

#include "core/store/sqlite/sqlite_store.hpp"
#include "core/util/ids.hpp"
#include "testing/temp_dir.hpp"

namespace scwd::meter {
namespace {

constexpr std::string_view kOrg = "11111111-1111-4111-8111-111111111111";
constexpr std::string_view kProject = "22222222-2222-4222-8222-222222222222";

// 0.0088 EUR per hour billed by the minute, while the thing is "on".
Sku minutes() {
  return Sku{.sku = "/test/thing",
             .category = "Compute",
             .product_name = "THING",
             .resource_name = "THING - TEST",
             .unit = "minute",
             .unit_length = kMinute,
             .price_nanos = 8'800'000,
             .price_per = 60};
}

class Ledger : public ::testing::Test {
 protected:
  void SetUp() override {
    declare("test.thing", [](const store::Record& r) -> std::vector<Usage> {
      if (r.state != "on") return {};
      return {{minutes(), 1}};
    });
    raw_ = store::open_sqlite({(dir_.path() / "t.db").string()});
    metered_ = std::make_unique<MeteredStore>(*raw_, clock_);
  }

  store::Record thing(std::string state) {
    store::Record r;
    r.kind = "test.thing";
    r.id = new_uuid();
    r.organization_id = std::string(kOrg);
    r.project_id = std::string(kProject);
    r.state = std::move(state);
    r.created_at = r.updated_at = clock_.now();
    return r;
  }
  void write(const std::function<void(store::Tx&)>& fn) {
    metered_->write([&](store::Tx& tx) {
      fn(tx);
      return true;
    });
  }
  std::vector<Line> lines(Micros from, Micros to) {
    auto tx = raw_->begin(store::TxMode::kRead);
    return consumption(*tx, kOrg, "", from, to, clock_.now());
  }

  testing::TempDir dir_;
  Clock clock_;
  std::unique_ptr<store::Store> raw_;
  std::unique_ptr<MeteredStore> metered_;
};

TEST_F(Ledger, IntervalsFollowTheStateAndCountWholeStartedUnits) {
  Micros t0 = clock_.now();
  auto r = thing("on");
  write([&](store::Tx& tx) { tx.insert(r); });
  clock_.advance(90 * kMinute + 5'000'000);  // 90 min 5 s
  r.state = "off";
  r.updated_at = clock_.now();
  write([&](store::Tx& tx) { tx.update(r); });
  clock_.advance(60 * kMinute);  // off: nothing accrues
  auto l = lines(t0 - kMinute, clock_.now() + kMinute);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].quantity, 90);  // to the nearest minute
  EXPECT_EQ(l[0].project_id, kProject);
  // 90 minutes at 0.0088 EUR/h = 0.0132 -> 0.01 EUR
  EXPECT_EQ(l[0].value_nanos, 10'000'000);

  // Back on, then removed: the interval closes at the removal.
  r.state = "on";
  r.updated_at = clock_.now();
  write([&](store::Tx& tx) { tx.update(r); });
  clock_.advance(30 * kMinute);
  write([&](store::Tx& tx) { tx.remove("test.thing", r.id); });
  clock_.advance(30 * kMinute);
  l = lines(t0 - kMinute, clock_.now() + kMinute);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].quantity, 120);
}

TEST_F(Ledger, RunningUsageCountsUpToNowAndPeriodsClipIt) {
  auto p = period_of(clock_.now());
  auto r = thing("on");
  r.created_at = r.updated_at = p.start;  // started with the month
  write([&](store::Tx& tx) { tx.insert(r); });
  auto l = lines(p.start, p.end);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].quantity,
            std::max<std::int64_t>(1, (clock_.now() - p.start + kMinute / 2) / kMinute));
  // The previous month saw nothing.
  auto before =
      *parse_period(p.month == 1 ? std::to_string(p.year - 1) + "-12"
                                 : std::to_string(p.year) + "-" + (p.month <= 10 ? "0" : "") +
                                       std::to_string(p.month - 1));
  EXPECT_TRUE(lines(before.start, before.end).empty());
  EXPECT_EQ(before.end, p.start);
}

TEST_F(Ledger, CountsAddUpPerHour) {
  Sku requests{.sku = "/test/requests",
               .category = "Serverless",
               .unit = "request",
               .price_nanos = 400'000'000,  // 0.40 EUR per thousand
               .price_per = 1000};
  write([&](store::Tx& tx) { count(tx, kOrg, kProject, "fr-par", requests, 400, clock_.now()); });
  write([&](store::Tx& tx) { count(tx, kOrg, kProject, "fr-par", requests, 600, clock_.now()); });
  auto l = lines(clock_.now() - 3'600'000'000, clock_.now() + 3'600'000'000);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].quantity, 1000);
  EXPECT_EQ(l[0].value_nanos, 400'000'000);
}

TEST(Meter, PricesRoundHalfUpToTheCent) {
  Sku s{.price_nanos = 55'000'000, .price_per = 60};  // 0.055 EUR/h by the minute
  EXPECT_EQ(price(s, 180), 170'000'000);              // 0.165 -> 0.17
  EXPECT_EQ(price(s, 60), 60'000'000);                // 0.055 -> 0.06
  EXPECT_EQ(price(s, 0), 0);
}

TEST(Meter, PeriodsAreCalendarMonths) {
  auto p = parse_period("2024-02");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->start, *parse_time("2024-02-01T00:00:00Z"));
  EXPECT_EQ(p->end, *parse_time("2024-03-01T00:00:00Z"));
  auto d = parse_period("2024-12");
  ASSERT_TRUE(d);
  EXPECT_EQ(next_period(*d).start, *parse_time("2025-01-01T00:00:00Z"));
  EXPECT_EQ(period_of(*parse_time("2024-12-31T23:59:59Z")).month, 12);
  EXPECT_FALSE(parse_period("2024-13"));
  EXPECT_FALSE(parse_period("2024-1"));
  EXPECT_FALSE(parse_period("24-01-01"));
}

}  // namespace
}  // namespace scwd::meter

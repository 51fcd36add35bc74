// quota::check's turns on a shared store: side by side far from the limit (one lane), alone near
// it (every lane), and the count taken after the turn decides.
#include "core/quota/quota.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace scwd::quota {
namespace {

// A transaction of a store with lanes: count_owned answers `committed`, and each count may see
// more committed (what others committed while this check waited for its turn).
class LanesTx final : public store::Tx {
 public:
  int lanes = 8;
  std::vector<std::int64_t> counts;  // successive answers of count_owned
  std::vector<bool> holds;           // exclusive flag of each hold_quota call

  int quota_lanes() const override { return lanes; }
  void hold_quota(std::string_view, std::string_view, bool exclusive) override {
    holds.push_back(exclusive);
  }
  std::int64_t count_owned(std::string_view, std::string_view, std::string_view) override {
    auto n = counts.at(std::min(calls_, counts.size() - 1));
    ++calls_;
    return n;
  }

  std::optional<store::Record> get(std::string_view, std::string_view) override { return {}; }
  std::optional<store::Record> get_by_key(std::string_view, std::string_view) override {
    return {};
  }
  void insert(store::Record&) override {}
  void update(store::Record&) override {}
  bool remove(std::string_view, std::string_view) override { return false; }
  store::ListResult list(const store::ListQuery&) override { return {}; }
  std::int64_t count(const store::ListQuery&) override { return 0; }
  std::int64_t count_in_project(std::string_view, const std::vector<std::string>&) override {
    return 0;
  }
  void commit() override {}

 private:
  std::size_t calls_ = 0;
};

const Quota kQuota{"things", {"test.thing"}, 1000};
const app::Config kConfig{};

TEST(QuotaLanes, FarFromTheLimitAChecksHoldsOneLane) {
  LanesTx tx;
  tx.counts = {10};
  EXPECT_FALSE(check(tx, kConfig, kQuota, "org"));
  EXPECT_EQ(tx.holds, std::vector<bool>{false});
}

TEST(QuotaLanes, NearTheLimitACheckRunsAloneAndCountsExactly) {
  LanesTx tx;
  tx.counts = {990, 999};  // 990 + 1 + 7 * 16 > 1000: alone; then 999 committed
  EXPECT_FALSE(check(tx, kConfig, kQuota, "org"));
  EXPECT_EQ(tx.holds, std::vector<bool>{true});
  LanesTx full;
  full.counts = {990, 1000};
  auto e = check(full, kConfig, kQuota, "org");
  ASSERT_TRUE(e);
  EXPECT_EQ(full.holds, std::vector<bool>{true});
}

TEST(QuotaLanes, ACheckThatCameNearWhileWaitingTakesEveryLane) {
  LanesTx tx;
  tx.counts = {10, 950, 960};  // far, then near once its lane is held
  EXPECT_FALSE(check(tx, kConfig, kQuota, "org"));
  EXPECT_EQ(tx.holds, (std::vector<bool>{false, true}));
}

TEST(QuotaLanes, AddingManyRunsAlone) {
  LanesTx tx;
  tx.counts = {0};
  EXPECT_FALSE(check(tx, kConfig, kQuota, "org", 17));
  EXPECT_EQ(tx.holds, std::vector<bool>{true});
}

TEST(QuotaLanes, OneLaneTakesNoTurns) {
  LanesTx tx;
  tx.lanes = 1;
  tx.counts = {1000};
  EXPECT_TRUE(check(tx, kConfig, kQuota, "org"));
  EXPECT_TRUE(tx.holds.empty());
}

}  // namespace
}  // namespace scwd::quota

// The contract of store.hpp, run against every back end (kBackends): records and their versions,
// unique keys, filters of every operator and typed value, orders, paging and totals, the owner
// counters, rollback, a refused write leaving its transaction usable, write() grouping and
// transact() retries. What only one back end does (files, migrations, its list drivers) is tested
// beside it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/store/postgres/pg_store.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "core/store/store.hpp"
#include "testing/pg_database.hpp"
#include "testing/temp_dir.hpp"

namespace scwd::store {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A back end under test: how to open a fresh store in an empty directory (or, for PostgreSQL,
// in a database of its own), and whether it groups writes on a thread of its own (run_grouped).
struct Backend {
  std::string name;
  std::function<std::unique_ptr<Store>(const std::filesystem::path& dir)> open;
  bool groups = false;
  bool needs_cluster = false;
};

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

const Backend kBackends[] = {
    {"sqlite",
     [](const std::filesystem::path& dir) { return open_sqlite({(dir / "scwd.db").string()}); },
     true},
    {"postgres", nullptr, false, true},
};

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().needs_cluster) {
      store_ = GetParam().open(dir_.path());
      return;
    }
    auto cluster = testing::pg_cluster();
    if (!cluster) GTEST_SKIP() << "SCWD_TEST_PG is not set (scripts/pg-cluster.sh)";
    database_.emplace(*cluster);
    store_ = open_postgres({database_->url()});
  }
  void TearDown() override { store_.reset(); }

  static Record make(std::string kind, std::string id, std::string name = {},
                     std::int64_t created_at = 0) {
    Record r;
    r.kind = std::move(kind);
    r.id = std::move(id);
    r.organization_id = "org-1";
    r.project_id = "proj-1";
    r.name = std::move(name);
    r.created_at = r.updated_at = created_at;
    r.body = json::object{{"id", r.id}};
    return r;
  }

  void insert_all(std::vector<Record> records) {
    auto tx = store_->begin(TxMode::kWrite);
    for (auto& r : records) tx->insert(r);
    tx->commit();
  }

  std::optional<Record> get(std::string_view kind, std::string_view id) {
    return store_->begin(TxMode::kRead)->get(kind, id);
  }

  ListResult list(const ListQuery& q) { return store_->begin(TxMode::kRead)->list(q); }

  // Ids of the listed records, in order.
  std::vector<std::string> ids(const ListQuery& q) {
    std::vector<std::string> out;
    for (auto& r : list(q).items) out.push_back(r.id);
    return out;
  }

  static ListQuery query(std::string kind, std::vector<Filter> filters = {}) {
    ListQuery q;
    q.kind = std::move(kind);
    q.filters = std::move(filters);
    return q;
  }

  // Runs jobs through run_grouped and waits until every done() was called.
  std::vector<bool> run(std::vector<std::function<void(Store&)>> jobs) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<bool> out(jobs.size());
    std::size_t left = jobs.size();
    for (std::size_t i = 0; i < jobs.size(); ++i)
      store_->run_grouped(jobs[i], [&, i](bool ok) {
        std::lock_guard lk(mu);
        out[i] = ok;
        --left;
        cv.notify_all();
      });
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return left == 0; });
    return out;
  }

  testing::TempDir dir_;
  std::optional<testing::PgDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformance, InsertGetUpdateRemove) {
  Record r = make("test.thing", "t-1", "first", 1000);
  r.locality = "fr-par-1";
  r.parent_id = "parent-1";
  r.state = "starting";
  r.updated_at = 2000;
  r.due_at = 5000;
  r.tags = {"a", "b=c"};
  r.body = json::object{{"id", "t-1"}, {"nested", json::object{{"n", 3}}}, {"list", {1, "x"}}};
  {
    auto tx = store_->begin(TxMode::kWrite);
    tx->insert(r);
    EXPECT_EQ(r.version, 1);
    tx->commit();
  }
  auto got = get("test.thing", "t-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, "test.thing");
  EXPECT_EQ(got->id, "t-1");
  EXPECT_EQ(got->organization_id, "org-1");
  EXPECT_EQ(got->project_id, "proj-1");
  EXPECT_EQ(got->locality, "fr-par-1");
  EXPECT_EQ(got->name, "first");
  EXPECT_EQ(got->parent_id, "parent-1");
  EXPECT_EQ(got->state, "starting");
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 2000);
  EXPECT_EQ(got->due_at, 5000);
  EXPECT_EQ(got->version, 1);
  EXPECT_THAT(got->tags, ElementsAre("a", "b=c"));
  EXPECT_EQ(got->body, r.body);

  EXPECT_FALSE(get("test.thing", "t-2"));
  EXPECT_FALSE(get("test.other", "t-1"));

  got->name = "second";
  got->state = "running";
  got->due_at.reset();
  got->updated_at = 3000;
  got->body["nested"].as_object()["n"] = 4;
  {
    auto tx = store_->begin(TxMode::kWrite);
    tx->update(*got);
    EXPECT_EQ(got->version, 2);
    tx->commit();
  }
  auto again = get("test.thing", "t-1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->name, "second");
  EXPECT_EQ(again->state, "running");
  EXPECT_EQ(again->due_at, std::nullopt);
  EXPECT_EQ(again->updated_at, 3000);
  EXPECT_EQ(again->created_at, 1000);
  EXPECT_EQ(again->version, 2);
  EXPECT_EQ(again->body.at("nested").at("n").as_int64(), 4);

  {
    auto tx = store_->begin(TxMode::kWrite);
    EXPECT_TRUE(tx->remove("test.thing", "t-1"));
    EXPECT_FALSE(tx->remove("test.thing", "t-1"));
    EXPECT_FALSE(tx->remove("test.thing", "never"));
    tx->commit();
  }
  EXPECT_FALSE(get("test.thing", "t-1"));
}

TEST_P(StoreConformance, WritesInAReadTransactionFail) {
  auto tx = store_->begin(TxMode::kRead);
  Record r = make("test.thing", "t-1");
  EXPECT_THROW(tx->insert(r), StoreError);
  EXPECT_THROW(tx->update(r), StoreError);
  EXPECT_THROW(tx->remove("test.thing", "t-1"), StoreError);
}

TEST_P(StoreConformance, VersionBumpAndConflictOnStaleUpdate) {
  insert_all({make("test.thing", "t-1", "v1")});
  auto a = get("test.thing", "t-1");
  auto b = get("test.thing", "t-1");
  ASSERT_TRUE(a && b);
  for (int i = 0; i < 3; ++i) {
    auto tx = store_->begin(TxMode::kWrite);
    a->name = "v" + std::to_string(i + 2);
    tx->update(*a);
    tx->commit();
  }
  EXPECT_EQ(a->version, 4);
  EXPECT_EQ(get("test.thing", "t-1")->version, 4);

  b->name = "lost";
  {
    auto tx = store_->begin(TxMode::kWrite);
    EXPECT_THROW(tx->update(*b), Conflict);
  }
  EXPECT_EQ(b->version, 1);  // not bumped by a failed update
  EXPECT_EQ(get("test.thing", "t-1")->name, "v4");

  Record ghost = make("test.thing", "ghost");
  ghost.version = 1;
  auto tx = store_->begin(TxMode::kWrite);
  EXPECT_THROW(tx->update(ghost), Conflict);
}

TEST_P(StoreConformance, DuplicateKeyOnSameId) {
  insert_all({make("test.thing", "t-1")});
  {
    auto tx = store_->begin(TxMode::kWrite);
    Record dup = make("test.thing", "t-1", "dup");
    EXPECT_THROW(tx->insert(dup), DuplicateKey);
  }
  // The same id in another kind is another record.
  EXPECT_NO_THROW(insert_all({make("test.other", "t-1")}));
  EXPECT_EQ(get("test.thing", "t-1")->name, "");
}

TEST_P(StoreConformance, DuplicateKeyOnSameUniqueKey) {
  Record a = make("test.key", "a");
  a.keys = {"secret:abc", "email:x@y"};
  insert_all({a});
  {
    auto tx = store_->begin(TxMode::kWrite);
    Record b = make("test.key", "b");
    b.keys = {"email:x@y"};
    EXPECT_THROW(tx->insert(b), DuplicateKey);
  }
  EXPECT_FALSE(get("test.key", "b"));
  // Keys are unique inside a kind only.
  Record other_kind = make("test.other", "b");
  other_kind.keys = {"email:x@y"};
  EXPECT_NO_THROW(insert_all({other_kind}));

  // Updating a's keys frees the old ones.
  {
    auto tx = store_->begin(TxMode::kWrite);
    auto cur = tx->get("test.key", "a");
    ASSERT_TRUE(cur);
    cur->keys = {"secret:abc"};
    tx->update(*cur);
    tx->commit();
  }
  Record b = make("test.key", "b");
  b.keys = {"email:x@y"};
  EXPECT_NO_THROW(insert_all({b}));

  // Removing a record frees its keys.
  {
    auto tx = store_->begin(TxMode::kWrite);
    EXPECT_TRUE(tx->remove("test.key", "a"));
    tx->commit();
  }
  Record c = make("test.key", "c");
  c.keys = {"secret:abc"};
  EXPECT_NO_THROW(insert_all({c}));
}

TEST_P(StoreConformance, FailedInsertLeavesNothingBehind) {
  Record a = make("test.key", "a");
  a.keys = {"k"};
  insert_all({a});
  {
    auto tx = store_->begin(TxMode::kWrite);
    Record b = make("test.key", "b");
    b.tags = {"t"};
    b.keys = {"k"};
    EXPECT_THROW(tx->insert(b), DuplicateKey);
    // The caller handles the error (e.g. answers already_exists) and the transaction goes on.
    EXPECT_FALSE(tx->get("test.key", "b")) << "a failed insert must not leave its row";
    Record c = make("test.key", "c");
    c.keys = {"k2"};
    tx->insert(c);
    tx->commit();
  }
  EXPECT_FALSE(get("test.key", "b"));
  EXPECT_TRUE(get("test.key", "c"));
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_EQ(tx->count(query("test.key")), 2);
  ListQuery tagged = query("test.key");
  tagged.tags_all = {"t"};
  EXPECT_EQ(tx->count(tagged), 0);
  EXPECT_EQ(tx->count_in_project("proj-1", {}), 2);
}

TEST_P(StoreConformance, FailedUpdateLeavesNothingBehind) {
  Record a = make("test.key", "a");
  a.keys = {"k1"};
  Record b = make("test.key", "b", "b-name");
  b.keys = {"k2"};
  b.tags = {"old"};
  insert_all({a, b});
  {
    auto tx = store_->begin(TxMode::kWrite);
    auto cur = tx->get("test.key", "b");
    ASSERT_TRUE(cur);
    cur->name = "changed";
    cur->tags = {"new"};
    cur->project_id = "proj-2";
    cur->keys = {"k1"};  // taken by a
    EXPECT_THROW(tx->update(*cur), DuplicateKey);
    EXPECT_EQ(cur->version, 1) << "the record's version must not move on a failed update";
    auto still = tx->get("test.key", "b");
    ASSERT_TRUE(still);
    EXPECT_EQ(still->name, "b-name");
    EXPECT_EQ(still->version, 1);
    ASSERT_TRUE(tx->get_by_key("test.key", "k2"));
    EXPECT_EQ(tx->get_by_key("test.key", "k2")->id, "b");
    // The transaction goes on: a later, valid update of the same record works.
    cur->keys = {"k3"};
    tx->update(*cur);
    EXPECT_EQ(cur->version, 2);
    tx->commit();
  }
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_EQ(tx->get("test.key", "b")->name, "changed");
  EXPECT_EQ(tx->get_by_key("test.key", "k3")->id, "b");
  EXPECT_FALSE(tx->get_by_key("test.key", "k2"));
  EXPECT_EQ(tx->get_by_key("test.key", "k1")->id, "a");
  ListQuery tagged = query("test.key");
  tagged.tags_any = {"new"};
  EXPECT_THAT(ids(tagged), ElementsAre("b"));
  EXPECT_EQ(tx->count_in_project("proj-1", {}), 1);
  EXPECT_EQ(tx->count_in_project("proj-2", {}), 1);
}

TEST_P(StoreConformance, GetByKey) {
  Record a = make("test.key", "a", "alpha");
  a.keys = {"secret:1", "name:alpha"};
  Record b = make("test.key", "b", "beta");
  b.keys = {"secret:2"};
  insert_all({a, b});
  auto tx = store_->begin(TxMode::kRead);
  auto by1 = tx->get_by_key("test.key", "secret:1");
  ASSERT_TRUE(by1);
  EXPECT_EQ(by1->id, "a");
  EXPECT_EQ(by1->name, "alpha");
  EXPECT_EQ(tx->get_by_key("test.key", "name:alpha")->id, "a");
  EXPECT_EQ(tx->get_by_key("test.key", "secret:2")->id, "b");
  EXPECT_FALSE(tx->get_by_key("test.key", "secret:3"));
  EXPECT_FALSE(tx->get_by_key("test.other", "secret:1"));
  EXPECT_FALSE(tx->get_by_key("test.key", "a"));  // ids are not keys
}

TEST_P(StoreConformance, TagFilters) {
  Record ab = make("test.t", "ab");
  ab.tags = {"a", "b"};
  Record a = make("test.t", "a");
  a.tags = {"a"};
  Record c = make("test.t", "c");
  c.tags = {"c"};
  Record none = make("test.t", "none");
  Record other = make("test.u", "other");
  other.tags = {"a", "b"};
  insert_all({ab, a, c, none, other});

  ListQuery all = query("test.t");
  all.tags_all = {"a", "b"};
  EXPECT_THAT(ids(all), ElementsAre("ab"));
  all.tags_all = {"a"};
  EXPECT_THAT(ids(all), ElementsAre("a", "ab"));
  all.tags_all = {"a", "zzz"};
  EXPECT_THAT(ids(all), IsEmpty());

  ListQuery any = query("test.t");
  any.tags_any = {"b", "c"};
  EXPECT_THAT(ids(any), ElementsAre("ab", "c"));
  any.tags_any = {"zzz"};
  EXPECT_THAT(ids(any), IsEmpty());

  ListQuery both = query("test.t");
  both.tags_all = {"a"};
  both.tags_any = {"b", "c"};
  EXPECT_THAT(ids(both), ElementsAre("ab"));

  // Tags are matched exactly (no substring, case-sensitive).
  ListQuery exact = query("test.t");
  exact.tags_any = {"A", "ab"};
  EXPECT_THAT(ids(exact), IsEmpty());

  // Changing the tags of a record changes what the filters see.
  {
    auto tx = store_->begin(TxMode::kWrite);
    auto r = tx->get("test.t", "c");
    r->tags = {"a", "b"};
    tx->update(*r);
    tx->commit();
  }
  all.tags_all = {"a", "b"};
  EXPECT_THAT(ids(all), ElementsAre("ab", "c"));
}

class StoreFilters : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (IsSkipped()) return;
    std::vector<Record> rs;
    auto add = [&](std::string id, std::string name, std::int64_t created, json::object body) {
      Record r = make("test.f", id, name, created);
      r.body = std::move(body);
      r.body["id"] = id;
      rs.push_back(std::move(r));
    };
    add("r1", "Alpha Server", 100, {{"size", 5}, {"spec", {{"type", "DEV1-S"}}}, {"on", true}});
    add("r2", "beta", 200,
        {{"size", 20}, {"spec", {{"type", "GP1-M"}}}, {"opt", nullptr}, {"on", false}});
    add("r3", "gamma alpha", 300, {{"size", 100}, {"opt", "set"}});
    add("r4", "delta", 400, {{"size", 9}});
    rs[0].due_at = 1000;
    rs[1].state = "running";
    rs[2].state = "stopped";
    rs[3].state = "running";
    rs[3].project_id = "proj-2";
    rs.push_back(make("test.other", "x1", "alpha", 100));
    insert_all(std::move(rs));
  }
  std::vector<std::string> ids_where(Filter f) { return ids(query("test.f", {std::move(f)})); }
};

TEST_P(StoreFilters, KindOnly) {
  EXPECT_THAT(ids(query("test.f")), ElementsAre("r1", "r2", "r3", "r4"));
  EXPECT_THAT(ids(query("test.none")), IsEmpty());
}

TEST_P(StoreFilters, EqNeIn) {
  EXPECT_THAT(ids_where({Column::kName, Op::kEq, {"beta"}}), ElementsAre("r2"));
  EXPECT_THAT(ids_where({Column::kName, Op::kEq, {"Beta"}}), IsEmpty());
  EXPECT_THAT(ids_where({Column::kState, Op::kEq, {"running"}}), ElementsAre("r2", "r4"));
  EXPECT_THAT(ids_where({Column::kState, Op::kNe, {"running"}}), ElementsAre("r1", "r3"));
  EXPECT_THAT(ids_where({Column::kProject, Op::kEq, {"proj-2"}}), ElementsAre("r4"));
  EXPECT_THAT(ids_where({Column::kOrganization, Op::kEq, {"org-1"}}),
              ElementsAre("r1", "r2", "r3", "r4"));
  EXPECT_THAT(ids_where({Column::kId, Op::kIn, {"r3", "r1", "nope"}}), ElementsAre("r1", "r3"));
  EXPECT_THAT(ids_where({Column::kId, Op::kIn, {}}), IsEmpty());
}

TEST_P(StoreFilters, ContainsIsCaseInsensitive) {
  EXPECT_THAT(ids_where({Column::kName, Op::kContains, {"ALPHA"}}), ElementsAre("r1", "r3"));
  EXPECT_THAT(ids_where({Column::kName, Op::kContains, {"eRv"}}), ElementsAre("r1"));
  EXPECT_THAT(ids_where({Column::kName, Op::kContains, {"zzz"}}), IsEmpty());
  // Not a LIKE pattern: % and _ are literal.
  EXPECT_THAT(ids_where({Column::kName, Op::kContains, {"%"}}), IsEmpty());
  EXPECT_THAT(ids_where({Column::kName, Op::kContains, {"_"}}), IsEmpty());
}

TEST_P(StoreFilters, ComparisonsOnCreatedAt) {
  for (bool numeric : {false, true}) {
    SCOPED_TRACE(numeric);
    EXPECT_THAT(ids_where({Column::kCreatedAt, Op::kLt, {"300"}, {}, numeric}),
                ElementsAre("r1", "r2"));
    EXPECT_THAT(ids_where({Column::kCreatedAt, Op::kLe, {"300"}, {}, numeric}),
                ElementsAre("r1", "r2", "r3"));
    EXPECT_THAT(ids_where({Column::kCreatedAt, Op::kGt, {"200"}, {}, numeric}),
                ElementsAre("r3", "r4"));
    EXPECT_THAT(ids_where({Column::kCreatedAt, Op::kGe, {"200"}, {}, numeric}),
                ElementsAre("r2", "r3", "r4"));
  }
  // A range: two filters are ANDed.
  EXPECT_THAT(ids(query("test.f", {{Column::kCreatedAt, Op::kGt, {"100"}, {}, true},
                                   {Column::kCreatedAt, Op::kLt, {"400"}, {}, true}})),
              ElementsAre("r2", "r3"));
}

TEST_P(StoreFilters, BodyPaths) {
  EXPECT_THAT(ids_where({Column::kBody, Op::kEq, {"GP1-M"}, "spec.type"}), ElementsAre("r2"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kContains, {"dev1"}, "spec.type"}), ElementsAre("r1"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kIn, {"DEV1-S", "GP1-M"}, "spec.type"}),
              ElementsAre("r1", "r2"));
  // Numeric comparisons compare numbers (9 < 20 < 100), not strings ("100" < "20" < "9").
  EXPECT_THAT(ids_where({Column::kBody, Op::kGt, {"10"}, "size", true}), ElementsAre("r2", "r3"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kLt, {"10"}, "size", true}), ElementsAre("r1", "r4"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kEq, {"100"}, "size", true}), ElementsAre("r3"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kIn, {"5", "9"}, "size", true}),
              ElementsAre("r1", "r4"));
}

// Typed values: booleans match JSON booleans, integers compare as numbers, UUIDs as text.
TEST_P(StoreFilters, TypedValues) {
  EXPECT_THAT(ids_where({Column::kBody, Op::kEq, {true}, "on"}), ElementsAre("r1"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kEq, {false}, "on"}), ElementsAre("r2"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kGt, {std::int64_t{10}}, "size"}),
              ElementsAre("r2", "r3"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kIn, {std::int64_t{5}, std::int64_t{9}}, "size"}),
              ElementsAre("r1", "r4"));
  EXPECT_THAT(ids_where({Column::kCreatedAt, Op::kLe, {std::int64_t{200}}}),
              ElementsAre("r1", "r2"));
  EXPECT_THAT(ids_where({Column::kId, Op::kIn, {Uuid{"r3"}, Uuid{"r4"}}}), ElementsAre("r3", "r4"));
  EXPECT_EQ(text_of(Value{true}), "1");
  EXPECT_EQ(text_of(Value{std::int64_t{-7}}), "-7");
  EXPECT_FALSE(is_numeric(Value{Uuid{"x"}}));
}

TEST_P(StoreFilters, IsNullAndNotNull) {
  // A body path that is absent or JSON null
  EXPECT_THAT(ids_where({Column::kBody, Op::kIsNull, {}, "opt"}), ElementsAre("r1", "r2", "r4"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kNotNull, {}, "opt"}), ElementsAre("r3"));
  EXPECT_THAT(ids_where({Column::kBody, Op::kIsNull, {}, "spec.type"}), ElementsAre("r3", "r4"));
  EXPECT_THAT(ids_where({Column::kDueAt, Op::kNotNull, {}}), ElementsAre("r1"));
  EXPECT_THAT(ids_where({Column::kDueAt, Op::kIsNull, {}}), ElementsAre("r2", "r3", "r4"));
}

TEST_P(StoreFilters, BadBodyPathsAreRejected) {
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_THROW(tx->list(query("test.f", {{Column::kBody, Op::kEq, {"x"}, ""}})),
               std::invalid_argument);
  EXPECT_THROW(tx->list(query("test.f", {{Column::kBody, Op::kEq, {"x"}, "a') OR 1=1 --"}})),
               std::invalid_argument);
  EXPECT_THROW(tx->list(query("test.f", {{Column::kName, Op::kEq, {}}})), std::invalid_argument);
}

TEST_P(StoreConformance, ArrayFilters) {
  auto a = make("test.g", "g1");
  a.body["members"] = json::array{"u1", "u2"};
  a.body["tags"] = json::array{"Prod-Web", "eu"};
  auto b = make("test.g", "g2");
  b.body["members"] = json::array{"u3"};
  b.body["tags"] = json::array{};
  auto c = make("test.g", "g3");  // no arrays at all
  auto d = make("test.g", "g4");
  d.body["members"] = "u1";  // not an array: never matches
  insert_all({a, b, c, d});
  EXPECT_THAT(ids(query("test.g", {{Column::kBody, Op::kAnyIn, {"u1"}, "members"}})),
              ElementsAre("g1"));
  EXPECT_THAT(ids(query("test.g", {{Column::kBody, Op::kAnyIn, {"u3", "u2"}, "members"}})),
              ElementsAre("g1", "g2"));
  EXPECT_THAT(ids(query("test.g", {{Column::kBody, Op::kAnyIn, {}, "members"}})), IsEmpty());
  EXPECT_THAT(ids(query("test.g", {{Column::kBody, Op::kAnyContains, {"web"}, "tags"}})),
              ElementsAre("g1"));
  EXPECT_THAT(ids(query("test.g", {{Column::kBody, Op::kAnyContains, {"%"}, "tags"}})), IsEmpty());
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_EQ(tx->count(query("test.g", {{Column::kBody, Op::kAnyIn, {"u1", "u3"}, "members"}})), 2);
  EXPECT_THROW(tx->list(query("test.g", {{Column::kName, Op::kAnyIn, {"x"}}})),
               std::invalid_argument);
  EXPECT_THROW(tx->list(query("test.g", {{Column::kBody, Op::kAnyIn, {"x"}, "a') --"}})),
               std::invalid_argument);
}

TEST_P(StoreFilters, Count) {
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_EQ(tx->count(query("test.f")), 4);
  EXPECT_EQ(tx->count(query("test.f", {{Column::kState, Op::kEq, {"running"}}})), 2);
  EXPECT_EQ(tx->count(query("test.other")), 1);
  EXPECT_EQ(tx->count(query("test.none")), 0);
}

TEST_P(StoreConformance, OrderingWithIdTieBreak) {
  insert_all({make("test.o", "d", "same", 10), make("test.o", "b", "same", 20),
              make("test.o", "a", "zeta", 30), make("test.o", "c", "alpha", 20),
              make("test.o", "e", "same", 20)});
  ListQuery q = query("test.o");
  EXPECT_THAT(ids(q), ElementsAre("a", "b", "c", "d", "e"));  // id ascending by default

  q.order = {{Column::kName, false}};
  EXPECT_THAT(ids(q), ElementsAre("c", "b", "d", "e", "a"));
  q.order = {{Column::kName, true}};
  EXPECT_THAT(ids(q), ElementsAre("a", "b", "d", "e", "c"));  // ties still by id ascending

  q.order = {{Column::kCreatedAt, false}};
  EXPECT_THAT(ids(q), ElementsAre("d", "b", "c", "e", "a"));
  q.order = {{Column::kCreatedAt, true}};
  EXPECT_THAT(ids(q), ElementsAre("a", "b", "c", "e", "d"));

  q.order = {{Column::kCreatedAt, true}, {Column::kName, false}};
  EXPECT_THAT(ids(q), ElementsAre("a", "c", "b", "e", "d"));
}

TEST_P(StoreConformance, OrderingByBodyPath) {
  std::vector<Record> rs;
  for (auto [id, rank] : std::vector<std::pair<std::string, int>>{{"a", 3}, {"b", 1}, {"c", 2}}) {
    Record r = make("test.o", id);
    r.body["rank"] = rank;
    rs.push_back(r);
  }
  insert_all(rs);
  ListQuery q = query("test.o");
  q.order = {{Column::kBody, false, "rank"}};
  EXPECT_THAT(ids(q), ElementsAre("b", "c", "a"));
  q.order = {{Column::kBody, true, "rank"}};
  EXPECT_THAT(ids(q), ElementsAre("a", "c", "b"));
}

TEST_P(StoreConformance, OffsetLimitAndTotal) {
  std::vector<Record> rs;
  for (int i = 0; i < 7; ++i) rs.push_back(make("test.p", "id-" + std::to_string(i)));
  insert_all(rs);

  ListQuery q = query("test.p");
  auto all = list(q);
  EXPECT_EQ(all.items.size(), 7u);
  EXPECT_EQ(all.total, 7);

  q.limit = 3;
  auto p1 = list(q);
  EXPECT_THAT(ids(q), ElementsAre("id-0", "id-1", "id-2"));
  EXPECT_EQ(p1.total, 7);

  q.offset = 3;
  auto p2 = list(q);
  EXPECT_THAT(ids(q), ElementsAre("id-3", "id-4", "id-5"));
  EXPECT_EQ(p2.total, 7);

  q.offset = 6;
  auto p3 = list(q);
  EXPECT_THAT(ids(q), ElementsAre("id-6"));
  EXPECT_EQ(p3.total, 7);

  q.offset = 10;
  auto past = list(q);
  EXPECT_THAT(past.items, IsEmpty());
  EXPECT_EQ(past.total, 7);

  // Offset without a limit
  q.offset = 5;
  q.limit = -1;
  EXPECT_THAT(ids(q), ElementsAre("id-5", "id-6"));
  EXPECT_EQ(list(q).total, 7);

  // limit 0
  q.offset = 0;
  q.limit = 0;
  auto zero = list(q);
  EXPECT_THAT(zero.items, IsEmpty());
  EXPECT_EQ(zero.total, 7);

  // An exact fit on the first page
  q.limit = 7;
  EXPECT_EQ(list(q).total, 7);

  // Filtered total
  q = query("test.p", {{Column::kId, Op::kIn, {"id-1", "id-2", "id-3"}}});
  q.limit = 2;
  auto filtered = list(q);
  EXPECT_EQ(filtered.items.size(), 2u);
  EXPECT_EQ(filtered.total, 3);

  q.with_total = false;
  EXPECT_EQ(list(q).total, 0);
}

TEST_P(StoreConformance, CountInProjectAndOwned) {
  Record a = make("test.a", "a1");
  Record a2 = make("test.a", "a2");
  Record b = make("test.b", "b1");
  Record other = make("test.a", "a3");
  other.project_id = "proj-2";
  Record other_org = make("test.a", "a4");
  other_org.organization_id = "org-2";
  other_org.project_id = "proj-3";
  insert_all({a, a2, b, other, other_org});
  {
    auto tx = store_->begin(TxMode::kRead);
    EXPECT_EQ(tx->count_in_project("proj-1", {}), 3);
    EXPECT_EQ(tx->count_in_project("proj-1", {"test.a"}), 1);
    EXPECT_EQ(tx->count_in_project("proj-1", {"test.a", "test.b"}), 0);
    EXPECT_EQ(tx->count_in_project("proj-2", {}), 1);
    EXPECT_EQ(tx->count_in_project("nope", {}), 0);
    EXPECT_EQ(tx->count_owned("test.a", "org-1"), 3);
    EXPECT_EQ(tx->count_owned("test.a", "org-1", "proj-1"), 2);
    EXPECT_EQ(tx->count_owned("test.a", "org-1", "proj-2"), 1);
    EXPECT_EQ(tx->count_owned("test.b", "org-1"), 1);
    EXPECT_EQ(tx->count_owned("test.a", "org-2"), 1);
    EXPECT_EQ(tx->count_owned("test.c", "org-1"), 0);
  }
  {
    // Moving a record to another project and removing one keep the counts right.
    auto tx = store_->begin(TxMode::kWrite);
    auto r = tx->get("test.a", "a2");
    r->project_id = "proj-2";
    tx->update(*r);
    EXPECT_TRUE(tx->remove("test.b", "b1"));
    tx->commit();
  }
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_EQ(tx->count_in_project("proj-1", {}), 1);
  EXPECT_EQ(tx->count_in_project("proj-2", {}), 2);
  EXPECT_EQ(tx->count_owned("test.a", "org-1", "proj-2"), 2);
  EXPECT_EQ(tx->count_owned("test.a", "org-1"), 3);
  EXPECT_EQ(tx->count_owned("test.b", "org-1"), 0);
}

TEST_P(StoreConformance, RollbackWithoutCommit) {
  insert_all({make("test.r", "kept", "before")});
  {
    auto tx = store_->begin(TxMode::kWrite);
    Record r = make("test.r", "dropped");
    tx->insert(r);
    auto k = tx->get("test.r", "kept");
    k->name = "after";
    tx->update(*k);
    EXPECT_TRUE(tx->get("test.r", "dropped"));  // visible inside the transaction
    // no commit
  }
  EXPECT_FALSE(get("test.r", "dropped"));
  auto kept = get("test.r", "kept");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->name, "before");
  EXPECT_EQ(kept->version, 1);
  EXPECT_EQ(store_->begin(TxMode::kRead)->count_in_project("proj-1", {}), 1);
}

TEST_P(StoreConformance, TransactRetriesOnConflict) {
  int calls = 0;
  bool ok = store_->transact(TxMode::kWrite, [&](Tx& tx) {
    ++calls;
    Record r = make("test.x", "attempt-" + std::to_string(calls));
    tx.insert(r);
    if (calls < 3) throw Conflict("simulated");
    return true;
  });
  EXPECT_TRUE(ok);
  EXPECT_EQ(calls, 3);
  // Only the successful attempt was committed.
  EXPECT_THAT(ids(query("test.x")), ElementsAre("attempt-3"));
}

TEST_P(StoreConformance, TransactGivesUpAfterRepeatedConflicts) {
  int calls = 0;
  EXPECT_THROW(store_->transact(TxMode::kWrite,
                                [&](Tx&) -> bool {
                                  ++calls;
                                  throw Conflict("always");
                                }),
               Conflict);
  EXPECT_EQ(calls, Store::kTransactAttempts);
}

TEST_P(StoreConformance, TransactRetriesARealStaleUpdate) {
  insert_all({make("test.x", "x", "v0")});
  int calls = 0;
  auto ok = store_->transact(TxMode::kWrite, [&](Tx& tx) {
    ++calls;
    auto r = tx.get("test.x", "x");
    if (calls == 1) r->version -= 1;  // as if another writer got there first
    r->name = "v1";
    tx.update(*r);
    return true;
  });
  EXPECT_TRUE(ok);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(get("test.x", "x")->name, "v1");
}

TEST_P(StoreConformance, TransactDoesNotCommitAFailedResult) {
  auto r = store_->transact(TxMode::kWrite, [&](Tx& tx) -> std::optional<int> {
    Record rec = make("test.x", "x");
    tx.insert(rec);
    return std::nullopt;
  });
  EXPECT_FALSE(r);
  EXPECT_FALSE(get("test.x", "x"));
  auto ok = store_->transact(TxMode::kWrite, [&](Tx& tx) -> std::optional<int> {
    Record rec = make("test.x", "y");
    tx.insert(rec);
    return 7;
  });
  EXPECT_EQ(ok, 7);
  EXPECT_TRUE(get("test.x", "y"));
}

TEST_P(StoreConformance, OtherExceptionsPropagateAndRollBack) {
  int calls = 0;
  EXPECT_THROW(store_->transact(TxMode::kWrite,
                                [&](Tx& tx) -> bool {
                                  ++calls;
                                  Record rec = make("test.x", "x");
                                  tx.insert(rec);
                                  throw std::runtime_error("boom");
                                }),
               std::runtime_error);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(get("test.x", "x"));
}

TEST_P(StoreConformance, ConcurrentWritersAllCommit) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 75;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        try {
          store_->transact(TxMode::kWrite, [&](Tx& tx) {
            Record r = make("test.c", "t" + std::to_string(t) + "-" + std::to_string(i));
            tx.insert(r);
            // a read in the same transaction as well
            return tx.get(r.kind, r.id).has_value();
          });
          // and a read-only transaction in between
          store_->begin(TxMode::kRead)->count(query("test.c"));
        } catch (const std::exception&) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_EQ(tx->count(query("test.c")), kThreads * kPerThread);
  EXPECT_EQ(tx->count_in_project("proj-1", {}), kThreads * kPerThread);
}

TEST_P(StoreConformance, ConcurrentReadModifyWriteLosesNoUpdate) {
  Record counter = make("test.c", "counter");
  counter.body["n"] = 0;
  insert_all({counter});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        store_->transact(TxMode::kWrite, [&](Tx& tx) {
          auto r = tx.get("test.c", "counter");
          r->body["n"] = r->body.at("n").as_int64() + 1;
          tx.update(*r);
          return true;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  auto r = get("test.c", "counter");
  EXPECT_EQ(r->body.at("n").as_int64(), kThreads * kPerThread);
  EXPECT_EQ(r->version, 1 + kThreads * kPerThread);
}

// Group commit: concurrent write() calls share transactions; each piece of work is undone alone
// when it fails, and every caller returns after the commit holding its work.
TEST_P(StoreConformance, GroupCommitIsolatesEachWritersOutcome) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  std::atomic<int> ok{0}, refused{0}, thrown{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int mode = (t * kPerThread + i) % 3;  // 0: commit, 1: refuse (false), 2: throw
        try {
          store_->write([&](Tx& tx) {
            auto r = make("k", "id-" + std::to_string(t) + "-" + std::to_string(i));
            tx.insert(r);
            if (mode == 2) throw std::runtime_error("boom");
            return mode == 0;
          });
          (mode == 0 ? ok : refused)++;
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "boom");
          thrown++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok + refused + thrown, kThreads * kPerThread);
  auto tx = store_->begin(TxMode::kRead);
  ListQuery q;
  q.kind = "k";
  EXPECT_EQ(tx->count(q), ok.load());
  EXPECT_EQ(tx->count_owned("k", "org-1"), ok.load());
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i) {
      bool kept = (t * kPerThread + i) % 3 == 0;
      EXPECT_EQ(tx->get("k", "id-" + std::to_string(t) + "-" + std::to_string(i)).has_value(),
                kept);
    }
}

// run_grouped: jobs run where grouped writes run, see the group's writes, and learn of the
// commit.
TEST_P(StoreConformance, WritesJoinTheGroupAndReadsSeeThem) {
  bool seen = false;
  std::thread::id writer;
  auto done = run({[&](Store& group) {
    writer = std::this_thread::get_id();
    group.write([&](Tx& tx) {
      auto r = make("t.x", "a");
      tx.insert(r);
      return true;
    });
    // A read transaction inside the job sees the group's (uncommitted) write.
    seen = group.begin(TxMode::kRead)->get("t.x", "a").has_value();
  }});
  EXPECT_TRUE(done[0]);
  EXPECT_TRUE(seen);
  if (GetParam().groups) {
    EXPECT_NE(writer, std::this_thread::get_id());
  }
  EXPECT_TRUE(store_->begin(TxMode::kRead)->get("t.x", "a"));
}

TEST_P(StoreConformance, AFailedWriteUndoesOnlyItself) {
  auto done = run({[&](Store& group) {
                     group.write([&](Tx& tx) {
                       auto r = make("t.x", "kept");
                       tx.insert(r);
                       return true;
                     });
                     try {
                       group.write([&](Tx& tx) {
                         auto r = make("t.x", "undone");
                         tx.insert(r);
                         auto dup = make("t.x", "kept");
                         tx.insert(dup);  // DuplicateKey
                         return true;
                       });
                     } catch (const DuplicateKey&) {
                     }
                     group.write([&](Tx& tx) {
                       auto r = make("t.x", "refused");
                       tx.insert(r);
                       return false;
                     });
                   },
                   [&](Store& group) {
                     // A transaction begun inside a job: a savepoint, kept only on commit().
                     auto tx = group.begin(TxMode::kWrite);
                     auto r = make("t.x", "committed");
                     tx->insert(r);
                     tx->commit();
                     auto tx2 = group.begin(TxMode::kWrite);
                     auto r2 = make("t.x", "abandoned");
                     tx2->insert(r2);
                   }});
  EXPECT_TRUE(done[0]);
  EXPECT_TRUE(done[1]);
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_TRUE(tx->get("t.x", "kept"));
  EXPECT_FALSE(tx->get("t.x", "undone"));
  EXPECT_FALSE(tx->get("t.x", "refused"));
  EXPECT_TRUE(tx->get("t.x", "committed"));
  EXPECT_FALSE(tx->get("t.x", "abandoned"));
}

TEST_P(StoreConformance, ManyConcurrentJobsAllCommit) {
  std::vector<std::function<void(Store&)>> jobs;
  for (int i = 0; i < 200; ++i)
    jobs.push_back([i](Store& group) {
      group.write([&](Tx& tx) {
        auto r = make("t.x", "j" + std::to_string(i));
        tx.insert(r);
        return true;
      });
    });
  auto done = run(jobs);
  for (bool d : done) EXPECT_TRUE(d);
  ListQuery q;
  q.kind = "t.x";
  EXPECT_EQ(store_->begin(TxMode::kRead)->count(q), 200);
}

// A job that uses the store itself instead of the one it is handed is told so at once (it would
// otherwise wait for its own group or read outside it).
TEST_P(StoreConformance, AJobUsingTheStoreItselfIsRefused) {
  if (!GetParam().groups) GTEST_SKIP() << "jobs run where they are submitted, on the store itself";
  bool refused = false;
  auto done = run({[&](Store&) {
    try {
      store_->write([](Tx&) { return true; });
    } catch (const std::logic_error&) {
      refused = true;
    }
  }});
  EXPECT_TRUE(done[0]);
  EXPECT_TRUE(refused);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Backends, StoreFilters, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace scwd::store

// Lists at scale: keyset paging through cached boundaries, counter totals, the name (trigram) and
// tag drivers, and migration 4 on a store created before it. Every list is compared with a
// reference computed here from the records themselves (filter, sort, slice), so the answers
// (items, order, totals) are those of plain OFFSET paging over a full scan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/store/sql.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "core/util/ids.hpp"
#include "testing/temp_dir.hpp"

namespace scwd::store {
namespace {

namespace json = boost::json;

std::string ascii_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

class SqliteListTest : public ::testing::Test {
 protected:
  std::string db_path() const { return (dir_.path() / "scwd.db").string(); }

  // A new record of org-1 / proj-1 in fr-par-1 (a fresh id, an empty body).
  static Record record(std::string kind, std::string name, std::int64_t created_at) {
    return {.kind = std::move(kind),
            .id = new_uuid(),
            .organization_id = "org-1",
            .project_id = "proj-1",
            .locality = "fr-par-1",
            .name = std::move(name),
            .created_at = created_at,
            .updated_at = created_at};
  }

  // The indexed records' changes both tests make: all_[3] renamed "renamed-xyzzy", all_[8]
  // removed (still in all_).
  void rename_3_remove_8(Tx& tx) {
    auto r = tx.get("t.sg", all_[3].id);
    r->name = "renamed-xyzzy";
    tx.update(*r);
    all_[3].name = r->name;
    ASSERT_TRUE(tx.remove("t.sg", all_[8].id));
  }

  // n records of kind "t.sg" with many ties in created_at and in names, 3 projects, 2 zones,
  // a few tags; plus records of another kind that must never show up.
  void load(int n) {
    auto tx = store_->begin(TxMode::kWrite);
    for (int i = 0; i < n; ++i) {
      static const char* kNames[] = {"Web-Front", "web-back", "DB", "café-Ünï", "cache"};
      Record r = record("t.sg", std::string(kNames[i % 5]) + "-" + std::to_string(i % 40),
                        1000 + i / 7);  // ties: seven records per instant
      r.organization_id = i % 17 == 0 ? "org-2" : "org-1";
      r.project_id = "proj-" + std::to_string(i % 3);
      r.locality = i % 5 == 0 ? "nl-ams-1" : "fr-par-1";
      r.tags = {"group:" + std::to_string(i % 9)};
      if (i % 2 == 0) r.tags.push_back("even");
      r.body = json::object{{"i", i}};
      tx->insert(r);
      all_.push_back(r);
    }
    for (int i = 0; i < 20; ++i) {
      Record r = record("t.other", "Web-Front-other", 1000);
      r.project_id = "proj-0";
      r.tags = {"even"};
      tx->insert(r);
    }
    tx->commit();
  }

  // What a full scan answers: filter, sort by the query's order then id, slice.
  std::vector<std::string> reference(const ListQuery& q, std::int64_t* total) const {
    std::vector<const Record*> kept;
    for (auto& r : all_) {
      if (r.kind != q.kind) continue;
      bool ok = true;
      for (auto& f : q.filters) {
        std::string v = f.column == Column::kOrganization ? r.organization_id
                        : f.column == Column::kProject    ? r.project_id
                        : f.column == Column::kLocality   ? r.locality
                                                          : r.name;
        if (f.op == Op::kEq) ok = ok && v == text_of(f.values.front());
        if (f.op == Op::kIn)
          ok = ok && std::any_of(f.values.begin(), f.values.end(),
                                 [&](const Value& x) { return text_of(x) == v; });
        if (f.op == Op::kContains)
          ok = ok &&
               ascii_lower(v).find(ascii_lower(text_of(f.values.front()))) != std::string::npos;
      }
      for (auto& t : q.tags_all)
        ok = ok && std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end();
      if (!q.tags_any.empty()) {
        bool any = false;
        for (auto& t : q.tags_any)
          any = any || std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end();
        ok = ok && any;
      }
      if (ok) kept.push_back(&r);
    }
    std::sort(kept.begin(), kept.end(), [&](const Record* a, const Record* b) {
      for (auto& o : q.order) {
        int c = 0;
        if (o.column == Column::kName)
          c = a->name.compare(b->name);
        else
          c = a->created_at < b->created_at ? -1 : a->created_at > b->created_at ? 1 : 0;
        if (c != 0) return o.descending ? c > 0 : c < 0;
      }
      return a->id < b->id;
    });
    *total = static_cast<std::int64_t>(kept.size());
    std::vector<std::string> out;
    for (std::int64_t i = q.offset; i < *total && (q.limit < 0 || i < q.offset + q.limit); ++i)
      out.push_back(kept[static_cast<std::size_t>(i)]->id);
    return out;
  }

  // Every page of size `size` (and one past the end) is the reference's page.
  void expect_pages(ListQuery q, std::int64_t size) {
    std::int64_t total = 0;
    reference(q, &total);
    for (std::int64_t offset = 0; offset <= total + size; offset += size) {
      q.offset = offset;
      q.limit = size;
      std::int64_t want_total = 0;
      auto want = reference(q, &want_total);
      auto got = store_->begin(TxMode::kRead)->list(q);
      std::vector<std::string> ids;
      for (auto& r : got.items) ids.push_back(r.id);
      ASSERT_EQ(ids, want) << "offset " << offset;
      ASSERT_EQ(got.total, want_total) << "offset " << offset;
      ASSERT_EQ(store_->begin(TxMode::kRead)->count(q), want_total);
    }
  }

  static ListQuery sg_query(std::vector<Filter> filters = {}) {
    ListQuery q;
    q.kind = "t.sg";
    q.filters = std::move(filters);
    q.order = {{Column::kCreatedAt, false, {}}};
    return q;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = open_sqlite({db_path()});
  std::vector<Record> all_;
};

TEST_F(SqliteListTest, PagesPastTheStrideEqualOffsetPagingWithTies) {
  load(3000);
  auto q = sg_query({{Column::kOrganization, Op::kEq, {"org-1"}, {}, false},
                     {Column::kLocality, Op::kEq, {"fr-par-1"}, {}, false}});
  expect_pages(q, 50);
  expect_pages(q, 100);
  q.order = {{Column::kCreatedAt, true, {}}};
  expect_pages(q, 50);
  // Name order with the creation tie-break (as paging::order builds it), both directions.
  q.order = {{Column::kName, false, {}}, {Column::kCreatedAt, false, {}}};
  expect_pages(q, 100);
  q.order = {{Column::kName, true, {}}, {Column::kCreatedAt, true, {}}};
  expect_pages(q, 100);
}

TEST_F(SqliteListTest, FarPagesWithProjectFiltersAndNoLimit) {
  load(2000);
  auto q = sg_query({{Column::kOrganization, Op::kEq, {"org-1"}, {}, false},
                     {Column::kProject, Op::kIn, {"proj-0", "proj-2"}, {}, false}});
  expect_pages(q, 50);
  q.filters.push_back({Column::kProject, Op::kIn, {}, {}, false});  // nothing readable
  expect_pages(q, 50);
  // No limit: everything from the offset on.
  q = sg_query();
  q.offset = 1500;
  std::int64_t total = 0;
  auto want = reference(q, &total);
  auto got = store_->begin(TxMode::kRead)->list(q);
  ASSERT_EQ(got.items.size(), want.size());
  EXPECT_EQ(got.total, total);
}

TEST_F(SqliteListTest, WritesInvalidateCachedBoundaries) {
  load(1500);
  auto q = sg_query();
  q.offset = 1200;
  q.limit = 50;
  std::int64_t total = 0;
  store_->begin(TxMode::kRead)->list(q);  // boundaries cached
  // Remove records before the page, rename one so that it moves in name order, add one.
  {
    auto tx = store_->begin(TxMode::kWrite);
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(tx->remove("t.sg", all_[static_cast<std::size_t>(i)].id));
    }
    tx->commit();
  }
  all_.erase(all_.begin(), all_.begin() + 30);
  {
    auto tx = store_->begin(TxMode::kWrite);
    auto r = tx->get("t.sg", all_[700].id);
    r->name = "aaa-first";
    tx->update(*r);
    all_[700].name = "aaa-first";
    Record n = all_[0];
    n.id = new_uuid();
    n.created_at = 0;
    tx->insert(n);
    all_.push_back(n);
    tx->commit();
  }
  auto want = reference(q, &total);
  auto got = store_->begin(TxMode::kRead)->list(q);
  std::vector<std::string> ids;
  for (auto& r : got.items) ids.push_back(r.id);
  EXPECT_EQ(ids, want);
  EXPECT_EQ(got.total, total);
  q.order = {{Column::kName, false, {}}, {Column::kCreatedAt, false, {}}};
  expect_pages(q, 100);
}

TEST_F(SqliteListTest, AReaderOnAnOlderSnapshotIsNotServedNewerBoundaries) {
  load(1200);
  auto q = sg_query();
  q.offset = 1100;
  q.limit = 50;
  auto old_reader = store_->begin(TxMode::kRead);
  auto before = old_reader->list(q);  // snapshot taken, boundaries cached
  {
    auto tx = store_->begin(TxMode::kWrite);
    Record n = all_[0];
    n.id = new_uuid();
    n.created_at = 0;  // first in the list: every page shifts by one
    tx->insert(n);
    tx->commit();
  }
  auto now = store_->begin(TxMode::kRead)->list(q);  // new boundaries
  EXPECT_EQ(now.total, before.total + 1);
  auto again = old_reader->list(q);  // its own snapshot: the same page as before
  ASSERT_EQ(again.items.size(), before.items.size());
  for (std::size_t i = 0; i < again.items.size(); ++i)
    EXPECT_EQ(again.items[i].id, before.items[i].id);
  EXPECT_EQ(again.total, before.total);
  EXPECT_EQ(now.items[1].id, before.items[0].id);
}

TEST_F(SqliteListTest, NameSubstringFilterIsCaseInsensitiveAsciiAndExact) {
  load(1500);
  for (std::string needle : {"web", "WEB-f", "eb-Fr", "b-front-1", "café", "CAFÉ", "ünï", "Ünï",
                             "DB-3", "ch", "e", "zzz", "\"q\"", "front-3%", "-1"}) {
    auto q = sg_query({{Column::kName, Op::kContains, {needle}, {}, false}});
    SCOPED_TRACE(needle);
    expect_pages(q, 100);
  }
  // Renamed and removed records leave the name index.
  {
    auto tx = store_->begin(TxMode::kWrite);
    rename_3_remove_8(*tx);
    tx->commit();
  }
  std::string removed = all_[8].name;
  all_.erase(all_.begin() + 8);
  for (const std::string& needle : std::vector<std::string>{"xyzzy", "ZZY", all_[3].name, removed})
    expect_pages(sg_query({{Column::kName, Op::kContains, {needle}, {}, false}}), 50);
}

// The name index holds the records up to a mark (indexed when the store opens, then in bulk by
// the writer); newer ones are scanned. Both halves, and a rowid handed out again below the
// mark, answer like a full scan.
TEST_F(SqliteListTest, NameFilterSeesIndexedAndNewerRecords) {
  load(1500);
  store_.reset();
  store_ = open_sqlite({db_path()});  // indexes the 1520 records loaded without the writer
  auto make = [&](const std::string& name, int i) { return record("t.sg", name, 5000 + i); };
  auto check = [&](const std::vector<std::string>& needles) {
    for (auto& needle : needles) {
      SCOPED_TRACE(needle);
      expect_pages(sg_query({{Column::kName, Op::kContains, {needle}, {}, false}}), 200);
    }
  };
  check({"web-f", "café", "xyzzy", "fresh"});
  {
    // Indexed records renamed and removed; the newest record (a t.other, highest rowid) removed
    // so that the next insert reuses a rowid at the mark.
    auto tx = store_->begin(TxMode::kWrite);
    rename_3_remove_8(*tx);
    auto others = tx->list([] {
      ListQuery q;
      q.kind = "t.other";
      q.order = {{Column::kCreatedAt, false, {}}};
      return q;
    }());
    for (auto& o : others.items) ASSERT_TRUE(tx->remove("t.other", o.id));
    auto reused = make("reused-xyzzy", 0);
    tx->insert(reused);
    all_.push_back(reused);
    tx->commit();
  }
  all_.erase(all_.begin() + 8);
  check({"xyzzy", "renamed", "reused", all_[9].name});
  // Newer records through the writer: fewer than the lag stay scanned, more are indexed in bulk.
  for (int batch : {10, 1500}) {
    std::vector<Record> added;
    for (int i = 0; i < batch; ++i)
      added.push_back(make("fresh-" + std::to_string(batch) + "-" + std::to_string(i), batch + i));
    store_->write([&](Tx& tx) {
      for (auto& r : added) tx.insert(r);
      return true;
    });
    all_.insert(all_.end(), added.begin(), added.end());
    check({"fresh", "fresh-10-", "-1499", "xyzzy"});
  }
  {
    auto tx = store_->begin(TxMode::kWrite);
    auto r = tx->get("t.sg", all_.back().id);
    r->name = "last-renamed";
    tx->update(*r);
    all_.back().name = r->name;
    tx->commit();
  }
  check({"last-renamed", "fresh-1500-149"});
}

TEST_F(SqliteListTest, TagFiltersWithOtherFiltersAndOrders) {
  load(1500);
  auto q = sg_query({{Column::kOrganization, Op::kEq, {"org-1"}, {}, false}});
  q.tags_all = {"group:4"};
  expect_pages(q, 50);
  q.tags_all = {"group:4", "even"};
  expect_pages(q, 50);
  q.tags_all = {"even"};  // half the records
  expect_pages(q, 100);
  q.tags_all.clear();
  q.tags_any = {"group:1", "group:2", "nope"};
  q.order = {{Column::kName, true, {}}, {Column::kCreatedAt, true, {}}};
  expect_pages(q, 50);
  q.filters.push_back({Column::kName, Op::kContains, {"web-"}, {}, false});
  expect_pages(q, 20);
}

TEST_F(SqliteListTest, CounterTotalsFollowMovesBetweenLocalities) {
  load(600);
  {
    auto tx = store_->begin(TxMode::kWrite);
    for (int i = 0; i < 10; ++i) {
      auto r = tx->get("t.sg", all_[static_cast<std::size_t>(i)].id);
      r->locality = "pl-waw-1";
      tx->update(*r);
      all_[static_cast<std::size_t>(i)].locality = "pl-waw-1";
    }
    tx->commit();
  }
  for (std::string zone : {"fr-par-1", "nl-ams-1", "pl-waw-1"}) {
    auto q = sg_query({{Column::kLocality, Op::kEq, {zone}, {}, false},
                       {Column::kOrganization, Op::kEq, {"org-1"}, {}, false}});
    expect_pages(q, 100);
  }
  auto tx = store_->begin(TxMode::kRead);
  EXPECT_EQ(tx->count_owned("t.sg", "org-1") + tx->count_owned("t.sg", "org-2"), 600);
}

// SQL shapes: the deferred join, the seek condition's placeholders in text order, the counter
// total only for owner and locality filters.
TEST(SqlBuilder, ShapesOfListQueries) {
  ListQuery q;
  q.kind = "k";
  q.filters = {{Column::kOrganization, Op::kEq, {"o"}, {}, false}};
  q.order = {{Column::kName, true, {}}, {Column::kCreatedAt, true, {}}};
  q.offset = 10;
  q.limit = 5;
  auto s = sql::build_select(sql::Dialect::kSqlite, q);
  EXPECT_THAT(s.sql, ::testing::HasSubstr("FROM (SELECT r.rowid AS rid FROM resources r WHERE"));
  EXPECT_THAT(s.sql, ::testing::HasSubstr("LIMIT 5 OFFSET 10) k CROSS JOIN resources r"));
  sql::SeekKey key{{false, "n"}, {true, "7"}, {false, "id-1"}};
  sql::Plan p;
  p.from = &key;
  auto k = sql::build_select(sql::Dialect::kSqlite, q, p);
  EXPECT_THAT(k.sql, ::testing::HasSubstr("r.name <= ? AND (r.name < ? OR (r.name = ? AND "
                                          "(r.created_at < ? OR (r.created_at = ? AND "
                                          "r.id >= ?))))"));
  EXPECT_THAT(k.args, ::testing::ElementsAre("k", "o", "n", "n", "n", "7", "7", "id-1"));
  EXPECT_THAT(k.numeric,
              ::testing::ElementsAre(false, false, false, false, false, true, true, false));
  EXPECT_TRUE(sql::build_counter_total(sql::Dialect::kSqlite, q));
  q.filters.push_back({Column::kName, Op::kContains, {"x"}, {}, false});
  EXPECT_FALSE(sql::build_counter_total(sql::Dialect::kSqlite, q));
  q.filters.pop_back();
  q.tags_any = {"t"};
  EXPECT_FALSE(sql::build_counter_total(sql::Dialect::kSqlite, q));
  q.order = {{Column::kBody, false, "a"}};
  EXPECT_FALSE(sql::seekable(q));
  // Short or malformed needles get no trigram driver; quotes are doubled inside a trigram.
  ListQuery n;
  n.kind = "k";
  n.filters = {{Column::kName, Op::kContains, {"ab"}, {}, false}};
  EXPECT_THAT(sql::name_trigrams(n), ::testing::IsEmpty());
  n.filters[0].values = {
      "a\xff"
      "bc"};
  EXPECT_THAT(sql::name_trigrams(n), ::testing::IsEmpty());
  n.filters[0].values = {"a\"bcé"};
  EXPECT_THAT(sql::name_trigrams(n), ::testing::ElementsAre("\"a\"\"b\"", "\"\"\"bc\"", "\"bcé\""));
  n.filters[0].values = {"aaaa"};
  EXPECT_THAT(sql::name_trigrams(n), ::testing::ElementsAre("\"aaa\""));
}

// A store made before migration 4 (counters without locality, no name index) is upgraded in
// place: totals, counters and the name filter see the records it already held.
TEST(SqliteMigration, FourUpgradesAStoreOfVersionThree) {
  testing::TempDir dir;
  auto path = (dir.path() / "scwd.db").string();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    auto exec = [&](const std::string& s) {
      char* err = nullptr;
      ASSERT_EQ(sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err), SQLITE_OK)
          << (err ? err : "") << " in " << s;
    };
    exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
        " applied_at BIGINT NOT NULL)");
    for (auto& m : sql::migrations(sql::Dialect::kSqlite)) {
      if (m.version > 3) break;
      for (auto& s : m.statements) exec(s);
      exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'x', 0)");
    }
    exec("BEGIN");
    for (int i = 0; i < 700; ++i) {
      std::string id = "id-" + std::to_string(1000 + i);
      exec(
          "INSERT INTO resources (kind, id, organization_id, project_id, locality, name, "
          "created_at, updated_at, version, tags, body) VALUES ('t.sg', '" +
          id + "', 'org-1', 'proj-" + std::to_string(i % 2) + "', '" +
          (i % 3 ? "fr-par-1" : "nl-ams-1") + "', 'Old-Name-" + std::to_string(i) + "', " +
          std::to_string(i / 3) + ", 0, 1, '[\"t\"]', '{}')");
      exec("INSERT INTO resource_tags VALUES ('t.sg', '" + id + "', 't')");
    }
    exec(
        "INSERT INTO resource_counts SELECT kind, organization_id, project_id, COUNT(*) FROM "
        "resources GROUP BY 1, 2, 3");
    exec("COMMIT");
    sqlite3_close(db);
  }
  {
    auto store = open_sqlite({path});
    EXPECT_EQ(store->schema_version(), 4);
    auto tx = store->begin(TxMode::kRead);
    EXPECT_EQ(tx->count_owned("t.sg", "org-1"), 700);
    EXPECT_EQ(tx->count_owned("t.sg", "org-1", "proj-1"), 350);
    EXPECT_EQ(tx->count_in_project("proj-0", {}), 350);
    ListQuery q;
    q.kind = "t.sg";
    q.filters = {{Column::kLocality, Op::kEq, {"nl-ams-1"}, {}, false}};
    q.limit = 10;
    EXPECT_EQ(tx->list(q).total, 234);
    q.filters = {{Column::kName, Op::kContains, {"old-name-69"}, {}, false}};
    auto named = tx->list(q);
    EXPECT_EQ(named.total, 11);  // 69 and 690..699
    q.filters.clear();
    q.tags_all = {"t"};
    q.offset = 650;
    q.order = {{Column::kCreatedAt, true, {}}};
    auto far = tx->list(q);
    ASSERT_EQ(far.items.size(), 10u);
    EXPECT_EQ(far.total, 700);
    EXPECT_EQ(far.items.front().id, "id-1049");  // created_at 16: ids 1048..1050, desc by time
  }
}

}  // namespace
}  // namespace scwd::store

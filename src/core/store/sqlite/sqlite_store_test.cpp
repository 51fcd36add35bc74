// What only the SQLite back end does: its schema version, reopening a file, file permissions,
// unusable paths, group commit's own rules and durability. The contract every back end keeps is
// in store_conformance_test.cpp.
#include "core/store/sqlite/sqlite_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/store/sql.hpp"
#include "testing/temp_dir.hpp"

namespace scwd::store {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string db_path() const { return (dir_.path() / "scwd.db").string(); }

  static Record make(std::string kind, std::string id, std::string name = {}) {
    return {.kind = std::move(kind),
            .id = std::move(id),
            .organization_id = "org-1",
            .project_id = "proj-1",
            .name = std::move(name)};
  }

  void insert_all(std::vector<Record> records) {
    auto tx = store_->begin(TxMode::kWrite);
    for (auto& r : records) tx->insert(r);
    tx->commit();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = open_sqlite({db_path()});
};

TEST_F(SqliteStoreTest, Backend) {
  EXPECT_EQ(store_->backend(), "sqlite");
  ASSERT_FALSE(sql::migrations(sql::Dialect::kSqlite).empty());
  EXPECT_EQ(store_->schema_version(), sql::migrations(sql::Dialect::kSqlite).back().version);
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndSchemaVersion) {
  Record r = make("test.keep", "k1", "kept");
  r.tags = {"t"};
  r.keys = {"key:1"};
  insert_all({r});
  const int version = store_->schema_version();
  store_->close();
  store_.reset();

  for (int i = 0; i < 2; ++i) {
    store_ = open_sqlite({db_path()});  // migrations run again: must be idempotent
    EXPECT_EQ(store_->schema_version(), version);
    auto tx = store_->begin(TxMode::kRead);
    auto got = tx->get("test.keep", "k1");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, "kept");
    EXPECT_EQ(got->version, 1);
    EXPECT_THAT(got->tags, ElementsAre("t"));
    EXPECT_EQ(tx->get_by_key("test.keep", "key:1")->id, "k1");
    EXPECT_EQ(tx->count_in_project("proj-1", {}), 1);
    tx.reset();
    store_.reset();
  }
  store_ = open_sqlite({db_path()});
}

mode_t file_mode(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 07777;
  return st.st_mode & 07777;
}

// Restores the process umask when a test changed it.
struct UmaskGuard {
  explicit UmaskGuard(mode_t m) : old(::umask(m)) {}
  ~UmaskGuard() { ::umask(old); }
  mode_t old;
};

TEST_F(SqliteStoreTest, FilesAreOwnerOnlyWhateverTheUmask) {
  for (mode_t mask : {mode_t{022}, mode_t{0}, mode_t{0277}}) {
    SCOPED_TRACE(mask);
    UmaskGuard guard(mask);
    auto path = (dir_.path() / ("private-" + std::to_string(mask) + ".db")).string();
    auto store = open_sqlite({path});
    {
      auto tx = store->begin(TxMode::kWrite);
      Record r = make("test.private", "p1", "secret stuff");
      tx->insert(r);
      tx->commit();
    }
    EXPECT_TRUE(store->begin(TxMode::kRead)->get("test.private", "p1"));
    // In WAL mode the -wal and -shm files exist while the store is open.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      ASSERT_TRUE(fs::exists(path + suffix)) << suffix;
      EXPECT_EQ(file_mode(path + suffix), 0600u) << suffix;
    }
  }
}

TEST_F(SqliteStoreTest, WorldReadableFilesOfAnEarlierVersionAreNarrowed) {
  UmaskGuard guard(022);
  insert_all({make("test.private", "p1")});
  // Another connection keeps the -wal and -shm files in place while the store reopens.
  ::chmod(db_path().c_str(), 0644);
  ::chmod((db_path() + "-wal").c_str(), 0644);
  ::chmod((db_path() + "-shm").c_str(), 0664);
  auto again = open_sqlite({db_path()});
  for (const char* suffix : {"", "-wal", "-shm"}) EXPECT_EQ(file_mode(db_path() + suffix), 0600u);
  EXPECT_TRUE(again->begin(TxMode::kRead)->get("test.private", "p1"));
}

TEST_F(SqliteStoreTest, ClosedStoreRefusesNewTransactions) {
  store_->close();
  EXPECT_THROW(store_->begin(TxMode::kRead), StoreError);
  store_->close();  // idempotent
}

TEST_F(SqliteStoreTest, OpeningAnUnusablePathFails) {
  EXPECT_THROW(open_sqlite({(dir_.path() / "missing-dir" / "x.db").string()}), StoreError);
  std::ofstream(dir_.path() / "garbage.db") << std::string(8192, 'x');
  EXPECT_THROW(open_sqlite({(dir_.path() / "garbage.db").string()}), StoreError);
}

TEST_F(SqliteStoreTest, GroupedWorkMayNotCommitItself) {
  EXPECT_THROW(store_->write([](Tx& tx) {
    tx.commit();
    return true;
  }),
               StoreError);
}

TEST_F(SqliteStoreTest, WritesAcknowledgedByGroupCommitSurviveReopen) {
  for (int i = 0; i < 50; ++i) {
    auto r = make("k", "g" + std::to_string(i));
    store_->write([&](Tx& tx) {
      tx.insert(r);
      return true;
    });
  }
  store_.reset();
  store_ = open_sqlite({db_path()});
  ListQuery q;
  q.kind = "k";
  EXPECT_EQ(store_->begin(TxMode::kRead)->count(q), 50);
}

}  // namespace
}  // namespace scwd::store

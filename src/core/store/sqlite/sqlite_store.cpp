#include "core/store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/store/sql.hpp"

namespace scwd::store {

namespace json = boost::json;

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StoreError(what + ": " + (db ? sqlite3_errmsg(db) : "no connection"));
}

// Process-wide SQLite settings, applied once before the first connection: no memory statistics
// (they take a global mutex on every allocation SQLite makes, which every thread contends for).
void configure_sqlite_once() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

// The store holds every resource, user data and key hash: its files are the owner's alone,
// whatever the umask. The database file is created 0600 before SQLite opens it, because SQLite
// gives the -wal and -shm files it creates the database file's mode. Files left broader by an
// earlier version are narrowed. Paths only (chmod, not an open descriptor): closing a descriptor
// would drop the POSIX locks another connection of this process might hold on the file.
void restrict_file_modes(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);                  // new and empty: SQLite formats it
    ::chmod(path.c_str(), 0600);  // the umask may have taken the owner's bits too
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    auto p = path + suffix;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0)
      ::chmod(p.c_str(), st.st_mode & 0700);
  }
}

class Connection {
 public:
  Connection(const SqliteOptions& o) {
    configure_sqlite_once();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(o.path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw StoreError("cannot open " + o.path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, o.busy_timeout_ms);
    exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode: a committed transaction survives a crash of the process (kill -9);
    // only a power loss can lose the last commits.
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=OFF");
    exec("PRAGMA temp_store=MEMORY");
    exec("PRAGMA cache_size=-" + std::to_string(o.cache_kib));
    // Checkpoints run on the store's checkpointer thread, not inside the writer's commits; the
    // writer only checkpoints itself when that thread falls behind (WAL over ~32 MB).
    exec("PRAGMA wal_autocheckpoint=8000");
  }
  ~Connection() {
    for (auto& [sql, c] : cache_) sqlite3_finalize(c.stmt);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw StoreError("sqlite: " + msg + " in: " + sql);
    }
  }

  // A cached statement, or a fresh one when the cached one is in use by an outer statement
  // (nested queries); `owned` tells the caller to finalize it.
  sqlite3_stmt* prepare(const std::string& sql, bool& owned) {
    owned = false;
    auto it = cache_.find(sql);
    if (it != cache_.end() && !it->second.in_use) {
      it->second.in_use = true;
      return it->second.stmt;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      fail(db_, "prepare " + sql);
    if (it != cache_.end() || cache_.size() > 512) {
      owned = true;
      return st;
    }
    cache_.emplace(sql, Cached{st, true});
    return st;
  }
  void release(const std::string& sql, sqlite3_stmt* st, bool owned) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (owned) {
      sqlite3_finalize(st);
      return;
    }
    if (auto it = cache_.find(sql); it != cache_.end()) it->second.in_use = false;
  }

  sqlite3* db() { return db_; }

 private:
  struct Cached {
    sqlite3_stmt* stmt;
    bool in_use;
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Cached> cache_;
};

class Stmt {
 public:
  Stmt(Connection& c, std::string sql)
      : c_(c), sql_(std::move(sql)), st_(c.prepare(sql_, owned_)) {}
  ~Stmt() { c_.release(sql_, st_, owned_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& text(std::string_view v) {
    sqlite3_bind_text(st_, ++idx_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& integer(std::int64_t v) {
    sqlite3_bind_int64(st_, ++idx_, v);
    return *this;
  }
  Stmt& null() {
    sqlite3_bind_null(st_, ++idx_);
    return *this;
  }
  // true when a row is available
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT ||
        sqlite3_extended_errcode(c_.db()) == SQLITE_CONSTRAINT_PRIMARYKEY)
      throw DuplicateKey(sqlite3_errmsg(c_.db()));
    if (rc == SQLITE_BUSY) throw Conflict(std::string("busy: ") + sqlite3_errmsg(c_.db()));
    fail(c_.db(), "step");
  }
  std::string col_text(int i) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i)))
             : std::string();
  }
  std::int64_t col_int(int i) { return sqlite3_column_int64(st_, i); }
  bool col_null(int i) { return sqlite3_column_type(st_, i) == SQLITE_NULL; }
  bool col_is_int(int i) { return sqlite3_column_type(st_, i) == SQLITE_INTEGER; }
  int changes() { return sqlite3_changes(c_.db()); }

 private:
  Connection& c_;
  std::string sql_;
  bool owned_ = false;
  sqlite3_stmt* st_;
  int idx_ = 0;
};

Record read_record(Stmt& s) {
  Record r;
  r.kind = s.col_text(0);
  r.id = s.col_text(1);
  r.organization_id = s.col_text(2);
  r.project_id = s.col_text(3);
  r.locality = s.col_text(4);
  r.name = s.col_text(5);
  r.parent_id = s.col_text(6);
  r.state = s.col_text(7);
  r.created_at = s.col_int(8);
  r.updated_at = s.col_int(9);
  if (!s.col_null(10)) r.due_at = s.col_int(10);
  r.version = s.col_int(11);
  // Strings are written as they were given, and a path parameter or an older row may hold bytes
  // that are not UTF-8: reading must give them back rather than fail every later read (the
  // response encoder makes them valid UTF-8 on the way out).
  json::parse_options opts;
  opts.allow_invalid_utf8 = true;
  auto tags = json::parse(s.col_text(12), {}, opts);
  for (auto& t : tags.as_array()) r.tags.emplace_back(t.as_string());
  auto keys = json::parse(s.col_text(13), {}, opts);
  for (auto& k : keys.as_array()) r.keys.emplace_back(k.as_string());
  r.body = json::parse(s.col_text(14), {}, opts).as_object();
  return r;
}

std::string tags_json(const std::vector<std::string>& tags) {
  json::array a;
  for (auto& t : tags) a.emplace_back(t);
  return json::serialize(a);
}

// Runs a statement that takes no parameters and returns no rows (transaction control).
void run(Connection& c, const char* sql) {
  Stmt s(c, sql);
  s.step();
}

// A savepoint around one write: when the write throws half-way (e.g. DuplicateKey on a unique key
// after the row went in), everything it did is undone, so the caller may handle the error and go
// on with the transaction.
class Savepoint {
 public:
  explicit Savepoint(Connection& c) : c_(c) { run(c_, "SAVEPOINT scwd_write"); }
  ~Savepoint() {
    if (released_) return;
    try {
      run(c_, "ROLLBACK TO scwd_write");
      run(c_, "RELEASE scwd_write");
    } catch (...) {
      // the enclosing transaction rolls back anyway
    }
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release() {
    run(c_, "RELEASE scwd_write");
    released_ = true;
  }

 private:
  Connection& c_;
  bool released_ = false;
};

class SqliteStore;

// Lists page by position rather than by offset once the offset is large: a list's positions
// (order values and id) every kStride records are computed once by walking the list's index,
// and cached per query until a write of the kind; page N then seeks to the last boundary at or
// before it and skips fewer than kStride index entries. The walk also yields the exact total.
constexpr std::int64_t kStride = 512;
// A driver (see sql::Driver) is used when it yields at most this many candidates.
constexpr int kProbeLimit = 10000;
// Cached boundary sets (least recently used first out).
constexpr std::size_t kBoundaryCacheSize = 32;

// New records reach the name index in bulk, once this many have accumulated beyond it: until
// then name queries scan them (the highest rowids), which stays cheap at this size, and a create
// does not pay a full-text insert of its own.
constexpr std::int64_t kNameIndexLag = 1024;

// Indexes the names of the records beyond the name index's mark when at least `min_lag` of them
// have accumulated, inside the caller's transaction.
void index_new_names(Connection& c, std::int64_t min_lag) {
  std::int64_t upto = 0, last = 0;
  {
    Stmt s(c, "SELECT upto FROM resource_names_state");
    if (s.step()) upto = s.col_int(0);
  }
  {
    Stmt s(c, "SELECT COALESCE(MAX(rowid), 0) FROM resources");
    if (s.step()) last = s.col_int(0);
  }
  if (last - upto < min_lag) return;
  {
    Stmt s(c,
           "INSERT INTO resource_names (rowid, name)"
           " SELECT rowid, name FROM resources WHERE rowid > ? AND rowid <= ?");
    s.integer(upto).integer(last);
    s.step();
  }
  Stmt s(c, "UPDATE resource_names_state SET upto = ?");
  s.integer(last);
  s.step();
}

struct Boundaries {
  std::int64_t stamp = 0;  // the kind's change counter they were computed at
  std::int64_t total = 0;
  std::vector<sql::SeekKey> keys;  // keys[j]: position of record j * kStride
};

class SqliteTx final : public Tx {
 public:
  // A transaction of its own on a pooled connection.
  SqliteTx(SqliteStore& store, std::unique_ptr<Connection> conn, TxMode mode);
  // One member of a group commit: runs inside the writer's transaction, which it neither
  // begins, commits nor rolls back.
  explicit SqliteTx(Connection& batch_conn)
      : store_(nullptr), conn_(&batch_conn), mode_(TxMode::kWrite), batch_member_(true) {}
  // A transaction begun by a job running on the writer thread (run_grouped): it works on the
  // group's connection, so it sees the group's writes; a write transaction is a savepoint that
  // commit() releases and the destructor otherwise rolls back.
  SqliteTx(Connection& batch_conn, TxMode mode)
      : store_(nullptr), conn_(&batch_conn), mode_(mode), batch_member_(true), nested_(true) {
    if (mode_ == TxMode::kWrite) run(*conn_, "SAVEPOINT scwd_nested");
  }
  ~SqliteTx() override;

  std::optional<Record> get(std::string_view kind, std::string_view id) override {
    Stmt s(*conn_, std::string("SELECT ") + sql::kRecordColumns +
                       " FROM resources WHERE kind = ? AND id = ?");
    s.text(kind).text(id);
    if (!s.step()) return std::nullopt;
    return read_record(s);
  }

  std::optional<Record> get_by_key(std::string_view kind, std::string_view key) override {
    std::string id;
    {
      Stmt s(*conn_, "SELECT id FROM resource_keys WHERE kind = ? AND key = ?");
      s.text(kind).text(key);
      if (!s.step()) return std::nullopt;
      id = s.col_text(0);
    }
    return get(kind, id);
  }

  void insert(Record& r) override {
    require_write();
    Savepoint sp(*conn_);
    r.version = 1;
    {
      Stmt s(*conn_,
             "INSERT INTO resources (kind, id, organization_id, project_id, locality, name, "
             "parent_id, state, created_at, updated_at, due_at, version, tags, keys, body) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      bind_row(s, r);
      s.step();
    }
    bump_count(r.kind, r.organization_id, r.project_id, r.locality, 1);
    touch(r.kind);
    write_tags(r);
    write_keys(r);
    sp.release();
  }

  void update(Record& r) override {
    require_write();
    Savepoint sp(*conn_);
    std::string old_org, old_project, old_locality, old_tags, old_keys;
    std::string new_tags = tags_json(r.tags), new_keys = tags_json(r.keys);
    {
      Stmt s(*conn_,
             "SELECT organization_id, project_id, locality, tags, keys FROM resources "
             "WHERE kind = ? AND id = ?");
      s.text(r.kind).text(r.id);
      if (!s.step()) throw Conflict("record vanished: " + r.kind + " " + r.id);
      old_org = s.col_text(0);
      old_project = s.col_text(1);
      old_locality = s.col_text(2);
      old_tags = s.col_text(3);
      old_keys = s.col_text(4);
    }
    {
      Stmt s(*conn_,
             "UPDATE resources SET organization_id = ?, project_id = ?, locality = ?, name = ?, "
             "parent_id = ?, state = ?, created_at = ?, updated_at = ?, due_at = ?, version = ?, "
             "tags = ?, keys = ?, body = ? WHERE kind = ? AND id = ? AND version = ?");
      s.text(r.organization_id).text(r.project_id).text(r.locality).text(r.name);
      s.text(r.parent_id).text(r.state).integer(r.created_at).integer(r.updated_at);
      if (r.due_at)
        s.integer(*r.due_at);
      else
        s.null();
      s.integer(r.version + 1).text(new_tags).text(new_keys).text(json::serialize(r.body));
      s.text(r.kind).text(r.id).integer(r.version);
      s.step();
      if (s.changes() != 1) throw Conflict("stale version of " + r.kind + " " + r.id);
    }
    if (old_org != r.organization_id || old_project != r.project_id || old_locality != r.locality) {
      bump_count(r.kind, old_org, old_project, old_locality, -1);
      bump_count(r.kind, r.organization_id, r.project_id, r.locality, 1);
    }
    touch(r.kind);
    if (old_tags != new_tags) {
      clear_tags(r.kind, r.id);
      write_tags(r);
    }
    if (old_keys != new_keys) {
      clear_keys(r.kind, r.id);
      write_keys(r);
    }
    sp.release();
    r.version += 1;  // only once every part of the write went through
  }

  bool remove(std::string_view kind, std::string_view id) override {
    require_write();
    std::string org, project, locality, tags, keys;
    {
      Stmt s(*conn_,
             "DELETE FROM resources WHERE kind = ? AND id = ? "
             "RETURNING organization_id, project_id, locality, tags, keys");
      s.text(kind).text(id);
      if (!s.step()) return false;
      org = s.col_text(0);
      project = s.col_text(1);
      locality = s.col_text(2);
      tags = s.col_text(3);
      keys = s.col_text(4);
      while (s.step()) {
      }
    }
    bump_count(kind, org, project, locality, -1);
    touch(kind);
    if (tags != "[]") clear_tags(kind, id);
    if (keys != "[]") clear_keys(kind, id);
    return true;
  }

  ListResult list(const ListQuery& q) override;
  std::int64_t count(const ListQuery& q) override;

  std::int64_t count_in_project(std::string_view project_id,
                                const std::vector<std::string>& except_kinds) override {
    std::string q = "SELECT COALESCE(SUM(n), 0) FROM resource_totals WHERE project_id = ?";
    for (std::size_t i = 0; i < except_kinds.size(); ++i) q += " AND kind <> ?";
    Stmt s(*conn_, q);
    s.text(project_id);
    for (auto& k : except_kinds) s.text(k);
    s.step();
    return s.col_int(0);
  }

  std::int64_t count_owned(std::string_view kind, std::string_view organization_id,
                           std::string_view project_id) override {
    std::string q =
        "SELECT COALESCE(SUM(n), 0) FROM resource_totals WHERE kind = ? AND organization_id = ?";
    if (!project_id.empty()) q += " AND project_id = ?";
    Stmt s(*conn_, q);
    s.text(kind).text(organization_id);
    if (!project_id.empty()) s.text(project_id);
    s.step();
    return s.col_int(0);
  }

  void commit() override {
    if (nested_) {
      if (mode_ == TxMode::kWrite && !done_) run(*conn_, "RELEASE scwd_nested");
      done_ = true;
      return;
    }
    if (batch_member_) throw StoreError("commit() inside a grouped write: return true instead");
    run(*conn_, "COMMIT");
    done_ = true;
  }

 private:
  void require_write() {
    if (mode_ != TxMode::kWrite) throw StoreError("write in a read transaction");
  }
  static void bind_args(Stmt& s, const sql::Built& b) {
    for (std::size_t i = 0; i < b.args.size(); ++i) {
      if (b.numeric[i])
        s.integer(std::stoll(b.args[i]));
      else
        s.text(b.args[i]);
    }
  }
  void bind_row(Stmt& s, const Record& r) {
    s.text(r.kind).text(r.id).text(r.organization_id).text(r.project_id).text(r.locality);
    s.text(r.name).text(r.parent_id).text(r.state).integer(r.created_at).integer(r.updated_at);
    if (r.due_at)
      s.integer(*r.due_at);
    else
      s.null();
    s.integer(r.version).text(tags_json(r.tags)).text(tags_json(r.keys));
    s.text(json::serialize(r.body));
  }
  void bump_count(std::string_view kind, std::string_view org, std::string_view project,
                  std::string_view locality, int delta) {
    Stmt s(*conn_,
           "INSERT INTO resource_totals (kind, organization_id, project_id, locality, n) "
           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, organization_id, project_id, locality) "
           "DO UPDATE SET n = n + excluded.n");
    s.text(kind).text(org).text(project).text(locality).integer(delta);
    s.step();
  }
  // Every write of a kind moves its change counter, in the same transaction: cached list
  // boundaries of the kind are valid exactly while the counter they were computed at holds.
  void touch(std::string_view kind) {
    Stmt s(*conn_,
           "INSERT INTO resource_changes (kind, n) VALUES (?, 1) "
           "ON CONFLICT (kind) DO UPDATE SET n = n + 1");
    s.text(kind);
    s.step();
  }
  // Cached boundaries may be read and written only by a read transaction of its own: it sees
  // committed data only (a group's members see uncommitted writes that may still roll back).
  bool may_cache() const { return store_ != nullptr && mode_ == TxMode::kRead; }
  std::int64_t change_stamp(const std::string& kind) {
    Stmt s(*conn_, "SELECT n FROM resource_changes WHERE kind = ?");
    s.text(kind);
    return s.step() ? s.col_int(0) : 0;
  }
  sql::Plan choose_driver(const ListQuery& q);
  std::int64_t run_count(const ListQuery& q, const sql::Plan& plan);
  std::vector<Record> run_select(const ListQuery& q, const sql::Plan& plan) {
    std::vector<Record> items;
    auto b = sql::build_select(sql::Dialect::kSqlite, q, plan);
    Stmt s(*conn_, b.sql);
    bind_args(s, b);
    while (s.step()) items.push_back(read_record(s));
    return items;
  }
  // A list's positions: cached, or walked now and cached.
  std::shared_ptr<const Boundaries> boundaries(const ListQuery& q, const sql::Plan& plan);
  // Only when cached (and valid in this transaction's snapshot).
  std::shared_ptr<const Boundaries> cached_boundaries(const ListQuery& q, const sql::Plan& plan);
  static std::string cache_key(const sql::Built& kb);
  void clear_tags(std::string_view kind, std::string_view id) {
    Stmt s(*conn_, "DELETE FROM resource_tags WHERE kind = ? AND id = ?");
    s.text(kind).text(id);
    s.step();
  }
  void clear_keys(std::string_view kind, std::string_view id) {
    Stmt s(*conn_, "DELETE FROM resource_keys WHERE kind = ? AND id = ?");
    s.text(kind).text(id);
    s.step();
  }
  void write_tags(const Record& r) {
    for (auto& t : r.tags) {
      Stmt s(*conn_,
             "INSERT INTO resource_tags (kind, id, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
      s.text(r.kind).text(r.id).text(t);
      s.step();
    }
  }
  void write_keys(const Record& r) {
    for (auto& k : r.keys) {
      Stmt s(*conn_, "INSERT INTO resource_keys (kind, key, id) VALUES (?, ?, ?)");
      s.text(r.kind).text(k).text(r.id);
      s.step();
    }
  }

  SqliteStore* store_;
  std::unique_ptr<Connection> owned_;
  Connection* conn_;
  TxMode mode_;
  bool batch_member_ = false;
  bool nested_ = false;
  bool done_ = false;
  std::unique_lock<std::mutex> write_lock_;
};

// Runs `work` in a savepoint of the group's transaction on `c`: kept when it returns true, undone
// alone when it returns false or throws. Rethrows what it threw; a failure to keep or undo it is
// thrown only when the work itself did not fail.
void in_savepoint(Connection& c, const std::function<bool(Tx&)>& work) {
  run(c, "SAVEPOINT scwd_work");
  bool keep = false;
  std::exception_ptr error;
  try {
    SqliteTx tx(c);
    keep = work(tx);
  } catch (...) {
    error = std::current_exception();
  }
  try {
    if (!keep) run(c, "ROLLBACK TO scwd_work");
    run(c, "RELEASE scwd_work");
  } catch (...) {
    if (!error) throw;
  }
  if (error) std::rethrow_exception(error);
}

// The store a run_grouped() job is handed: every transaction it begins and every write() it makes
// works on the group's connection, inside the group's transaction (a write is a savepoint of its
// own, undone alone when it fails).
class GroupStore final : public Store {
 public:
  GroupStore(Store& owner, Connection& conn) : owner_(owner), conn_(conn) {}
  std::unique_ptr<Tx> begin(TxMode mode) override {
    return std::make_unique<SqliteTx>(conn_, mode);
  }
  void write(const std::function<bool(Tx&)>& work) override { in_savepoint(conn_, work); }
  // Already in a group: the nested job runs here and its effects commit with the group.
  void run_grouped(std::function<void(Store&)> job, std::function<void(bool)> done) override {
    job(*this);
    done(true);
  }
  std::string_view backend() const override { return owner_.backend(); }
  int schema_version() override { return owner_.schema_version(); }
  void close() override { throw std::logic_error("a group's store cannot be closed"); }

 private:
  Store& owner_;
  Connection& conn_;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions o) : options_(std::move(o)) {
    restrict_file_modes(options_.path);
    auto c = std::make_unique<Connection>(options_);
    migrate(*c);
    // Whatever was written without the writer (bulk loads, tools) is indexed before serving.
    c->exec("BEGIN IMMEDIATE");
    try {
      index_new_names(*c, 1);
    } catch (...) {
      c->exec("ROLLBACK");
      throw;
    }
    c->exec("COMMIT");
    release(std::move(c));
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
  }
  ~SqliteStore() override { close(); }

  std::unique_ptr<Tx> begin(TxMode mode) override {
    refuse_on_writer();
    return std::make_unique<SqliteTx>(*this, acquire(), mode);
  }

  // Group commit: concurrent writers queue their work; one writer thread runs everything queued
  // in one transaction, each piece inside its own savepoint, and commits once. A caller returns
  // only after the commit that holds its work (or with the error that undid it).
  void write(const std::function<bool(Tx&)>& work) override {
    refuse_on_writer();
    Pending p{&work};
    {
      std::unique_lock lk(queue_mu_);
      if (closed_writer_) throw StoreError("store is closed");
      if (!writer_.joinable()) writer_ = std::thread([this] { writer_loop(); });
      queue_.push_back(&p);
      queue_cv_.notify_one();
      done_cv_.wait(lk, [&] { return p.done; });
    }
    if (p.error) std::rethrow_exception(p.error);
  }
  std::string_view backend() const override { return "sqlite"; }

  // The job runs on the writer thread as a member of the next group; done(durable) is called
  // from the writer thread after that group's commit (false when the commit failed).
  void run_grouped(std::function<void(Store&)> job, std::function<void(bool)> done) override {
    auto* p = new Pending{nullptr};
    p->job = std::move(job);
    p->on_done = std::move(done);
    std::unique_lock lk(queue_mu_);
    if (closed_writer_) {
      lk.unlock();
      delete p;
      throw StoreError("store is closed");
    }
    if (!writer_.joinable()) writer_ = std::thread([this] { writer_loop(); });
    queue_.push_back(p);
    queue_cv_.notify_one();
  }

  int schema_version() override {
    auto c = acquire();
    int v = 0;
    {
      Stmt s(*c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (s.step()) v = static_cast<int>(s.col_int(0));
    }
    release(std::move(c));
    return v;
  }

  void close() override {
    {
      std::unique_lock lk(queue_mu_);
      closed_writer_ = true;
      queue_cv_.notify_all();
    }
    if (writer_.joinable()) writer_.join();
    {
      std::lock_guard lk(checkpoint_mu_);
      stop_checkpointer_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    std::lock_guard lk(pool_mu_);
    if (closed_) return;
    closed_ = true;
    // Checkpoint so the database file is complete on its own after a clean stop.
    if (!pool_.empty()) {
      try {
        pool_.back()->exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (const StoreError&) {
      }
    }
    pool_.clear();
  }

  std::unique_ptr<Connection> acquire() {
    {
      std::lock_guard lk(pool_mu_);
      if (closed_) throw StoreError("store is closed");
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
    }
    return std::make_unique<Connection>(options_);
  }

  void release(std::unique_ptr<Connection> c) {
    std::lock_guard lk(pool_mu_);
    if (!closed_ && pool_.size() < 64) pool_.push_back(std::move(c));
  }

  std::mutex& write_mutex() { return write_mu_; }

  // Boundaries of a list computed at the kind's change counter `stamp`, if cached.
  std::shared_ptr<const Boundaries> cached_boundaries(const std::string& key, std::int64_t stamp) {
    std::lock_guard lk(cache_mu_);
    auto it = boundary_cache_.find(key);
    if (it == boundary_cache_.end() || it->second.boundaries->stamp != stamp) return nullptr;
    it->second.used = ++cache_clock_;
    return it->second.boundaries;
  }
  void cache_boundaries(const std::string& key, std::shared_ptr<const Boundaries> b) {
    std::lock_guard lk(cache_mu_);
    auto& e = boundary_cache_[key];
    // A reader on an older snapshot does not replace newer boundaries.
    if (e.boundaries && e.boundaries->stamp > b->stamp) return;
    e.boundaries = std::move(b);
    e.used = ++cache_clock_;
    if (boundary_cache_.size() <= kBoundaryCacheSize) return;
    auto oldest = boundary_cache_.begin();
    for (auto i = boundary_cache_.begin(); i != boundary_cache_.end(); ++i)
      if (i->second.used < oldest->second.used) oldest = i;
    boundary_cache_.erase(oldest);
  }

 private:
  void migrate(Connection& c) {
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    int current = 0;
    {
      Stmt s(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (s.step()) current = static_cast<int>(s.col_int(0));
    }
    for (auto& m : sql::migrations(sql::Dialect::kSqlite)) {
      if (m.version <= current) continue;
      c.exec("BEGIN IMMEDIATE");
      try {
        for (auto& st : m.statements) c.exec(st);
        Stmt s(c,
               "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, "
               "strftime('%s','now'))");
        s.integer(m.version).text(m.description);
        s.step();
      } catch (...) {
        c.exec("ROLLBACK");
        throw;
      }
      c.exec("COMMIT");
    }
  }

  // Copies committed WAL pages back into the database file every 100 ms (PASSIVE: never blocks
  // the writer or readers), so the writer thread's commits mostly only append to the WAL.
  void checkpoint_loop() {
    std::unique_ptr<Connection> c;
    std::unique_lock lk(checkpoint_mu_);
    while (!stop_checkpointer_) {
      checkpoint_cv_.wait_for(lk, std::chrono::milliseconds(100));
      if (stop_checkpointer_) break;
      lk.unlock();
      try {
        if (!c) c = std::make_unique<Connection>(options_);
        c->exec("PRAGMA wal_checkpoint(PASSIVE)");
      } catch (const std::exception&) {
        c.reset();  // retried on the next tick
      }
      lk.lock();
    }
  }

  struct Pending {
    const std::function<bool(Tx&)>* work;  // a write() caller waiting in write()
    bool done = false;
    std::exception_ptr error;
    // or a run_grouped() job (owned by the writer, deleted after)
    std::function<void(Store&)> job;
    std::function<void(bool)> on_done;
  };

  // A job on the writer thread that used this store instead of the one it was handed would wait
  // for itself (write) or read outside its group (begin): a programming error, said at once.
  void refuse_on_writer() const {
    if (std::this_thread::get_id() == writer_id_.load())
      throw std::logic_error("a grouped job must use the store it is handed");
  }

  void writer_loop() {
    writer_id_.store(std::this_thread::get_id());
    std::vector<Pending*> batch;
    std::vector<Pending*> jobs;
    for (;;) {
      {
        std::unique_lock lk(queue_mu_);
        queue_cv_.wait(lk, [&] { return !queue_.empty() || closed_writer_; });
        if (queue_.empty()) return;  // closed and drained
        batch.assign(queue_.begin(), queue_.end());
        queue_.clear();
      }
      run_batch(batch);
      // Jobs first: once a write() caller is marked done it may return and free its Pending.
      jobs.clear();
      for (auto* p : batch)
        if (p->job) jobs.push_back(p);
      bool waiters = jobs.size() < batch.size();
      if (waiters) {
        std::lock_guard lk(queue_mu_);
        for (auto* p : batch)
          if (!p->job) p->done = true;
      }
      if (waiters) done_cv_.notify_all();
      for (auto* p : jobs) {
        try {
          p->on_done(!p->error);
        } catch (...) {
        }
        delete p;
      }
      batch.clear();
    }
  }

  void run_batch(const std::vector<Pending*>& batch) {
    std::unique_ptr<Connection> conn;
    try {
      conn = acquire();
    } catch (...) {
      for (auto* p : batch) p->error = std::current_exception();
      return;
    }
    std::unique_lock wl(write_mu_);
    auto exec = [&](const char* sql) { run(*conn, sql); };
    try {
      exec("BEGIN IMMEDIATE");
    } catch (...) {
      for (auto* p : batch) p->error = std::current_exception();
      return;  // the connection is dropped
    }
    for (auto* p : batch) {
      if (p->job) {  // its writes are inline savepoints (write()); it handles its own errors
        GroupStore group(*this, *conn);
        try {
          p->job(group);
        } catch (...) {
        }
        continue;
      }
      try {
        in_savepoint(*conn, *p->work);
      } catch (...) {
        p->error = std::current_exception();
      }
    }
    // In the group's transaction (no commit of its own); a failure only leaves the index behind.
    try {
      exec("SAVEPOINT scwd_names");
      try {
        index_new_names(*conn, kNameIndexLag);
      } catch (...) {
        exec("ROLLBACK TO scwd_names");
      }
      exec("RELEASE scwd_names");
    } catch (...) {
    }
    try {
      exec("COMMIT");
    } catch (...) {
      auto e = std::current_exception();
      for (auto* p : batch)
        if (!p->error) p->error = e;
      try {
        exec("ROLLBACK");
      } catch (...) {
        return;  // drop the connection
      }
    }
    wl.unlock();
    release(std::move(conn));
  }

  SqliteOptions options_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::condition_variable done_cv_;
  std::vector<Pending*> queue_;
  std::thread writer_;
  std::atomic<std::thread::id> writer_id_{};
  bool closed_writer_ = false;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_;
  bool closed_ = false;
  std::mutex write_mu_;  // one writer at a time inside the process: no SQLITE_BUSY spinning
  struct CachedBoundaries {
    std::shared_ptr<const Boundaries> boundaries;
    std::uint64_t used = 0;
  };
  std::mutex cache_mu_;
  std::unordered_map<std::string, CachedBoundaries> boundary_cache_;
  std::uint64_t cache_clock_ = 0;
  std::thread checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stop_checkpointer_ = false;
};

SqliteTx::SqliteTx(SqliteStore& store, std::unique_ptr<Connection> conn, TxMode mode)
    : store_(&store), owned_(std::move(conn)), conn_(owned_.get()), mode_(mode) {
  if (mode == TxMode::kWrite) {
    write_lock_ = std::unique_lock<std::mutex>(store_->write_mutex());
    run(*conn_, "BEGIN IMMEDIATE");
  } else {
    run(*conn_, "BEGIN");
  }
}

sql::Plan SqliteTx::choose_driver(const ListQuery& q) {
  auto capped_count = [&](const sql::Built& b) {
    Stmt s(*conn_, b.sql);
    bind_args(s, b);
    s.step();
    return s.col_int(0);
  };
  sql::Plan plan;
  // Names: the trigram index answers with the value's rarest trigrams (common ones, such as
  // a prefix every name shares, would make it read long lists), each ranked by a capped count;
  // among equally common ones the last come first (names share prefixes more than suffixes).
  if (auto grams = sql::name_trigrams(q); !grams.empty()) {
    std::vector<std::pair<std::int64_t, std::string>> ranked;
    for (auto g = grams.rbegin(); g != grams.rend(); ++g)
      ranked.emplace_back(capped_count(sql::build_match_probe(*g, 2000)), *g);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](auto& a, auto& b) { return a.first < b.first; });
    std::string match;
    for (std::size_t i = 0; i < ranked.size() && i < 3; ++i)
      match += (i ? " AND " : "") + ranked[i].second;
    if (capped_count(sql::build_match_probe(match, kProbeLimit)) <= kProbeLimit) {
      plan.driver = sql::Driver::kName;
      plan.name_match = std::move(match);
      return plan;
    }
  }
  sql::Plan tags;
  tags.driver = sql::Driver::kTags;
  if (auto p = sql::build_probe(sql::Dialect::kSqlite, q, tags, kProbeLimit))
    if (capped_count(*p) <= kProbeLimit) return tags;
  return plan;
}

std::string SqliteTx::cache_key(const sql::Built& kb) {
  std::string key = kb.sql;
  for (std::size_t i = 0; i < kb.args.size(); ++i) {
    key += '\x1f';
    key += kb.numeric[i] ? '#' : '$';
    key += kb.args[i];
  }
  return key;
}

std::shared_ptr<const Boundaries> SqliteTx::cached_boundaries(const ListQuery& q,
                                                              const sql::Plan& plan) {
  auto kb = sql::build_keys(sql::Dialect::kSqlite, q, plan);
  return store_->cached_boundaries(cache_key(kb), change_stamp(q.kind));
}

std::shared_ptr<const Boundaries> SqliteTx::boundaries(const ListQuery& q, const sql::Plan& plan) {
  auto kb = sql::build_keys(sql::Dialect::kSqlite, q, plan);
  std::string key = cache_key(kb);
  auto stamp = change_stamp(q.kind);
  if (auto hit = store_->cached_boundaries(key, stamp)) return hit;
  auto b = std::make_shared<Boundaries>();
  b->stamp = stamp;
  {
    Stmt s(*conn_, kb.sql);
    bind_args(s, kb);
    const int columns = static_cast<int>(q.order.size()) + 1;
    std::int64_t n = 0;
    while (s.step()) {
      if (n++ % kStride != 0) continue;
      sql::SeekKey k;
      for (int i = 0; i < columns; ++i) {
        if (s.col_is_int(i))
          k.push_back({true, std::to_string(s.col_int(i))});
        else
          k.push_back({false, s.col_text(i)});
      }
      b->keys.push_back(std::move(k));
    }
    b->total = n;
  }
  store_->cache_boundaries(key, b);
  return b;
}

std::int64_t SqliteTx::run_count(const ListQuery& q, const sql::Plan& plan) {
  // Unfiltered (owner and locality only): a sum over the counters.
  if (auto c = sql::build_counter_total(sql::Dialect::kSqlite, q)) {
    Stmt s(*conn_, c->sql);
    bind_args(s, *c);
    s.step();
    return s.col_int(0);
  }
  // Filtered: walking the list's positions costs about what counting does and caches the
  // total (and the pages' boundaries) for the next request of the same list.
  if (may_cache() && !q.kind.empty() && sql::seekable(q)) return boundaries(q, plan)->total;
  auto b = sql::build_count(sql::Dialect::kSqlite, q, plan);
  Stmt s(*conn_, b.sql);
  bind_args(s, b);
  s.step();
  return s.col_int(0);
}

ListResult SqliteTx::list(const ListQuery& q) {
  ListResult out;
  sql::Plan plan = choose_driver(q);
  // By position: always past the first stride, and before it too when the list's positions are
  // cached already (a filtered list's total walked them), since its first match may lie deep in
  // the kind's index.
  std::shared_ptr<const Boundaries> b;
  if (may_cache() && !q.kind.empty() && q.limit >= 0 && sql::seekable(q))
    b = q.offset >= kStride ? boundaries(q, plan) : cached_boundaries(q, plan);
  if (b) {
    if (q.offset < b->total && q.limit > 0) {
      auto j = q.offset / kStride;  // seek to record j * kStride, then skip the rest
      ListQuery rest = q;
      rest.offset = q.offset - j * kStride;
      sql::Plan seek = plan;
      seek.from = &b->keys[static_cast<std::size_t>(j)];
      out.items = run_select(rest, seek);
    }
    if (q.with_total) out.total = b->total;
    return out;
  }
  out.items = run_select(q, plan);
  if (q.with_total) {
    if (q.offset == 0 && (q.limit < 0 || static_cast<std::int64_t>(out.items.size()) < q.limit))
      out.total = static_cast<std::int64_t>(out.items.size());
    else
      out.total = run_count(q, plan);
  }
  return out;
}

std::int64_t SqliteTx::count(const ListQuery& q) { return run_count(q, choose_driver(q)); }

SqliteTx::~SqliteTx() {
  if (nested_ && mode_ == TxMode::kWrite && !done_) {
    try {
      run(*conn_, "ROLLBACK TO scwd_nested");
      run(*conn_, "RELEASE scwd_nested");
    } catch (...) {
    }
  }
  if (batch_member_) return;
  if (!done_) {
    try {
      run(*conn_, "ROLLBACK");
    } catch (...) {
      // the connection is unusable: drop it
      return;
    }
  }
  store_->release(std::move(owned_));
}

}  // namespace

std::unique_ptr<Store> open_sqlite(const SqliteOptions& options) {
  return std::make_unique<SqliteStore>(options);
}

}  // namespace scwd::store

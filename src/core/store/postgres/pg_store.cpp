#include "core/store/postgres/pg_store.hpp"

#include <libpq-fe.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/store/sql.hpp"
#include "core/util/utf8.hpp"

namespace scwd::store {

namespace json = boost::json;

namespace {

// A serialization failure or a deadlock (SQLSTATE 40001, 40P01): the transaction was undone by
// the database and may simply be run again. A Conflict, so that transact() retries it too.
struct Retryable : Conflict {
  using Conflict::Conflict;
};

// Statement parameters, all sent as text (the server infers each one's type from its use).
struct Params {
  std::vector<std::string> values;
  std::vector<bool> nulls;
  // PostgreSQL text holds well-formed UTF-8 without NUL; a request may carry any bytes (a path or
  // query parameter, a string in a body). Such bytes are stored and compared as U+FFFD, which is
  // also how every response shows them.
  Params& text(std::string_view v) {
    values.push_back(valid_utf8(v));
    nulls.push_back(false);
    return *this;
  }
  Params& integer(std::int64_t v) { return text(std::to_string(v)); }
  Params& null() {
    values.emplace_back();
    nulls.push_back(true);
    return *this;
  }
  Params& optional(const std::optional<std::int64_t>& v) { return v ? integer(*v) : null(); }
};

class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  ~Result() { PQclear(r_); }
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  int rows() const { return PQntuples(r_); }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col),
                       static_cast<std::size_t>(PQgetlength(r_, row, col)));
  }
  bool null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::int64_t integer(int row, int col) const {
    return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
  }
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const { return std::strtoll(PQcmdTuples(r_), nullptr, 10); }

 private:
  PGresult* r_;
};

// One connection: statements are prepared once per connection (by their text) and run with
// their parameters bound, never spliced into the SQL.
class Connection {
 public:
  explicit Connection(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) {
      std::string msg = c_ ? PQerrorMessage(c_) : "out of memory";
      PQfinish(c_);
      throw StoreError("cannot connect to PostgreSQL: " + msg);
    }
    // Notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
    PQsetNoticeProcessor(
        c_, [](void*, const char*) {}, nullptr);
  }
  ~Connection() { PQfinish(c_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool broken() const { return broken_ || PQstatus(c_) != CONNECTION_OK; }

  Result run(const std::string& sql, const Params& p = {}) {
    std::vector<const char*> values(p.values.size());
    for (std::size_t i = 0; i < p.values.size(); ++i)
      values[i] = p.nulls[i] ? nullptr : p.values[i].c_str();
    const int n = static_cast<int>(values.size());
    PGresult* r;
    if (auto name = prepared(sql)) {
      r = PQexecPrepared(c_, name->c_str(), n, values.data(), nullptr, nullptr, 0);
    } else {
      r = PQexecParams(c_, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
    }
    return check(r, sql);
  }

  // Transaction control and schema statements (no parameters, not prepared).
  void exec(const std::string& sql) { check(PQexec(c_, sql.c_str()), sql); }

 private:
  // The prepared statement for sql (prepared now if new), or nullopt once the cache is full
  // (lists build many shapes of statement; those beyond the cache run unprepared).
  std::optional<std::string> prepared(const std::string& sql) {
    if (auto it = names_.find(sql); it != names_.end()) return it->second;
    if (names_.size() >= 1024) return std::nullopt;
    std::string name = "s" + std::to_string(names_.size());
    check(PQprepare(c_, name.c_str(), sql.c_str(), 0, nullptr), sql);
    names_.emplace(sql, name);
    return name;
  }

  Result check(PGresult* r, const std::string& sql) {
    Result res(r);
    auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return res;
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c_);
    if (PQstatus(c_) != CONNECTION_OK) broken_ = true;
    if (code == "40001" || code == "40P01") throw Retryable("postgres " + code + ": " + msg);
    if (code == "23505") throw DuplicateKey(msg);
    throw StoreError("postgres " + code + ": " + msg + " in: " + sql.substr(0, 200));
  }

  PGconn* c_;
  bool broken_ = false;
  std::unordered_map<std::string, std::string> names_;
};

// A savepoint around one write: a write refused half-way is undone alone, and the transaction
// stays usable (PostgreSQL otherwise refuses every later statement of a failed transaction).
class Savepoint {
 public:
  explicit Savepoint(Connection& c) : c_(c) { c_.exec("SAVEPOINT scwd_write"); }
  ~Savepoint() {
    if (released_) return;
    try {
      c_.exec("ROLLBACK TO SAVEPOINT scwd_write");
      c_.exec("RELEASE SAVEPOINT scwd_write");
    } catch (...) {
      // the enclosing transaction rolls back anyway
    }
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release() {
    c_.exec("RELEASE SAVEPOINT scwd_write");
    released_ = true;
  }

 private:
  Connection& c_;
  bool released_ = false;
};

Record read_record(const Result& res, int row) {
  Record r;
  r.kind = res.text(row, 0);
  r.id = res.text(row, 1);
  r.organization_id = res.text(row, 2);
  r.project_id = res.text(row, 3);
  r.locality = res.text(row, 4);
  r.name = res.text(row, 5);
  r.parent_id = res.text(row, 6);
  r.state = res.text(row, 7);
  r.created_at = res.integer(row, 8);
  r.updated_at = res.integer(row, 9);
  if (!res.null(row, 10)) r.due_at = res.integer(row, 10);
  r.version = res.integer(row, 11);
  json::parse_options opts;
  opts.allow_invalid_utf8 = true;
  auto tags = json::parse(res.text(row, 12), {}, opts);
  for (auto& t : tags.as_array()) r.tags.emplace_back(t.as_string());
  auto keys = json::parse(res.text(row, 13), {}, opts);
  for (auto& k : keys.as_array()) r.keys.emplace_back(k.as_string());
  r.body = json::parse(res.text(row, 14), {}, opts).as_object();
  return r;
}

std::string json_list(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return json::serialize(a);
}

// The per-owner counters are spread over this many rows each, picked at random by every write:
// concurrent creates in one project then rarely wait for the same row (a single counter row would
// make every create of a project wait for the one before it to commit).
constexpr int kCounterShards = 8;
// Quota checks far from their limit that may run side by side (see quota::check).
constexpr int kQuotaLanes = 8;
int counter_shard() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return static_cast<int>(rng() % kCounterShards);
}

const std::string kCols = [] {
  std::string cols = "r.";  // kRecordColumns, each qualified with r.
  for (const char* c = sql::kRecordColumns; *c; ++c)
    cols += *c == ' ' ? std::string(" r.") : std::string(1, *c);
  return cols;
}();

class PgStore;

class PgTx final : public Tx {
 public:
  PgTx(PgStore& store, std::unique_ptr<Connection> conn, TxMode mode);
  ~PgTx() override;

  std::optional<Record> get(std::string_view kind, std::string_view id) override {
    auto res = conn_->run("SELECT " + kCols + " FROM resources r WHERE r.kind = $1 AND r.id = $2",
                          Params().text(kind).text(id));
    if (res.rows() == 0) return std::nullopt;
    return read_record(res, 0);
  }

  std::optional<Record> get_by_key(std::string_view kind, std::string_view key) override {
    auto res = conn_->run("SELECT " + kCols +
                              " FROM resource_keys k JOIN resources r"
                              " ON r.kind = k.kind AND r.id = k.id"
                              " WHERE k.kind = $1 AND k.key = $2",
                          Params().text(kind).text(key));
    if (res.rows() == 0) return std::nullopt;
    return read_record(res, 0);
  }

  // The row stays locked by this transaction; a row another transaction has locked is skipped
  // rather than waited for (that one is settling it).
  std::optional<Record> claim(std::string_view kind, std::string_view id) override {
    if (mode_ != TxMode::kWrite) return get(kind, id);
    auto res = conn_->run("SELECT " + kCols +
                              " FROM resources r WHERE r.kind = $1 AND r.id = $2"
                              " FOR UPDATE SKIP LOCKED",
                          Params().text(kind).text(id));
    if (res.rows() == 0) return std::nullopt;
    return read_record(res, 0);
  }

  void lock(std::string_view kind, std::string_view id) override {
    if (mode_ != TxMode::kWrite) return;
    conn_->run("SELECT 1 FROM resources WHERE kind = $1 AND id = $2 FOR UPDATE",
               Params().text(kind).text(id));
  }

  // One statement: the row, then (only when the row went in) its keys, tags and counter. A key
  // another record holds leaves the key out; the record is then taken back out again, so that
  // the refused insert changes nothing and the transaction stays usable (no error was raised).
  void insert(Record& r) override {
    require_write();
    Params p;
    p.text(r.kind).text(r.id).text(r.organization_id);
    p.text(r.project_id).text(r.locality).text(r.name);
    p.text(r.parent_id).text(r.state).integer(r.created_at);
    p.integer(r.updated_at).optional(r.due_at).text(json_list(r.tags));
    p.text(json_list(r.keys)).text(json::serialize(r.body)).integer(shard_);
    auto res = conn_->run(
        "WITH ins AS (INSERT INTO resources (kind, id, organization_id, project_id, locality,"
        " name, parent_id, state, created_at, updated_at, due_at, version, tags, keys, body)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14)"
        " ON CONFLICT (kind, id) DO NOTHING RETURNING kind, id),"
        " k AS (INSERT INTO resource_keys (kind, key, id)"
        " SELECT ins.kind, j.value, ins.id FROM ins, jsonb_array_elements_text($13::text::jsonb) j"
        " ON CONFLICT (kind, key) DO NOTHING RETURNING key),"
        " t AS (INSERT INTO resource_tags (kind, id, tag)"
        " SELECT ins.kind, ins.id, j.value FROM ins, jsonb_array_elements_text($12::text::jsonb) j"
        " ON CONFLICT DO NOTHING RETURNING tag),"
        " c AS (INSERT INTO resource_totals (kind, organization_id, project_id, locality, shard, n)"
        " SELECT ins.kind, $3, $4, $5, $15, 1 FROM ins"
        " ON CONFLICT (kind, organization_id, project_id, locality, shard)"
        " DO UPDATE SET n = resource_totals.n + 1 RETURNING n)"
        " SELECT (SELECT COUNT(*) FROM ins), (SELECT COUNT(*) FROM k), (SELECT COUNT(*) FROM c)",
        p);
    if (res.integer(0, 0) == 0) throw DuplicateKey("duplicate id: " + r.kind + " " + r.id);
    if (res.integer(0, 1) != static_cast<std::int64_t>(r.keys.size())) {
      remove(r.kind, r.id);
      throw DuplicateKey("a unique key of " + r.kind + " " + r.id + " is taken");
    }
    r.version = 1;
  }

  void update(Record& r) override {
    require_write();
    const std::string new_tags = json_list(r.tags), new_keys = json_list(r.keys);
    // A record with unique keys may be refused half-way (a new key another record holds): its
    // update runs in a savepoint, so that the refusal undoes exactly this write.
    std::optional<Savepoint> sp;
    if (!r.keys.empty()) sp.emplace(*conn_);
    Params p;
    p.text(r.organization_id).text(r.project_id).text(r.locality);
    p.text(r.name).text(r.parent_id).text(r.state);
    p.integer(r.created_at).integer(r.updated_at).optional(r.due_at).integer(r.version + 1);
    p.text(new_tags).text(new_keys).text(json::serialize(r.body));
    p.text(r.kind).text(r.id).integer(r.version);
    // The old owner, tags and keys come back with the row: the rest of the write is needed only
    // when they changed (rarely), and most updates are this one statement.
    auto res = conn_->run(
        "UPDATE resources r SET organization_id = $1, project_id = $2, locality = $3, name = $4,"
        " parent_id = $5, state = $6, created_at = $7, updated_at = $8, due_at = $9,"
        " version = $10, tags = $11, keys = $12, body = $13"
        " FROM (SELECT organization_id, project_id, locality, tags, keys FROM resources"
        " WHERE kind = $14 AND id = $15) o"
        " WHERE r.kind = $14 AND r.id = $15 AND r.version = $16"
        " RETURNING o.organization_id, o.project_id, o.locality, o.tags, o.keys",
        p);
    if (res.rows() != 1) throw Conflict("stale version of " + r.kind + " " + r.id);
    const std::string old_org = res.text(0, 0), old_project = res.text(0, 1),
                      old_locality = res.text(0, 2), old_tags = res.text(0, 3),
                      old_keys = res.text(0, 4);
    if (old_org != r.organization_id || old_project != r.project_id || old_locality != r.locality) {
      bump(r.kind, old_org, old_project, old_locality, -1);
      bump(r.kind, r.organization_id, r.project_id, r.locality, 1);
    }
    // Entries the record keeps are left alone; those it dropped go, those it gained come in (a
    // gained key another record holds fails the statement: DuplicateKey).
    auto sync = [&](const char* table, const char* column, const char* on_conflict,
                    const std::string& now, const std::string& before) {
      std::string t = table, c = column;
      conn_->run("WITH d AS (DELETE FROM " + t + " WHERE kind = $1 AND id = $2 AND " + c +
                     " NOT IN (SELECT value FROM jsonb_array_elements_text($3::jsonb)))"
                     " INSERT INTO " +
                     t + " (kind, id, " + c +
                     ")"
                     " SELECT $1, $2, value FROM jsonb_array_elements_text($3::jsonb)"
                     " WHERE value NOT IN (SELECT value FROM jsonb_array_elements_text($4::jsonb))"
                     " " +
                     on_conflict,
                 Params().text(r.kind).text(r.id).text(now).text(before));
    };
    if (old_tags != new_tags)
      sync("resource_tags", "tag", "ON CONFLICT DO NOTHING", new_tags, old_tags);
    if (old_keys != new_keys) sync("resource_keys", "key", "", new_keys, old_keys);
    if (sp) sp->release();
    r.version += 1;  // only once every part of the write went through
  }

  bool remove(std::string_view kind, std::string_view id) override {
    require_write();
    auto res = conn_->run(
        "WITH d AS (DELETE FROM resources WHERE kind = $1 AND id = $2"
        " RETURNING kind, organization_id, project_id, locality),"
        " t AS (DELETE FROM resource_tags WHERE kind = $1 AND id = $2),"
        " k AS (DELETE FROM resource_keys WHERE kind = $1 AND id = $2),"
        " c AS (INSERT INTO resource_totals (kind, organization_id, project_id, locality, shard, n)"
        " SELECT kind, organization_id, project_id, locality, $3, -1 FROM d"
        " ON CONFLICT (kind, organization_id, project_id, locality, shard)"
        " DO UPDATE SET n = resource_totals.n - 1 RETURNING n)"
        " SELECT (SELECT COUNT(*) FROM d), (SELECT COUNT(*) FROM c)",
        Params().text(kind).text(id).integer(shard_));
    return res.integer(0, 0) > 0;
  }

  ListResult list(const ListQuery& q) override {
    ListResult out;
    auto b = sql::build_select(sql::Dialect::kPostgres, q);
    auto res = conn_->run(b.sql, params_of(b));
    out.items.reserve(static_cast<std::size_t>(res.rows()));
    for (int i = 0; i < res.rows(); ++i) out.items.push_back(read_record(res, i));
    if (q.with_total) {
      if (q.offset == 0 && (q.limit < 0 || static_cast<std::int64_t>(out.items.size()) < q.limit))
        out.total = static_cast<std::int64_t>(out.items.size());
      else
        out.total = count(q);
    }
    return out;
  }

  std::int64_t count(const ListQuery& q) override {
    auto b = sql::build_counter_total(sql::Dialect::kPostgres, q);
    if (!b) b = sql::build_count(sql::Dialect::kPostgres, q);
    return conn_->run(b->sql, params_of(*b)).integer(0, 0);
  }

  std::int64_t count_in_project(std::string_view project_id,
                                const std::vector<std::string>& except_kinds) override {
    Params p;
    p.text(project_id).text(json_list(except_kinds));
    return conn_
        ->run(
            "SELECT COALESCE(SUM(n), 0) FROM resource_totals WHERE project_id = $1"
            " AND kind NOT IN (SELECT value FROM jsonb_array_elements_text($2::jsonb))",
            p)
        .integer(0, 0);
  }

  int quota_lanes() const override { return kQuotaLanes; }

  // A lane is a row of quota_guards, locked until the transaction ends; an exclusive turn locks
  // every lane of the quota, in lane order (two exclusive turns never wait on each other in a
  // cycle).
  void hold_quota(std::string_view name, std::string_view organization_id,
                  bool exclusive) override {
    if (mode_ != TxMode::kWrite) return;
    conn_->run(
        "INSERT INTO quota_guards (name, organization_id, lane, n)"
        " SELECT $1, $2, g, 1 FROM generate_series($3::int, $4::int) g"
        " ORDER BY g ON CONFLICT (name, organization_id, lane)"
        " DO UPDATE SET n = quota_guards.n + 1",
        Params()
            .text(name)
            .text(organization_id)
            .integer(exclusive ? 0 : shard_ % kQuotaLanes)
            .integer(exclusive ? kQuotaLanes - 1 : shard_ % kQuotaLanes));
  }

  std::int64_t count_owned(std::string_view kind, std::string_view organization_id,
                           std::string_view project_id) override {
    Params p;
    p.text(kind).text(organization_id);
    std::string q =
        "SELECT COALESCE(SUM(n), 0) FROM resource_totals WHERE kind = $1 AND organization_id = $2";
    if (!project_id.empty()) {
      q += " AND project_id = $3";
      p.text(project_id);
    }
    return conn_->run(q, p).integer(0, 0);
  }

  void commit() override {
    if (mode_ == TxMode::kWrite && !done_) conn_->exec("COMMIT");
    done_ = true;
  }

 private:
  void require_write() {
    if (mode_ != TxMode::kWrite) throw StoreError("write in a read transaction");
  }
  static Params params_of(const sql::Built& b) {
    Params p;
    for (auto& a : b.args) p.text(a);
    return p;
  }
  void bump(std::string_view kind, std::string_view org, std::string_view project,
            std::string_view locality, int delta) {
    conn_->run(
        "INSERT INTO resource_totals (kind, organization_id, project_id, locality, shard, n)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (kind, organization_id, project_id, locality, shard)"
        " DO UPDATE SET n = resource_totals.n + excluded.n",
        Params().text(kind).text(org).text(project).text(locality).integer(shard_).integer(delta));
  }
  PgStore& store_;
  std::unique_ptr<Connection> conn_;
  TxMode mode_;
  // The counter row this transaction writes (its inserts, their undo and its removes): one per
  // transaction, so that two transactions never take two shards of one counter in opposite
  // orders (a deadlock).
  int shard_ = counter_shard();
  bool done_ = false;
};

class PgStore final : public Store {
 public:
  explicit PgStore(PostgresOptions o) : options_(std::move(o)) {
    auto c = std::make_unique<Connection>(options_.url);
    migrate(*c);
    release(std::move(c));
  }
  ~PgStore() override { close(); }

  std::unique_ptr<Tx> begin(TxMode mode) override {
    return std::make_unique<PgTx>(*this, acquire(), mode);
  }

  // A transaction of its own per call (PostgreSQL groups concurrent commits itself). Serialization
  // failures and deadlocks run the work again, in a new transaction, a few times.
  void write(const std::function<bool(Tx&)>& work) override {
    for (int attempt = 0;; ++attempt) {
      try {
        auto tx = begin(TxMode::kWrite);
        if (work(*tx)) tx->commit();
        return;
      } catch (const Retryable&) {
        if (attempt >= 9) throw;
        backoff(attempt);
      }
    }
  }

  std::string_view backend() const override { return "postgres"; }
  bool shared() const override { return true; }

  std::int64_t clock_offset() override {
    auto c = acquire();
    auto v = c->run("SELECT offset_us FROM scwd_clock WHERE id = 1").integer(0, 0);
    release(std::move(c));
    return v;
  }
  std::int64_t advance_clock(std::int64_t delta) override {
    auto c = acquire();
    auto v = c->run(
                  "UPDATE scwd_clock SET offset_us = offset_us + $1 WHERE id = 1"
                  " RETURNING offset_us",
                  Params().integer(delta))
                 .integer(0, 0);
    release(std::move(c));
    return v;
  }

  int schema_version() override {
    auto c = acquire();
    auto v = c->run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0);
    release(std::move(c));
    return static_cast<int>(v);
  }

  void close() override {
    std::lock_guard lk(pool_mu_);
    closed_ = true;
    pool_.clear();
    pool_cv_.notify_all();
  }

  std::unique_ptr<Connection> acquire() {
    {
      std::unique_lock lk(pool_mu_);
      pool_cv_.wait(lk, [&] { return closed_ || !pool_.empty() || open_ < options_.pool_size; });
      if (closed_) throw StoreError("store is closed");
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
      ++open_;
    }
    try {
      return std::make_unique<Connection>(options_.url);
    } catch (...) {
      std::lock_guard lk(pool_mu_);
      --open_;
      pool_cv_.notify_one();
      throw;
    }
  }
  // A broken connection (lost, or left in an unknown state) is closed instead of pooled.
  void release(std::unique_ptr<Connection> c) {
    std::lock_guard lk(pool_mu_);
    if (c && !c->broken() && !closed_)
      pool_.push_back(std::move(c));
    else
      --open_;
    pool_cv_.notify_one();
  }

 private:
  // Each migration is applied in one transaction that first records its version: when several
  // replicas start at once, the others wait on that row's unique key and then find it taken, so
  // each migration runs once (no advisory lock: distributed SQL engines have none).
  void migrate(Connection& c) {
    for (int attempt = 0;; ++attempt) {
      try {
        c.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        break;
      } catch (const std::exception&) {
        // Two replicas creating the table at the same moment: one of them wins.
        if (attempt >= 5) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    for (auto& m : sql::migrations(sql::Dialect::kPostgres)) {
      c.exec("BEGIN");
      try {
        auto claimed = c.run(
            "INSERT INTO schema_migrations (version, description, applied_at)"
            " VALUES ($1, $2, EXTRACT(EPOCH FROM now())::BIGINT) ON CONFLICT DO NOTHING"
            " RETURNING version",
            Params().integer(m.version).text(m.description));
        if (claimed.rows() == 0) {
          c.exec("ROLLBACK");
          continue;
        }
        for (auto& st : m.statements) c.exec(st);
        c.exec("COMMIT");
      } catch (...) {
        try {
          c.exec("ROLLBACK");
        } catch (...) {
        }
        throw;
      }
    }
  }

  PostgresOptions options_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> pool_;
  int open_ = 1;  // the connection the constructor holds
  bool closed_ = false;
};

PgTx::PgTx(PgStore& store, std::unique_ptr<Connection> conn, TxMode mode)
    : store_(store), conn_(std::move(conn)), mode_(mode) {
  // Reads run each statement on its own (autocommit): no BEGIN and COMMIT round trips.
  if (mode_ == TxMode::kWrite) {
    try {
      conn_->exec("BEGIN");
    } catch (...) {
      store_.release(std::move(conn_));
      throw;
    }
  }
}

PgTx::~PgTx() {
  if (mode_ == TxMode::kWrite && !done_) {
    try {
      conn_->exec("ROLLBACK");
    } catch (...) {
      conn_.reset();  // unknown state: closed rather than pooled
      store_.release(nullptr);
      return;
    }
  }
  store_.release(std::move(conn_));
}

}  // namespace

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::unique_ptr<Store> open_postgres(const PostgresOptions& options) {
  return std::make_unique<PgStore>(options);
}

}  // namespace scwd::store

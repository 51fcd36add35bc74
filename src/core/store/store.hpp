// Store / Tx: the persistence interface every product uses. Records carry indexed columns (what
// lists filter and sort on) and the resource body as JSON. Back ends: sqlite/ (embedded, default)
// and, later, postgres/ — callers never see SQL.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace scwd::store {

struct Record {
  std::string kind;  // "account.project", "instance.server", ...
  std::string id;
  std::string organization_id;
  std::string project_id;
  std::string locality;  // zone or region, empty for global resources
  std::string name;
  std::string parent_id;        // owning resource (e.g. a rule's security group)
  std::string state;            // lifecycle state, empty when the kind has none
  std::int64_t created_at = 0;  // microseconds since epoch
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> due_at;  // when the transient state settles (lifecycle)
  std::int64_t version = 0;            // optimistic concurrency; 1 after insert
  std::vector<std::string> tags;
  std::vector<std::string> keys;  // unique secondary keys inside the kind (e.g. a secret hash)
  boost::json::object body;
};

enum class Column {
  kId,
  kOrganization,
  kProject,
  kLocality,
  kName,
  kParent,
  kState,
  kCreatedAt,
  kUpdatedAt,
  kDueAt,
  kBody,  // a JSON path into the body: Filter::path / Order::path
};

enum class Op {
  kEq,        // column = value
  kNe,        // column <> value
  kIn,        // column IN (values)
  kContains,  // case-insensitive substring
  kLt,
  kLe,
  kGt,
  kGe,
  kIsNull,  // body path absent or null / due_at null
  kNotNull,
  // Column::kBody paths holding a JSON array of strings:
  kAnyIn,        // some element equals one of values
  kAnyContains,  // some element contains the value (case-insensitive substring)
};

// A UUID value (ids, project ids): a back end may bind it natively; compared as text here.
struct Uuid {
  std::string value;
};

// A filter value, typed so that every back end binds it as what it is: text, an integer, a
// boolean (JSON true/false in bodies; never "1"/"0" strings) or a UUID.
using Value = std::variant<std::string, std::int64_t, bool, Uuid>;

// The values of a filter. Converts from a list of strings (ids, names) for convenience.
struct Values : std::vector<Value> {
  using std::vector<Value>::vector;
  Values(const std::vector<std::string>& v)  // NOLINT: implicit on purpose
      : std::vector<Value>(v.begin(), v.end()) {}
};

// The text of a value (integers in decimal, booleans as 1 / 0: how SQL back ends compare them).
std::string text_of(const Value& v);
// True when the value compares as an integer (integers and booleans).
bool is_numeric(const Value& v);

struct Filter {
  Column column;
  Op op;
  Values values;         // one value except for kIn / kAnyIn
  std::string path;      // for Column::kBody: dotted path ("server.id")
  bool numeric = false;  // compare as integers; implied by integer and boolean values
};

struct Order {
  Column column;
  bool descending = false;
  std::string path;  // for Column::kBody
};

struct ListQuery {
  std::string kind;  // empty: every kind
  std::vector<Filter> filters;
  std::vector<std::string> tags_all;  // record must carry every tag
  std::vector<std::string> tags_any;  // record must carry at least one tag
  std::vector<Order> order;           // id ascending is always appended as the last tie-break
  std::int64_t offset = 0;
  std::int64_t limit = -1;  // -1: no limit
  bool with_total = true;
};

struct ListResult {
  std::vector<Record> items;
  std::int64_t total = 0;
};

// A write lost a race: the record changed since it was read (version mismatch), or a unique key
// is already taken. transact() retries the former; callers map the latter to API errors.
struct Conflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct DuplicateKey : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Infrastructure failure (I/O, corruption, connection lost).
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Tx {
 public:
  virtual ~Tx() = default;
  virtual std::optional<Record> get(std::string_view kind, std::string_view id) = 0;
  virtual std::optional<Record> get_by_key(std::string_view kind, std::string_view key) = 0;
  // Reads a record in order to settle its due lifecycle steps: nullopt when it is absent, or
  // when another replica holds it for the same purpose right now (that replica settles it, so
  // each step's side effects are applied once). A write transaction keeps the record until it
  // ends. Default: get() (a single process settles under its own lock).
  virtual std::optional<Record> claim(std::string_view kind, std::string_view id) {
    return get(kind, id);
  }
  // Holds a record until the transaction ends (write transactions): a write that changes what
  // belongs to the record (a group's numbered rules) takes it first, so that such writes on other
  // replicas take turns and each reads what the previous one left. Default: nothing to do (one
  // writer at a time).
  virtual void lock(std::string_view kind, std::string_view id) {
    (void)kind;
    (void)id;
  }
  // Inserts; sets version = 1. Throws DuplicateKey when (kind, id) or a key exists. A refused
  // insert or update (DuplicateKey, Conflict) undoes only its own statement: the transaction
  // stays usable, earlier writes in it are kept, and the caller may read (e.g. the record that
  // holds the key) and write on. Every back end must keep this (SQLite: statement rollback;
  // PostgreSQL: a savepoint around each such write).
  virtual void insert(Record& r) = 0;
  // Writes r if its version still matches the stored one, then bumps r.version. Throws Conflict.
  virtual void update(Record& r) = 0;
  // Deletes; false when absent.
  virtual bool remove(std::string_view kind, std::string_view id) = 0;
  virtual ListResult list(const ListQuery& q) = 0;
  virtual std::int64_t count(const ListQuery& q) = 0;
  // Records of any kind in a project (for "project still holds resources"). O(kinds), from
  // counters the store maintains on insert, update and remove.
  virtual std::int64_t count_in_project(std::string_view project_id,
                                        const std::vector<std::string>& except_kinds) = 0;
  // Quota checks against other writers of a shared store. A check of quota `name` for an
  // organization first takes a turn with hold_quota(): turns that are not exclusive run side by
  // side, at most quota_lanes() at once (each holds one of that many lanes until its transaction
  // ends); an exclusive turn holds every lane, so it runs alone. quota::check chooses (see there).
  // Defaults: one writer at a time, one lane, nothing to hold.
  virtual int quota_lanes() const { return 1; }
  virtual void hold_quota(std::string_view name, std::string_view organization_id, bool exclusive) {
    (void)name;
    (void)organization_id;
    (void)exclusive;
  }
  // Records of a kind owned by an organization, or by one of its projects when project_id is
  // not empty (for quotas). O(projects), from the same counters.
  virtual std::int64_t count_owned(std::string_view kind, std::string_view organization_id,
                                   std::string_view project_id = {}) = 0;
  virtual void commit() = 0;  // without commit, the destructor rolls back
};

enum class TxMode { kRead, kWrite };

class Store {
 public:
  virtual ~Store() = default;
  virtual std::unique_ptr<Tx> begin(TxMode mode) = 0;
  virtual std::string_view backend() const = 0;  // "sqlite", "postgres"
  // True when other processes (replicas) write the same store: what a process remembers of
  // records between requests (caches) must be checked against the store, and the virtual clock
  // is kept in the store so that every replica reads the same time.
  virtual bool shared() const { return false; }
  // The virtual clock's offset (microseconds) kept in a shared store; advance_clock() adds to it
  // and returns the new offset. A store that is not shared keeps none (0).
  virtual std::int64_t clock_offset() { return 0; }
  virtual std::int64_t advance_clock(std::int64_t delta) { return delta; }
  virtual int schema_version() = 0;
  virtual void close() = 0;

  // Runs `work` in a write transaction and commits when it returns true (false or an exception
  // undoes exactly its own writes). Back ends may group the work of concurrent callers into one
  // transaction, each inside a savepoint, and commit once (group commit). Returns when the
  // commit that holds the work is durable; rethrows what the work threw.
  virtual void write(const std::function<bool(Tx&)>& work) = 0;

  // Runs `job` where grouped writes run and hands it the group's store: every write() and
  // begin() the job makes through that store joins the group (and sees the group's writes); the
  // job must not use this store itself (a back end that groups refuses it, std::logic_error). Calls
  // done(durable) once that group is committed (durable false: the commit failed, the job's effects
  // are gone). Write requests run this way: no thread waits for a commit. Default: runs the job
  // here on this store, each write() committing on its own.
  virtual void run_grouped(std::function<void(Store& group)> job, std::function<void(bool)> done) {
    job(*this);
    done(true);
  }

  // Runs fn in a transaction and commits when its Result holds a value (an error result rolls
  // back, so refused input changes nothing); retries the whole function on Conflict. Writes go
  // through write() and so take part in group commit.
  // Sleeps a random time of up to 50 us << attempt (at most ~13 ms).
  static void backoff(int attempt);

  template <typename Fn>
  auto transact(TxMode mode, Fn&& fn) -> decltype(fn(std::declval<Tx&>())) {
    using R = decltype(fn(std::declval<Tx&>()));
    for (int attempt = 0;; ++attempt) {
      try {
        if (mode == TxMode::kRead) {
          auto tx = begin(mode);
          return fn(*tx);
        }
        std::optional<R> result;
        write([&](Tx& tx) {
          result.emplace(fn(tx));
          return static_cast<bool>(*result);
        });
        return std::move(*result);
      } catch (const Conflict&) {
        // Writers that lost a race to one record (on several replicas: a real race) back off for
        // a random while, growing with each loss, so that they do not meet again at once.
        if (attempt + 1 >= kTransactAttempts) throw;
        backoff(attempt);
      }
    }
  }
  // How many times transact() runs a function that keeps losing races. Enough that writers
  // contending for one record (each loss backs off longer, up to ~13 ms) all get through.
  static constexpr int kTransactAttempts = 24;
};

// Hands every call to another transaction: the base of a transaction that changes a few calls
// (override those) and leaves the rest as they are.
class ForwardingTx : public Tx {
 public:
  explicit ForwardingTx(Tx& inner) : inner_(&inner) {}
  // Owns the transaction it forwards to (one it began).
  explicit ForwardingTx(std::unique_ptr<Tx> owned)
      : owned_(std::move(owned)), inner_(owned_.get()) {}

  std::optional<Record> get(std::string_view kind, std::string_view id) override {
    return inner_->get(kind, id);
  }
  std::optional<Record> get_by_key(std::string_view kind, std::string_view key) override {
    return inner_->get_by_key(kind, key);
  }
  std::optional<Record> claim(std::string_view kind, std::string_view id) override {
    return inner_->claim(kind, id);
  }
  void lock(std::string_view kind, std::string_view id) override { inner_->lock(kind, id); }
  void insert(Record& r) override { inner_->insert(r); }
  void update(Record& r) override { inner_->update(r); }
  bool remove(std::string_view kind, std::string_view id) override {
    return inner_->remove(kind, id);
  }
  ListResult list(const ListQuery& q) override { return inner_->list(q); }
  std::int64_t count(const ListQuery& q) override { return inner_->count(q); }
  std::int64_t count_in_project(std::string_view project_id,
                                const std::vector<std::string>& except_kinds) override {
    return inner_->count_in_project(project_id, except_kinds);
  }
  int quota_lanes() const override { return inner_->quota_lanes(); }
  void hold_quota(std::string_view name, std::string_view organization_id,
                  bool exclusive) override {
    inner_->hold_quota(name, organization_id, exclusive);
  }
  std::int64_t count_owned(std::string_view kind, std::string_view organization_id,
                           std::string_view project_id = {}) override {
    return inner_->count_owned(kind, organization_id, project_id);
  }
  void commit() override { inner_->commit(); }

 protected:
  Tx& inner() { return *inner_; }

 private:
  std::unique_ptr<Tx> owned_;
  Tx* inner_;
};

// Hands every call to another store: the base of a store that changes a few calls. A subclass
// that wraps transactions overrides begin() and write(), and grouped() so that grouped jobs see
// the group's store wrapped the same way.
class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  std::unique_ptr<Tx> begin(TxMode mode) override { return inner_.begin(mode); }
  std::string_view backend() const override { return inner_.backend(); }
  bool shared() const override { return inner_.shared(); }
  std::int64_t clock_offset() override { return inner_.clock_offset(); }
  std::int64_t advance_clock(std::int64_t delta) override { return inner_.advance_clock(delta); }
  int schema_version() override { return inner_.schema_version(); }
  void close() override { inner_.close(); }
  void write(const std::function<bool(Tx&)>& work) override { inner_.write(work); }
  void run_grouped(std::function<void(Store& group)> job, std::function<void(bool)> done) override {
    inner_.run_grouped([this, job = std::move(job)](Store& group) { grouped(group, job); },
                       std::move(done));
  }

  Store& inner() { return inner_; }

 protected:
  // Runs a grouped job on the group's store, wrapped as this store wraps its own (default: as
  // it is).
  virtual void grouped(Store& group, const std::function<void(Store&)>& job) { job(group); }

 private:
  Store& inner_;
};

}  // namespace scwd::store

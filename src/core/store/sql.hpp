// SQL text shared by the SQL back ends: the schema migrations and the generic list query builder.
// Kept to the common subset of SQLite and PostgreSQL; the few differences go through Dialect.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/store/store.hpp"

namespace scwd::store::sql {

enum class Dialect { kSqlite, kPostgres };

struct Migration {
  int version;
  const char* description;
  std::vector<std::string> statements;
};

const std::vector<Migration>& migrations(Dialect d);

// Columns selected for a Record, in the order read_record() expects.
inline constexpr const char* kRecordColumns =
    "kind, id, organization_id, project_id, locality, name, parent_id, state, created_at, "
    "updated_at, due_at, version, tags, keys, body";

struct Built {
  std::string sql;
  std::vector<std::string> args;  // bound as text, or as integers when numeric[i]
  std::vector<bool> numeric;
};

// One value of a position in a list's order (integers as decimal strings).
struct SeekValue {
  bool numeric = false;
  std::string text;
  bool operator==(const SeekValue&) const = default;
};
// A position in a list's order: the values of the order columns of one record, then its id.
using SeekKey = std::vector<SeekValue>;

// Which index finds the candidate records of a list. kNone walks the kind's indexes in list
// order; kName starts from the records whose name contains the filter's value (SQLite: the
// trigram index), kTags from the records carrying the filter's tag(s). The back end chooses by
// probing how many records the driver yields (a selective driver makes a filtered list cost
// what it matches instead of what the kind holds).
enum class Driver { kNone, kName, kTags };

struct Plan {
  Driver driver = Driver::kNone;
  // For kName: the MATCH expression, an AND of some of the value's trigrams (quoted). The
  // trigram index folds case more widely than lower() (Unicode, not ASCII only) and an AND of
  // trigrams ignores their order, so its matches are a superset of the filter's, which still
  // decides.
  std::string name_match;
  const SeekKey* from = nullptr;  // only records at or after this position (keyset paging)
};

// SELECT <columns> FROM resources r WHERE ... ORDER BY ... LIMIT/OFFSET. With a limit or an
// offset the page is chosen on record positions alone (an index, when one covers the filters
// and the order) and only the page's rows are read ("deferred join").
Built build_select(Dialect d, const ListQuery& q, const Plan& p = {});
// SELECT COUNT(*) FROM resources r WHERE ...
Built build_count(Dialect d, const ListQuery& q, const Plan& p = {});
// SELECT <order columns>, r.id FROM resources r WHERE ... ORDER BY ...: every position of the
// list, in order (keyset boundaries). Only for seekable() queries.
Built build_keys(Dialect d, const ListQuery& q, const Plan& p = {});
// The total of a query from the per-(kind, organization, project, locality) counters, when its
// filters are all equalities on those columns (and it has no tag filter); nullopt otherwise.
std::optional<Built> build_counter_total(Dialect d, const ListQuery& q);
// The probe that tells whether a driver is selective: how many candidates it yields, at most
// limit + 1. nullopt when the driver does not apply to the query.
std::optional<Built> build_probe(Dialect d, const ListQuery& q, const Plan& p, int limit);
// The trigrams (quoted for MATCH, distinct, at most 16) of the first name-substring filter's
// value, when it is well-formed UTF-8 of at least three characters; empty otherwise.
std::vector<std::string> name_trigrams(const ListQuery& q);
// How many names contain a MATCH expression's trigrams, at most limit + 1 (SQLite).
Built build_match_probe(const std::string& match, int limit);
// Every order column is a plain column that is never NULL (not a body path, not due_at): the
// list can be paged by position (keyset) instead of by offset.
bool seekable(const ListQuery& q);

}  // namespace scwd::store::sql

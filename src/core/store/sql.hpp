// SQL text shared by the SQL back ends: the schema migrations and the generic list query builder.
// Kept to the common subset of SQLite and PostgreSQL; the few differences go through Dialect.
#pragma once

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

// SELECT <columns> FROM resources r WHERE ... ORDER BY ... LIMIT/OFFSET
Built build_select(Dialect d, const ListQuery& q);
// SELECT COUNT(*) FROM resources r WHERE ...
Built build_count(Dialect d, const ListQuery& q);

}  // namespace scwd::store::sql

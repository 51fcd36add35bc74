// The shared store: PostgreSQL 15 through libpq, for several scwd replicas serving one cloud.
// Engines that speak the PostgreSQL wire protocol (CockroachDB, YugabyteDB) can hold it too: it
// uses no advisory locks, triggers or stored procedures, and no sequences (docs/deployment.md).
#pragma once

#include <memory>
#include <string>

#include "core/store/store.hpp"

namespace scwd::store {

struct PostgresOptions {
  std::string url;     // a libpq connection string or URI: postgres://user@host:port/database
  int pool_size = 64;  // connections kept open at most (each transaction holds one)
};

// Connects, applies the schema migrations that are missing (safe when several replicas start at
// once) and returns the store. Throws StoreError when the database cannot be reached.
std::unique_ptr<Store> open_postgres(const PostgresOptions& options);

// True for the store URLs open_postgres takes ("postgres://..." or "postgresql://...").
bool is_postgres_url(std::string_view url);

}  // namespace scwd::store

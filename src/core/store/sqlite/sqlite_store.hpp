// The embedded store: SQLite 3 in WAL mode, one file under the data directory.
#pragma once

#include <memory>
#include <string>

#include "core/store/store.hpp"

namespace scwd::store {

struct SqliteOptions {
  std::string path;  // database file; ":memory:" is not supported (one connection per tx)
  int busy_timeout_ms = 10000;
  int cache_kib = 16000;  // page cache per connection (bulk loads want more)
};

std::unique_ptr<Store> open_sqlite(const SqliteOptions& options);

}  // namespace scwd::store

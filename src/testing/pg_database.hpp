// A throwaway PostgreSQL database for a test, in the cluster scripts/pg-cluster.sh started and
// named in SCWD_TEST_PG (postgres://user@127.0.0.1:PORT). Tests of the PostgreSQL back end skip
// themselves when it is not set.
#pragma once

#include <libpq-fe.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/util/ids.hpp"

namespace scwd::testing {

inline std::optional<std::string> pg_cluster() {
  const char* url = std::getenv("SCWD_TEST_PG");
  if (!url || !*url) return std::nullopt;
  return std::string(url);
}

// Creates a database of its own; dropped when the test ends.
class PgDatabase {
 public:
  explicit PgDatabase(std::string cluster) : cluster_(std::move(cluster)) {
    name_ = "scwd_t_" + new_uuid().substr(0, 8) + new_uuid().substr(0, 8);
    run("CREATE DATABASE " + name_);
  }
  ~PgDatabase() {
    try {
      run("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
      // the cluster is thrown away at the end of the run anyway
    }
  }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;
  std::string url() const { return cluster_ + "/" + name_; }

 private:
  void run(const std::string& sql) {
    PGconn* c = PQconnectdb((cluster_ + "/postgres").c_str());
    std::string err;
    if (PQstatus(c) != CONNECTION_OK) {
      err = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) err = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    if (!err.empty()) throw std::runtime_error(sql + ": " + err);
  }

  std::string cluster_, name_;
};

}  // namespace scwd::testing

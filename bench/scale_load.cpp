// scwd_bench_load: bulk-loads Instance security groups straight into a store (no HTTP), for
// bench/scale.sh. The records are made by the Instance product's own new_security_group (what a
// create writes), spread over the given projects.
//
//   scwd_bench_load --data DIR --organization ORG --projects P1,P2,... --count N [--zone Z]
//
// Names are "sg-%07d" (their number), tags "bench" and "group:<number mod 10000>" (so a group
// tag matches count / 10000 records); creation times are one microsecond apart, oldest first.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/store/sqlite/sqlite_store.hpp"
#include "products/instance/model.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: scwd_bench_load --data DIR --organization ORG --projects P1,P2,... "
               "--count N [--zone fr-par-1] [--batch 50000]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, org, zone = "fr-par-1";
  std::vector<std::string> projects;
  long long count = 0, batch = 50000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--data") {
      data = v;
    } else if (k == "--organization") {
      org = v;
    } else if (k == "--zone") {
      zone = v;
    } else if (k == "--count") {
      count = std::atoll(v.c_str());
    } else if (k == "--batch") {
      batch = std::atoll(v.c_str());
    } else if (k == "--projects") {
      std::size_t start = 0;
      while (start <= v.size()) {
        auto comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (comma > start) projects.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
    } else {
      return usage();
    }
  }
  if (data.empty() || org.empty() || projects.empty() || count <= 0 || batch <= 0) return usage();

  using namespace scwd;
  // A large page cache: the id indexes take records in random order.
  auto store =
      store::open_sqlite({(std::filesystem::path(data) / "scwd.db").string(), 10000, 512 * 1024});
  auto started = std::chrono::steady_clock::now();
  const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  char name[32];
  for (long long done = 0; done < count;) {
    // Big transactions: one commit per batch, not per record.
    auto tx = store->begin(store::TxMode::kWrite);
    for (long long end = std::min(count, done + batch); done < end; ++done) {
      auto r = products::instance::new_security_group(
          {org, projects[static_cast<std::size_t>(done) % projects.size()]}, zone,
          now - (count - done));
      std::snprintf(name, sizeof name, "sg-%07lld", done);
      r.name = name;
      r.tags = {"bench", "group:" + std::to_string(done % 10000)};
      tx->insert(r);
    }
    tx->commit();
  }
  store->close();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("loaded %lld security groups over %zu projects in %.1f s (%.0f/s)\n", count,
              projects.size(), secs, static_cast<double>(count) / secs);
  return 0;
}

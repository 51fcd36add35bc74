// What the Instance tests share: the zone they call, the JSON and header helpers, and the
// volumes, snapshots and lists many of them start from or check.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include "products/catalogue/images.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd::instance_test {

namespace json = boost::json;
using testing::advance;
using testing::header;
using testing::obj;
using testing::str;

inline const std::string kZ = "/instance/v1/zones/fr-par-1";

// Sends `body` (none when null), expecting `want`; returns the parsed body (or {}).
inline json::value call(testing::TestApp& t, std::string method, const std::string& path,
                        const json::value& body, int want) {
  auto r = t.call(std::move(method), path, body.is_null() ? std::string() : json::serialize(body));
  EXPECT_EQ(r.status, want) << path << " -> " << r.raw.body;
  return r.json;
}

// POSTs `body` to the zone's `collection`, expecting 201; the new resource (its `key`).
inline json::object create_in(testing::TestApp& t, const std::string& collection,
                              std::string_view key, const json::object& body) {
  auto r = call(t, "POST", kZ + "/" + collection, body, 201);
  return r.is_object() && r.as_object().contains(key) ? r.as_object().at(key).as_object()
                                                      : json::object{};
}

// GETs `path`, expecting 200; the array under `key`.
inline json::array list_of(testing::TestApp& t, const std::string& path, std::string_view key) {
  auto r = call(t, "GET", path, nullptr, 200);
  return r.is_object() && r.as_object().contains(key) ? r.as_object().at(key).as_array()
                                                      : json::array{};
}

// A query of a list and how many resources it lists.
struct ListCase {
  std::string query;
  std::size_t count;
};
// GETs the zone's `collection` with each case's query; each lists `count` resources.
inline void expect_list_counts(testing::TestApp& t, const std::string& collection,
                               std::initializer_list<ListCase> cases) {
  for (auto& c : cases)
    EXPECT_EQ(list_of(t, kZ + "/" + collection + "?" + c.query, collection).size(), c.count)
        << c.query;
}

// The public ubuntu_jammy image for local volumes in fr-par-1 (empty when missing).
inline std::string local_jammy() {
  auto* li = catalogue::resolve_label("ubuntu_jammy", "fr-par-1", "x86_64", "instance_local");
  return li ? li->id : std::string();
}

// A new 10 GB l_ssd volume; its id.
inline std::string volume(testing::TestApp& t, const std::string& name = "v") {
  auto r = t.call("POST", kZ + "/volumes",
                  R"({"name":")" + name + R"(","volume_type":"l_ssd","size":10000000000})");
  EXPECT_EQ(r.status, 201) << r.raw.body;
  return r.status == 201 ? str(obj(r.json, "volume"), "id") : std::string();
}

// A snapshot `name` of a new volume; its id.
inline std::string snapshot(testing::TestApp& t, const std::string& name) {
  auto s = t.call("POST", kZ + "/snapshots",
                  R"({"name":")" + name + R"(","volume_id":")" + volume(t) + R"("})");
  EXPECT_EQ(s.status, 201) << s.raw.body;
  return s.status == 201 ? str(obj(s.json, "snapshot"), "id") : std::string();
}

// With a quota of one `collection` resource: the first POST of `body` is created, the second
// refused (403 quotas_exceeded) and nothing more is listed.
inline void expect_quota_of_one(testing::TestApp& t, const std::string& collection,
                                const std::string& body) {
  EXPECT_EQ(t.call("POST", kZ + "/" + collection, body).status, 201);
  auto q = t.call("POST", kZ + "/" + collection, body);
  EXPECT_EQ(q.status, 403);
  EXPECT_EQ(str(q.json, "type"), "quotas_exceeded");
  EXPECT_EQ(header(t.call("GET", kZ + "/" + collection).raw, "X-Total-Count"), "1");
}

}  // namespace scwd::instance_test

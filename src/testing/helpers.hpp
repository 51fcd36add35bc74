// Small helpers every product's tests share: reading fields of JSON answers, response headers,
// and moving the virtual clock.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/message.hpp"
#include "testing/test_env.hpp"

namespace scwd::testing {

// The string field `key` of a JSON object (throws when absent or not a string).
inline std::string str(const boost::json::value& v, std::string_view key) {
  return std::string(v.as_object().at(key).as_string());
}
inline std::int64_t num(const boost::json::value& v, std::string_view key) {
  return v.as_object().at(key).to_number<std::int64_t>();
}
inline const boost::json::object& obj(const boost::json::value& v, std::string_view key) {
  return v.as_object().at(key).as_object();
}
// A response header's value, empty when absent.
inline std::string header(const http::Response& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (http::iequals(k, name)) return v;
  return {};
}
inline std::string header(const TestApp::Reply& r, std::string_view name) {
  return header(r.raw, name);
}
// Moves the virtual clock through the admin plane (lifecycle steps due by then settle).
inline void advance(TestApp& t, int seconds) {
  auto r = t.call("POST", "/_scwd/clock/advance",
                  boost::json::serialize(boost::json::object{{"seconds", seconds}}));
  ASSERT_EQ(r.status, 200) << r.raw.body;
}

// POSTs `body` to `path`; the new resource's id (empty, and the test failing, unless answered 200).
inline std::string created_id(TestApp& t, const std::string& path, const std::string& body) {
  auto r = t.call("POST", path, body);
  EXPECT_EQ(r.status, 200) << r.raw.body;
  return r.status == 200 ? str(r.json, "id") : std::string();
}

}  // namespace scwd::testing

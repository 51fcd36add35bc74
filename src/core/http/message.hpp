// scwd's own small HTTP request/response types. Only src/core/http/ sees Beast; everything else
// (router, products) works with these.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scwd::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;  // "GET", ...
  std::string target;  // raw request target: path plus query
  std::string path;    // raw path (no query), percent-encoded as received
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order, repeated keys kept
  Headers headers;
  std::string body;
  std::string request_id;
  std::string remote;

  // Case-insensitive header lookup; nullptr when absent.
  const std::string* header(std::string_view name) const;
  // First value of a query parameter; nullptr when absent.
  const std::string* query_value(std::string_view name) const;
  // Every value of a repeated parameter (also splitting comma-joined values when asked).
  std::vector<std::string> query_values(std::string_view name, bool split_commas = false) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;  // extra headers (Location, X-Total-Count, Link, ...)
  std::string body;
  std::string principal_id;  // for the access log only; never sent
  // Run once the request's writes are committed, before the answer is sent (e.g. dropping the
  // authentication cache after an API key was deleted, so no concurrent reader re-caches it).
  std::function<void()> after_commit;

  static Response json(int status, const boost::json::value& v);
  static Response no_content();  // 204, empty body
  static Response raw(int status, std::string content_type, std::string body);
  Response& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// JSON text of a value, with doubles in shortest round-trip form ("115.194", not "1.15194E2").
std::string to_json(const boost::json::value& v);

// Splits a raw target into path and decoded query parameters. Returns false when the query is
// malformed (bad percent-encoding).
bool parse_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query);
// Percent-decodes one path segment or query component; false on bad encoding.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

}  // namespace scwd::http

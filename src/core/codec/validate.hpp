// Request decoding and validation. The generic half is driven by the SDK catalog (field kinds,
// enum values, validation rules of the published request types); the other half is a set of
// readers handlers use for their own checks. Every failure is an invalid_arguments error naming
// the argument, so bad input never reaches a handler's writes.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/http/message.hpp"
#include "core/sdk/catalog.hpp"

namespace scwd::codec {

// Parses a JSON request body; an empty body is {}. Not an object / malformed -> invalid_arguments.
api::Result<boost::json::object> parse_json_body(std::string_view body);

// Checks every query parameter the operation publishes and the request carries.
// Rewrites every boolean query value that Go's strconv.ParseBool takes (what the real API's
// gateway parses with) to "true" or "false", so validation and handlers see one spelling: the
// Python SDK sends Python's str(bool), "True" / "False"; "1", "t", "T", "TRUE" and their false
// forms are the other spellings accepted. Anything else is left for validate_query to refuse.
void canonicalize_query_bools(const sdk::Operation& op, http::Request& req);
// `declared`: fields the route declares itself (RouteSpec::query), checked instead of the
// operation's field of the same name.
std::optional<api::ApiError> validate_query(const sdk::Operation& op, const http::Request& req,
                                            std::span<const sdk::Field> declared = {});
// Checks the JSON types, enum values and rules of the top-level body fields the operation
// publishes. Unknown fields are ignored, null always passes (it means "unset").
std::optional<api::ApiError> validate_body(const sdk::Operation& op,
                                           const boost::json::object& body);

// Checks one value against a field's kind and rules; appends details on failure.
void check_string_rules(const sdk::Field& f, std::string_view name, std::string_view value,
                        std::vector<api::ArgumentDetail>& out);
std::size_t utf8_length(std::string_view s);

// Reads typed fields out of a JSON object, collecting every problem before failing.
class BodyReader {
 public:
  explicit BodyReader(const boost::json::object& o, std::string prefix = {})
      : o_(o), prefix_(std::move(prefix)) {}

  bool has(std::string_view key) const;      // present, even if null
  bool is_null(std::string_view key) const;  // present and null
  std::optional<std::string> str(std::string_view key, bool required = false);
  std::optional<std::string> uuid(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key, bool required = false);
  std::optional<std::int64_t> integer(std::string_view key, bool required = false);
  std::optional<std::vector<std::string>> strings(std::string_view key, bool required = false);
  std::optional<std::string> enumeration(std::string_view key,
                                         std::initializer_list<std::string_view> allowed,
                                         bool required = false);
  const boost::json::object* object(std::string_view key, bool required = false);

  void add(std::string_view key, api::ArgReason reason, std::string help);
  bool ok() const { return details_.empty(); }
  std::optional<api::ApiError> error() const;

 private:
  const boost::json::value* find(std::string_view key, bool required);
  std::string full(std::string_view key) const;

  const boost::json::object& o_;
  std::string prefix_;
  std::vector<api::ArgumentDetail> details_;
};

}  // namespace scwd::codec

// The published Scaleway API surface, as generated from the pinned @scaleway/sdk-* npm packages
// by tools/codegen. Every operation the official clients can call is listed here; the router
// registers all of them, so an operation without a handler answers 501 naming it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace scwd::sdk {

enum class FieldKind : std::uint8_t {
  kString,  // string (free text, ids, ips, ...)
  kInt,     // integer number (sizes, counts, ports)
  kFloat,   // floating point number
  kBool,    // boolean
  kEnum,    // string restricted to enum_values
  kDate,    // RFC 3339 timestamp string
  kObject,  // nested JSON object (validated by product code)
  kMap,     // JSON object used as a string-keyed map
  kAny,     // anything (JSON value, blob, ...)
};

// Constraints copied from the SDK's validation-rules.gen files. A value of -1 (or an empty
// pattern) means "no constraint".
struct Rules {
  std::int64_t min_length = -1;
  std::int64_t max_length = -1;
  std::string_view pattern{};  // ECMAScript regex source, without slashes
  bool has_greater_than = false;
  double greater_than = 0;
  bool has_greater_than_or_equal = false;
  double greater_than_or_equal = 0;
  bool has_less_than = false;
  double less_than = 0;
  bool has_less_than_or_equal = false;
  double less_than_or_equal = 0;
};

struct Field {
  std::string_view name;  // wire name, snake_case (e.g. "organization_id")
  FieldKind kind;
  bool repeated;  // array of `kind` (query: repeated keys or comma list; body: JSON array)
  std::span<const std::string_view> enum_values;  // non-empty only for kEnum
  Rules rules;
};

struct Operation {
  std::string_view product;  // first path segment: "account", "instance", "vpc-gw"...
  std::string_view package;  // npm package suffix: "account", "vpcgw", ...
  std::string_view version;  // "v3", "v1alpha1", ...
  std::string_view api;      // SDK class: "ProjectAPI"
  std::string_view name;     // SDK method: "createProject" (the public one, not pageOf...)
  std::string_view method;   // "GET", "POST", "PATCH", "PUT", "DELETE"
  std::string_view path;     // "/account/v3/projects/{project_id}", "{zone}" / "{region}"
  std::span<const Field> query;
  std::span<const Field> body;     // top-level JSON body fields; empty when none
  std::string_view body_kind;      // "json", "none" or "raw" (e.g. text/plain user data)
  std::string_view list_key;       // response list key when paginated ("projects"), else empty
  std::string_view response_kind;  // "json", "none" (204) or "blob"
};

// Every published operation, ordered by product, version, path, method.
std::span<const Operation> operations();

}  // namespace scwd::sdk

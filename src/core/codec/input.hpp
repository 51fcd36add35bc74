// Request bodies read into plain structs. A handler declares the fields it reads as a struct
// described with BOOST_DESCRIBE_STRUCT (member names are the wire names, the described order is
// the order problems are reported in) and reads it in one call, instead of a run of reader calls
// and an error check per handler. Every problem of every field is collected into one
// invalid_arguments error, as BodyReader does (it does the reading).
#pragma once

#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/object.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/api/error.hpp"
#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"

namespace scwd::codec {

// An id given in a path or query parameter, lower-cased; a malformed one is refused as the modern
// APIs refuse it.
inline api::Result<std::string> uuid_arg(std::string_view name, std::string_view value) {
  if (!is_uuid(value))
    return api::fail(api::ApiError::invalid_argument(std::string(name), api::ArgReason::kFormat,
                                                     "value must be a valid UUID"));
  return to_lower(value);
}
// The same for an optional query parameter (`value` null or empty: absent): empty when absent.
inline api::Result<std::string> optional_uuid_arg(std::string_view name, const std::string* value) {
  if (!value || value->empty()) return std::string();
  return uuid_arg(name, *value);
}

// A string field that must hold a UUID; read lower-cased, a malformed one is refused.
struct Uuid : std::string {
  using std::string::string;
  explicit Uuid(std::string s) : std::string(std::move(s)) {}
};

// A field whose presence matters apart from its value (PATCH: sent as null means "clear").
template <class T>
struct Sent {
  bool sent = false;  // present in the body, even as null
  std::optional<T> value;
};

// A field that must be present and not null: set once the read succeeded.
template <class T>
struct Required {
  std::optional<T> value;
};

namespace detail {

inline void read_field(BodyReader& b, const char* k, std::optional<std::string>& out,
                       bool required = false) {
  out = b.str(k, required);
}
inline void read_field(BodyReader& b, const char* k, std::optional<Uuid>& out,
                       bool required = false) {
  if (auto v = b.uuid(k, required)) out.emplace(std::move(*v));
}
inline void read_field(BodyReader& b, const char* k, std::optional<std::int64_t>& out,
                       bool required = false) {
  out = b.integer(k, required);
}
inline void read_field(BodyReader& b, const char* k, std::optional<bool>& out,
                       bool required = false) {
  out = b.boolean(k, required);
}
inline void read_field(BodyReader& b, const char* k, std::optional<std::vector<std::string>>& out,
                       bool required = false) {
  out = b.strings(k, required);
}
inline void read_field(BodyReader& b, const char* k, const boost::json::object*& out,
                       bool required = false) {
  out = b.object(k, required);
}
template <class T>
void read_field(BodyReader& b, const char* k, Sent<T>& out) {
  out.sent = b.has(k);
  read_field(b, k, out.value);
}
template <class T>
void read_field(BodyReader& b, const char* k, Required<T>& out) {
  read_field(b, k, out.value, true);
}

}  // namespace detail

// Reads the described fields of `T` through `b`, whose problems the caller may add to (checks of
// its own) before asking for its error.
template <class T>
void read(BodyReader& b, T& out) {
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto d) { detail::read_field(b, d.name, out.*d.pointer); });
}

// Reads the described fields of `T` out of `body` (`prefix` names a nested object in errors).
template <class T>
api::Result<T> read(const boost::json::object& body, std::string prefix = {}) {
  T out{};
  BodyReader b(body, std::move(prefix));
  read(b, out);
  if (auto e = b.error()) return api::fail(std::move(*e));
  return out;
}

}  // namespace scwd::codec

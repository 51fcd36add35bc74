#include "core/codec/validate.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "core/codec/enum_extras.hpp"
#include "core/codec/pattern.hpp"
#include "core/util/ids.hpp"
#include "core/util/time.hpp"

namespace scwd::codec {

namespace json = boost::json;
using api::ApiError;
using api::ArgReason;

namespace {
// Boost.JSON reads a number too large for a double (1e400) as an infinity, which no field can
// hold and JSON cannot carry back. Depth is bounded by the parser's limit.
bool has_non_finite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return !std::isfinite(v.get_double());
    case json::kind::array:
      for (auto& e : v.get_array())
        if (has_non_finite(e)) return true;
      return false;
    case json::kind::object:
      for (auto& kv : v.get_object())
        if (has_non_finite(kv.value())) return true;
      return false;
    default:
      return false;
  }
}
}  // namespace

api::Result<json::object> parse_json_body(std::string_view body) {
  std::size_t i = 0;
  while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
  if (i == body.size()) return json::object{};
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec)
    return api::fail(ApiError::invalid_argument("body", ArgReason::kFormat,
                                                "request body is not valid JSON: " + ec.message()));
  if (!v.is_object())
    return api::fail(ApiError::invalid_argument("body", ArgReason::kFormat,
                                                "request body must be a JSON object"));
  if (has_non_finite(v))
    return api::fail(ApiError::invalid_argument(
        "body", ArgReason::kFormat, "request body has a number out of range of a double"));
  return std::move(v.as_object());
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

namespace {

std::string fmt_num(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return std::to_string(v);
}

void check_number_rules(const sdk::Field& f, std::string_view name, double v,
                        std::vector<api::ArgumentDetail>& out) {
  const auto& r = f.rules;
  auto bad = [&](std::string help) {
    out.push_back({std::string(name), ArgReason::kConstraint, std::move(help)});
  };
  if (r.has_greater_than && !(v > r.greater_than))
    bad("value must be greater than " + fmt_num(r.greater_than));
  else if (r.has_greater_than_or_equal && !(v >= r.greater_than_or_equal))
    bad("value must be greater than or equal to " + fmt_num(r.greater_than_or_equal));
  else if (r.has_less_than && !(v < r.less_than))
    bad("value must be less than " + fmt_num(r.less_than));
  else if (r.has_less_than_or_equal && !(v <= r.less_than_or_equal))
    bad("value must be less than or equal to " + fmt_num(r.less_than_or_equal));
}

bool in_enum(const sdk::Field& f, std::string_view v) {
  for (auto e : f.enum_values)
    if (e == v) return true;
  return extra_enum_value(f.enum_values, v);
}

std::string enum_help(const sdk::Field& f) {
  std::string s = "value must be one of: ";
  for (std::size_t i = 0; i < f.enum_values.size(); ++i) {
    if (i) s += ", ";
    s += f.enum_values[i];
  }
  return s;
}

void check_query_value(const sdk::Field& f, std::string_view v,
                       std::vector<api::ArgumentDetail>& out) {
  std::string name(f.name);
  switch (f.kind) {
    case sdk::FieldKind::kInt: {
      long long n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size()) {
        out.push_back({name, ArgReason::kFormat, "value must be an integer"});
        return;
      }
      check_number_rules(f, name, static_cast<double>(n), out);
      return;
    }
    case sdk::FieldKind::kFloat: {
      try {
        std::size_t used = 0;
        double d = std::stod(std::string(v), &used);
        if (used != v.size()) throw std::invalid_argument("trailing");
        check_number_rules(f, name, d, out);
      } catch (const std::exception&) {
        out.push_back({name, ArgReason::kFormat, "value must be a number"});
      }
      return;
    }
    case sdk::FieldKind::kBool:
      if (v != "true" && v != "false" && v != "1" && v != "0")
        out.push_back({name, ArgReason::kFormat, "value must be a boolean"});
      return;
    case sdk::FieldKind::kEnum:
      if (!in_enum(f, v)) out.push_back({name, ArgReason::kConstraint, enum_help(f)});
      return;
    case sdk::FieldKind::kDate:
      if (!parse_time(v))
        out.push_back({name, ArgReason::kFormat, "value must be a RFC 3339 date"});
      return;
    case sdk::FieldKind::kString:
      check_string_rules(f, name, v, out);
      return;
    default:
      return;
  }
}

void check_body_value(const sdk::Field& f, std::string_view name, const json::value& v,
                      std::vector<api::ArgumentDetail>& out) {
  if (v.is_null()) return;
  auto type_error = [&](std::string_view expected) {
    out.push_back(
        {std::string(name), ArgReason::kFormat, "invalid type, expected " + std::string(expected)});
  };
  switch (f.kind) {
    case sdk::FieldKind::kString:
      if (!v.is_string()) return type_error("string");
      check_string_rules(f, name, v.get_string(), out);
      return;
    case sdk::FieldKind::kEnum:
      if (!v.is_string()) return type_error("string");
      if (!in_enum(f, v.get_string()))
        out.push_back({std::string(name), ArgReason::kConstraint, enum_help(f)});
      return;
    case sdk::FieldKind::kDate:
      if (!v.is_string()) return type_error("string");
      if (!parse_time(v.get_string()))
        out.push_back({std::string(name), ArgReason::kFormat, "value must be a RFC 3339 date"});
      return;
    case sdk::FieldKind::kInt:
      if (v.is_int64() || v.is_uint64()) {
        check_number_rules(f, name, v.to_number<double>(), out);
        return;
      }
      if (v.is_double() && std::floor(v.get_double()) == v.get_double()) {
        // An integer literal past 64 bits reaches us as a double; the platform's integers are
        // at most 64 bits (a signed 64-bit minimum is read as an int64, not as a double).
        double d = v.get_double();
        if (d <= -9223372036854775808.0 || d >= 18446744073709551616.0) {
          out.push_back(
              {std::string(name), ArgReason::kFormat, "value is out of range of a 64-bit integer"});
          return;
        }
        check_number_rules(f, name, d, out);
        return;
      }
      return type_error("integer");
    case sdk::FieldKind::kFloat:
      if (!v.is_number()) return type_error("number");
      check_number_rules(f, name, v.to_number<double>(), out);
      return;
    case sdk::FieldKind::kBool:
      if (!v.is_bool()) return type_error("boolean");
      return;
    case sdk::FieldKind::kObject:
    case sdk::FieldKind::kMap:
      if (!v.is_object()) return type_error("object");
      return;
    case sdk::FieldKind::kAny:
      return;
  }
}

}  // namespace

void check_string_rules(const sdk::Field& f, std::string_view name, std::string_view value,
                        std::vector<api::ArgumentDetail>& out) {
  const auto& r = f.rules;
  std::size_t len = utf8_length(value);
  if (r.min_length >= 0 && len < static_cast<std::size_t>(r.min_length)) {
    out.push_back({std::string(name), ArgReason::kConstraint,
                   "value length must be at least " + std::to_string(r.min_length) + " runes"});
    return;
  }
  if (r.max_length >= 0 && len > static_cast<std::size_t>(r.max_length)) {
    out.push_back({std::string(name), ArgReason::kConstraint,
                   "value length must be at most " + std::to_string(r.max_length) + " runes"});
    return;
  }
  if (!r.pattern.empty()) {
    if (auto* p = Pattern::get(r.pattern); p && !p->matches(value))
      out.push_back({std::string(name), ArgReason::kConstraint,
                     "value must match the pattern " + std::string(r.pattern)});
  }
}

void canonicalize_query_bools(const sdk::Operation& op, http::Request& req) {
  for (auto& [key, value] : req.query) {
    for (auto& f : op.query) {
      if (f.name != key) continue;
      if (f.kind == sdk::FieldKind::kBool && !f.repeated) {
        if (value == "1" || value == "t" || value == "T" || value == "TRUE" || value == "True")
          value = "true";
        else if (value == "0" || value == "f" || value == "F" || value == "FALSE" ||
                 value == "False")
          value = "false";
      }
      break;
    }
  }
}

std::optional<ApiError> validate_query(const sdk::Operation& op, const http::Request& req,
                                       std::span<const sdk::Field> declared) {
  std::vector<api::ArgumentDetail> out;
  auto field_of = [&](std::string_view key) -> const sdk::Field* {
    for (auto& f : declared)
      if (f.name == key) return &f;
    for (auto& f : op.query)
      if (f.name == key) return &f;
    return nullptr;
  };
  for (auto& [key, value] : req.query) {
    const auto* f = field_of(key);
    if (!f) continue;
    if (f->repeated && f->kind != sdk::FieldKind::kString) {
      // Repeated values may come as repeated keys or comma-joined.
      std::size_t start = 0;
      while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        if (comma > start)
          check_query_value(*f, std::string_view(value).substr(start, comma - start), out);
        start = comma + 1;
      }
    } else if (!(f->repeated && value.empty())) {
      check_query_value(*f, value, out);
    }
  }
  if (out.empty()) return std::nullopt;
  return ApiError::invalid_arguments(std::move(out));
}

std::optional<ApiError> validate_body(const sdk::Operation& op, const json::object& body) {
  std::vector<api::ArgumentDetail> out;
  for (auto& f : op.body) {
    auto it = body.find(f.name);
    if (it == body.end()) continue;
    const json::value& v = it->value();
    if (f.repeated) {
      if (v.is_null()) continue;
      if (!v.is_array()) {
        out.push_back({std::string(f.name), ArgReason::kFormat, "invalid type, expected array"});
        continue;
      }
      std::size_t i = 0;
      for (auto& e : v.get_array()) {
        check_body_value(f, std::string(f.name) + "." + std::to_string(i), e, out);
        ++i;
      }
    } else {
      check_body_value(f, f.name, v, out);
    }
  }
  if (out.empty()) return std::nullopt;
  return ApiError::invalid_arguments(std::move(out));
}

// --- BodyReader ---

std::string BodyReader::full(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

bool BodyReader::has(std::string_view key) const { return o_.find(key) != o_.end(); }

bool BodyReader::is_null(std::string_view key) const {
  auto it = o_.find(key);
  return it != o_.end() && it->value().is_null();
}

const json::value* BodyReader::find(std::string_view key, bool required) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) {
    if (required) add(key, ArgReason::kRequired, "required key not provided");
    return nullptr;
  }
  return &it->value();
}

void BodyReader::add(std::string_view key, ArgReason reason, std::string help) {
  details_.push_back({full(key), reason, std::move(help)});
}

std::optional<std::string> BodyReader::str(std::string_view key, bool required) {
  auto* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    add(key, ArgReason::kFormat, "invalid type, expected string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<std::string> BodyReader::uuid(std::string_view key, bool required) {
  auto s = str(key, required);
  if (!s) return std::nullopt;
  if (!is_uuid(*s)) {
    add(key, ArgReason::kFormat, "value must be a valid UUID");
    return std::nullopt;
  }
  return to_lower(*s);
}

std::optional<bool> BodyReader::boolean(std::string_view key, bool required) {
  auto* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    add(key, ArgReason::kFormat, "invalid type, expected boolean");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::int64_t> BodyReader::integer(std::string_view key, bool required) {
  auto* v = find(key, required);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  add(key, ArgReason::kFormat, "invalid type, expected integer");
  return std::nullopt;
}

std::optional<std::vector<std::string>> BodyReader::strings(std::string_view key, bool required) {
  auto* v = find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    add(key, ArgReason::kFormat, "invalid type, expected array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (auto& e : v->get_array()) {
    if (!e.is_string()) {
      add(key, ArgReason::kFormat, "invalid type, expected array of strings");
      return std::nullopt;
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

std::optional<std::string> BodyReader::enumeration(std::string_view key,
                                                   std::initializer_list<std::string_view> allowed,
                                                   bool required) {
  auto s = str(key, required);
  if (!s) return std::nullopt;
  for (auto a : allowed)
    if (a == *s) return s;
  std::string help = "value must be one of: ";
  bool first = true;
  for (auto a : allowed) {
    if (!first) help += ", ";
    help += a;
    first = false;
  }
  add(key, ArgReason::kConstraint, std::move(help));
  return std::nullopt;
}

const json::object* BodyReader::object(std::string_view key, bool required) {
  auto* v = find(key, required);
  if (!v) return nullptr;
  if (!v->is_object()) {
    add(key, ArgReason::kFormat, "invalid type, expected object");
    return nullptr;
  }
  return &v->get_object();
}

std::optional<ApiError> BodyReader::error() const {
  if (details_.empty()) return std::nullopt;
  return ApiError::invalid_arguments(details_);
}

}  // namespace scwd::codec

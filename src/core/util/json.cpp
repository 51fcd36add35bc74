#include "core/util/json.hpp"

#include <cmath>

namespace scwd {

namespace json = boost::json;

std::optional<std::int64_t> as_int(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.as_uint64());
  if (v.is_double()) {
    double d = v.as_double();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e18)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::string str_of(const json::object& o, std::string_view key, std::string_view def) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::string(def);
  return std::string(it->value().get_string());
}

std::int64_t int_of(const json::object& o, std::string_view key, std::int64_t def) {
  auto it = o.find(key);
  if (it == o.end()) return def;
  return as_int(it->value()).value_or(def);
}

bool bool_of(const json::object& o, std::string_view key, bool def) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_bool()) return def;
  return it->value().get_bool();
}

json::value value_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? json::value(nullptr) : it->value();
}

std::vector<std::string> strings_of(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (auto& v : it->value().get_array())
    if (v.is_string()) out.emplace_back(v.get_string());
  return out;
}

json::array strings_json(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace scwd

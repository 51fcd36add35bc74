// Reading fields of stored JSON bodies and writing common JSON values: one set of accessors for
// every product, each tolerant of a missing or mistyped field (it answers the default).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scwd {

// The integer a JSON number holds exactly (doubles with no fraction included).
std::optional<std::int64_t> as_int(const boost::json::value& v);

std::string str_of(const boost::json::object& o, std::string_view key, std::string_view def = {});
std::int64_t int_of(const boost::json::object& o, std::string_view key, std::int64_t def = 0);
bool bool_of(const boost::json::object& o, std::string_view key, bool def = false);
// The value of `key`, null when absent.
boost::json::value value_of(const boost::json::object& o, std::string_view key);
// The string elements of an array field (others skipped); empty when absent.
std::vector<std::string> strings_of(const boost::json::object& o, std::string_view key);
boost::json::array strings_json(const std::vector<std::string>& v);

}  // namespace scwd

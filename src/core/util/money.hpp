// Money as the Scaleway APIs write it (google.type.Money): {"currency_code", "units", "nanos"},
// the sign of nanos following the units (-4661.38 EUR = units -4661, nanos -380000000).
#pragma once

#include <boost/json/object.hpp>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace scwd {

inline boost::json::object money_json(std::int64_t nanos, std::string_view currency = "EUR") {
  return boost::json::object{{"currency_code", currency},
                             {"units", nanos / 1'000'000'000},
                             {"nanos", nanos % 1'000'000'000}};
}

// A catalogue price in EUR (at most nine decimals).
inline boost::json::object money_json(double eur) {
  return money_json(static_cast<std::int64_t>(std::llround(eur * 1e9)));
}

}  // namespace scwd

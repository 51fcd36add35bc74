// Money as the Scaleway APIs write it (google.type.Money): {"currency_code", "units", "nanos"},
// the sign of nanos following the units (-4661.38 EUR = units -4661, nanos -380000000).
#pragma once

#include <boost/json/object.hpp>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace scwd {

constexpr std::int64_t kCentNanos = 10'000'000;  // one euro cent, in nanos

// a x b / divisor EUR nanos (all non-negative), rounded half up to the cent. The product is
// taken in 128 bits: a price times a quantity overflows 64 bits before it is divided back.
inline std::int64_t nanos_to_cent(std::int64_t a, std::int64_t b, std::int64_t divisor = 1) {
  __extension__ using Wide = __int128;
  const Wide d = static_cast<Wide>(divisor < 1 ? 1 : divisor) * kCentNanos;
  return static_cast<std::int64_t>((static_cast<Wide>(a) * b + d / 2) / d) * kCentNanos;
}

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

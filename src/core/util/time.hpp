// Time: microseconds since the Unix epoch, an injectable clock, and the two RFC 3339 renderings
// the Scaleway APIs use ("...123456Z" for modern APIs, "...123456+00:00" for Instance).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scwd {

using Micros = std::int64_t;  // microseconds since 1970-01-01T00:00:00Z

inline constexpr Micros kSecond = 1'000'000;
inline constexpr Micros kMinute = 60 * kSecond;
inline constexpr Micros kHour = 60 * kMinute;
inline constexpr Micros kDay = 24 * kHour;

enum class TimeStyle { kZulu, kOffset };

std::string format_time(Micros t, TimeStyle style = TimeStyle::kZulu);
// Parses RFC 3339 (any fraction length, Z or +hh:mm offset). nullopt when malformed.
std::optional<Micros> parse_time(std::string_view s);

// Real wall clock plus a virtual offset that the admin plane can advance, so tests skip waits
// without sleeping. Shared by every thread.
class Clock {
 public:
  Micros now() const;
  void advance(Micros delta) { offset_.fetch_add(delta, std::memory_order_relaxed); }
  // Replicas of a shared store take the offset the store keeps (it never goes back).
  void set_offset(Micros offset) {
    Micros cur = offset_.load(std::memory_order_relaxed);
    while (cur < offset && !offset_.compare_exchange_weak(cur, offset, std::memory_order_relaxed)) {
    }
  }
  Micros offset() const { return offset_.load(std::memory_order_relaxed); }

 private:
  std::atomic<Micros> offset_{0};
};

Micros system_now();

}  // namespace scwd

// What store.hpp declares beside the interfaces: filter values and the back-off of retries.
#include "core/store/store.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace scwd::store {

std::string text_of(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* u = std::get_if<Uuid>(&v)) return u->value;
  if (auto* b = std::get_if<bool>(&v)) return *b ? "1" : "0";
  return std::to_string(std::get<std::int64_t>(v));
}

void Store::backoff(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto most = std::int64_t{50} << std::min(attempt, 8);
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<std::int64_t>(rng() % most)));
}

bool is_numeric(const Value& v) {
  return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<bool>(v);
}

}  // namespace scwd::store

#include "core/codec/enum_extras.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

namespace scwd::codec {

namespace {
std::mutex g_mu;
std::map<const std::string_view*, std::set<std::string, std::less<>>>& extras() {
  static std::map<const std::string_view*, std::set<std::string, std::less<>>> m;
  return m;
}
}  // namespace

void allow_enum_values(std::span<const std::string_view> enum_values,
                       std::vector<std::string> values) {
  std::lock_guard lock(g_mu);
  auto& s = extras()[enum_values.data()];
  for (auto& v : values) s.insert(std::move(v));
}

bool extra_enum_value(std::span<const std::string_view> enum_values, std::string_view v) {
  std::lock_guard lock(g_mu);
  auto& m = extras();
  if (m.empty()) return false;
  auto it = m.find(enum_values.data());
  return it != m.end() && it->second.contains(v);
}

}  // namespace scwd::codec

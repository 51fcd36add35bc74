#include "core/router/locality.hpp"

#include <algorithm>
#include <array>

namespace scwd::locality {

namespace {
constexpr std::array<std::string_view, 4> kRegions = {"fr-par", "nl-ams", "pl-waw", "it-mil"};
constexpr std::array<std::string_view, 10> kZones = {"fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1",
                                                     "nl-ams-2", "nl-ams-3", "pl-waw-1", "pl-waw-2",
                                                     "pl-waw-3", "it-mil-1"};

bool lower_run(std::string_view s, std::size_t& i, std::size_t min, std::size_t max) {
  std::size_t start = i;
  while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
  return i - start >= min && i - start <= max;
}
}  // namespace

std::span<const std::string_view> regions() { return kRegions; }
std::span<const std::string_view> zones() { return kZones; }

bool is_region(std::string_view s) {
  return std::find(kRegions.begin(), kRegions.end(), s) != kRegions.end();
}
bool is_zone(std::string_view s) {
  return std::find(kZones.begin(), kZones.end(), s) != kZones.end();
}

bool region_format_ok(std::string_view s) {
  std::size_t i = 0;
  if (!lower_run(s, i, 2, 2) || i >= s.size() || s[i++] != '-') return false;
  if (!lower_run(s, i, 3, 7)) return false;
  return i == s.size();
}

bool zone_format_ok(std::string_view s) {
  auto dash = s.rfind('-');
  if (dash == std::string_view::npos || !region_format_ok(s.substr(0, dash))) return false;
  auto num = s.substr(dash + 1);
  if (num.empty() || num.size() > 2) return false;
  return std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view region_of_zone(std::string_view zone) {
  auto dash = zone.rfind('-');
  return dash == std::string_view::npos ? zone : zone.substr(0, dash);
}

}  // namespace scwd::locality

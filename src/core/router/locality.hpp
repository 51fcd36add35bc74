// Regions and zones of the platform.
#pragma once

#include <span>
#include <string_view>

namespace scwd::locality {

std::span<const std::string_view> regions();  // fr-par, nl-ams, pl-waw, it-mil
std::span<const std::string_view> zones();    // fr-par-1 ... it-mil-1 (10)
bool is_region(std::string_view s);
bool is_zone(std::string_view s);
// Format checks of the Go SDK: zone ^[a-z]{2}-[a-z]{3,7}-[0-9]{1,2}$, region ^[a-z]{2}-[a-z]{3,7}$
bool zone_format_ok(std::string_view s);
bool region_format_ok(std::string_view s);
std::string_view region_of_zone(std::string_view zone);  // "fr-par-1" -> "fr-par"

}  // namespace scwd::locality

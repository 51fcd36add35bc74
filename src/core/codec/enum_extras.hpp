// Enum values the platform accepts beyond those the pinned SDK publishes: newer clients send them
// (a Functions runtime added after the pinned package, e.g. "node26"). A product registers them
// at start-up for one enum of the catalogue; body and query validation then accept them too.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace scwd::codec {

// `values` become valid wherever the catalogue enum `enum_values` (the array a field's
// enum_values spans) is used. Process-wide; idempotent.
void allow_enum_values(std::span<const std::string_view> enum_values,
                       std::vector<std::string> values);
bool extra_enum_value(std::span<const std::string_view> enum_values, std::string_view v);

}  // namespace scwd::codec

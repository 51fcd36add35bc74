// What the two Serverless Containers API versions share (module.cpp: v1beta1; v1.cpp: v1).
#pragma once

#include <string_view>

#include "products/prelude.hpp"

namespace scwd::products::container {

// A new container's settings in namespace `ns`, as the platform defaults them.
json::object default_container(const store::Record& ns, std::string_view name);

void register_v1(app::Registry& reg);
// v1's custom domains and triggers (v1_domains_triggers.cpp).
void register_v1_domains_triggers(app::Registry& reg);

}  // namespace scwd::products::container

// Domain names as the APIs accept them for reverse DNS: labels of letters, digits and inner
// hyphens (at most 63 each), at most 253 characters, one trailing dot allowed.
#pragma once

#include <string_view>

namespace scwd {

// `dotted`: the name must have at least two labels (a bare "localhost" is refused).
bool is_domain_name(std::string_view name, bool dotted);

}  // namespace scwd

// Identifiers: UUID v4 resource ids, SCW access keys, and their format checks.
#pragma once

#include <string>
#include <string_view>

namespace scwd {

std::string new_uuid();  // lowercase UUID v4 from a CSPRNG
// A lowercase UUID v4 from a per-thread generator seeded by the CSPRNG: unique, cheap, not
// secret (request ids, which only name a request in logs and error answers).
std::string new_request_id();
std::string new_access_key();            // "SCW" + 17 of [A-Z0-9]
bool is_uuid(std::string_view s);        // any hex UUID, case-insensitive (as the SDKs check)
bool is_access_key(std::string_view s);  // ^SCW[A-Z0-9]{17}$
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
// A UUID (v4 layout) derived from a name: the same name gives the same id on every run, so that
// records keep pointing at catalogue entries across restarts. Callers prefix their names with
// their own namespace.
std::string name_uuid(std::string_view name);

}  // namespace scwd

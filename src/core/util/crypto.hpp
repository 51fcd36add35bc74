// Hashing of secrets (API secret keys are stored only as SHA-256 digests) and constant-time
// comparison.
#pragma once

#include <string>
#include <string_view>

namespace scwd {

std::string sha256_hex(std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);
// Hash of an API secret key: SHA-256 over a fixed domain prefix and the lowercased key.
std::string hash_secret(std::string_view secret_key);

}  // namespace scwd

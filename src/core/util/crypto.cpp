#include "core/util/crypto.hpp"

#include <sodium.h>

#include <stdexcept>

#include "core/util/ids.hpp"

namespace scwd {

std::string sha256_hex(std::string_view data) {
  // libsodium's SHA-256: no per-call algorithm look-up (every authenticated request hashes).
  unsigned char md[crypto_hash_sha256_BYTES];
  constexpr unsigned int len = crypto_hash_sha256_BYTES;
  crypto_hash_sha256(md, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 0xf]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hash_secret(std::string_view secret_key) {
  std::string input = "scwd-secret-key-v1:";
  input += to_lower(secret_key);
  return sha256_hex(input);
}

}  // namespace scwd

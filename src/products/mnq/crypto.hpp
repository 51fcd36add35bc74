// The cryptography Messaging and Queuing needs: NATS NKEYs (Ed25519 keys encoded in base32 with a
// type prefix and a CRC-16) and the JWTs NATS servers accept, the digests SQS answers carry
// (MD5), and the HMAC-SHA256 chain of AWS Signature Version 4.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/encoding.hpp"

namespace scwd::products::mnq {

// The NKEY types scwd makes: the operator it keeps, accounts and users.
enum class KeyType : std::uint8_t { kOperator = 14 << 3, kAccount = 0, kUser = 20 << 3 };

struct KeyPair {
  std::string seed;        // "SO...", "SA...", "SU..." (58 characters)
  std::string public_key;  // "O...", "A...", "U..." (56 characters)
};

KeyPair new_key_pair(KeyType type);
// The key pair an encoded seed holds; nullopt for a malformed seed or a wrong checksum.
std::optional<KeyPair> from_seed(std::string_view seed);
// True for a well-formed public key of that type (alphabet, length, prefix and checksum).
bool is_public_key(std::string_view key, KeyType type);
// The Ed25519 signature of `data` under the seed's key (64 bytes, raw).
std::string sign(std::string_view seed, std::string_view data);

// A NATS JWT (`alg: ed25519-nkey`) carrying `claims`, signed by `issuer_seed`: `iss` and `jti`
// are filled in.
std::string nats_jwt(boost::json::object claims, std::string_view issuer_seed);
// The decoded claims of a JWT (no signature check: for tests and the server's own JWTs).
std::optional<boost::json::object> jwt_claims(std::string_view jwt);
// A user's credentials file: its JWT and its seed, in the layout NATS clients read.
std::string creds_file(std::string_view user_jwt, std::string_view user_seed);

std::string hex(std::string_view bytes);
std::string sha1_hex(std::string_view data);
std::string md5_hex(std::string_view data);
std::string sha256_raw(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
// `n` characters of [A-Za-z0-9] from a CSPRNG.
std::string random_alnum(std::size_t n);

}  // namespace scwd::products::mnq

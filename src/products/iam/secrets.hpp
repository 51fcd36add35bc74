// Secrets of IAM: password hashes (Argon2id), TOTP (RFC 6238) for MFA, random tokens, SSH public
// key parsing and fingerprints, X.509 expiry of SAML certificates.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/util/time.hpp"

namespace scwd::products::iam {

std::string hash_password(std::string_view password);
bool password_matches(std::string_view hash, std::string_view password);

std::string random_base32(std::size_t bytes);  // RFC 4648 base32, no padding
std::string random_token(std::size_t bytes);   // base64url, no padding
// The 6-digit TOTP (SHA-1, 30 s steps) of a base32 secret at time `t`.
std::string totp(std::string_view base32_secret, Micros t);
// Whether `code` is the TOTP of the secret at t, t - 30 s or t + 30 s.
bool totp_matches(std::string_view base32_secret, std::string_view code, Micros t);

std::string base64_encode(std::string_view in, bool url = false);
std::optional<std::string> base64_decode(std::string_view in);

struct SshKey {
  std::string type;         // "ssh-ed25519", ...
  std::string public_key;   // "type base64" (the comment is dropped)
  std::string fingerprint;  // "256 MD5:aa:bb:... (ssh-ed25519)"
};
// Parses "type base64 [comment]"; nullopt when the key is not a valid public key of an accepted
// type (ssh-rsa, ssh-dss, ssh-ed25519, ecdsa-sha2-nistp256/384/521).
std::optional<SshKey> parse_ssh_key(std::string_view text);

// notAfter of a PEM certificate; nullopt when it is not one.
std::optional<Micros> certificate_expiry(std::string_view pem);

}  // namespace scwd::products::iam

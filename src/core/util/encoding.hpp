// Binary-to-text encodings (RFC 4648), once for every product: base64 with padding, URL-safe
// base64 without (JWTs, receipt handles), and base32 without padding (NKEYs, TOTP secrets).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scwd {

std::string base64(std::string_view bytes);
std::string base64url(std::string_view bytes);
// The bytes `text` encodes in padded standard base64; nullopt unless all of it is such base64
// (characters of `ignore`, e.g. line breaks, are skipped).
std::optional<std::string> from_base64(std::string_view text, const char* ignore = nullptr);
std::string base32(std::string_view bytes);

}  // namespace scwd

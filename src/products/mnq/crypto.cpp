#include "products/mnq/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <stdexcept>

namespace scwd::products::mnq {

namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::uint8_t kSeedPrefix = 18 << 3;

void init_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium failed to initialise");
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    auto pos = kBase32.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

// CRC-16/XMODEM, as NKEYs checksum their bytes.
std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;
  for (unsigned char c : data) {
    crc ^= static_cast<std::uint16_t>(c << 8);
    for (int i = 0; i < 8; ++i)
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
  }
  return crc;
}

std::string with_crc(std::string raw) {
  auto crc = crc16(raw);
  raw.push_back(static_cast<char>(crc & 0xff));
  raw.push_back(static_cast<char>(crc >> 8));
  return raw;
}

// The bytes an encoded key holds, its checksum verified and removed.
std::optional<std::string> decode_checked(std::string_view text) {
  auto raw = base32_decode(text);
  if (!raw || raw->size() < 3) return std::nullopt;
  auto body = std::string_view(*raw).substr(0, raw->size() - 2);
  auto lo = static_cast<unsigned char>((*raw)[raw->size() - 2]);
  auto hi = static_cast<unsigned char>((*raw)[raw->size() - 1]);
  if (crc16(body) != static_cast<std::uint16_t>(lo | (hi << 8))) return std::nullopt;
  return std::string(body);
}

std::string encode_public(std::uint8_t prefix, std::string_view pk) {
  std::string raw(1, static_cast<char>(prefix));
  raw += pk;
  return base32(with_crc(std::move(raw)));
}

std::string encode_seed(std::uint8_t prefix, std::string_view seed) {
  std::string raw;
  raw.push_back(static_cast<char>(kSeedPrefix | (prefix >> 5)));
  raw.push_back(static_cast<char>((prefix & 31) << 3));
  raw += seed;
  return base32(with_crc(std::move(raw)));
}

// The raw 32-byte seed and the key type an encoded seed holds.
std::optional<std::pair<std::string, std::uint8_t>> decode_seed(std::string_view text) {
  auto raw = decode_checked(text);
  if (!raw || raw->size() != 34) return std::nullopt;
  auto b1 = static_cast<unsigned char>((*raw)[0]);
  auto b2 = static_cast<unsigned char>((*raw)[1]);
  if ((b1 & 0xf8) != kSeedPrefix) return std::nullopt;
  auto prefix = static_cast<std::uint8_t>(((b1 & 7) << 5) | ((b2 & 0xf8) >> 3));
  return std::make_pair(raw->substr(2), prefix);
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    throw std::runtime_error("digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

KeyPair new_key_pair(KeyType type) {
  init_sodium();
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  randombytes_buf(seed.data(), seed.size());
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  auto prefix = static_cast<std::uint8_t>(type);
  KeyPair kp{encode_seed(prefix, {reinterpret_cast<char*>(seed.data()), seed.size()}),
             encode_public(prefix, {reinterpret_cast<char*>(pk.data()), pk.size()})};
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(sk.data(), sk.size());
  return kp;
}

std::optional<KeyPair> from_seed(std::string_view seed) {
  init_sodium();
  auto decoded = decode_seed(seed);
  if (!decoded) return std::nullopt;
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(),
                           reinterpret_cast<const unsigned char*>(decoded->first.data()));
  sodium_memzero(sk.data(), sk.size());
  return KeyPair{std::string(seed),
                 encode_public(decoded->second, {reinterpret_cast<char*>(pk.data()), pk.size()})};
}

bool is_public_key(std::string_view key, KeyType type) {
  if (key.size() != 56) return false;
  auto raw = decode_checked(key);
  return raw && raw->size() == 33 &&
         static_cast<std::uint8_t>((*raw)[0]) == static_cast<std::uint8_t>(type);
}

std::string sign(std::string_view seed, std::string_view data) {
  init_sodium();
  auto decoded = decode_seed(seed);
  if (!decoded) throw std::invalid_argument("malformed NKEY seed");
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(),
                           reinterpret_cast<const unsigned char*>(decoded->first.data()));
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size(), sk.data());
  sodium_memzero(sk.data(), sk.size());
  return std::string(reinterpret_cast<char*>(sig.data()), sig.size());
}

std::string nats_jwt(boost::json::object claims, std::string_view issuer_seed) {
  auto issuer = from_seed(issuer_seed);
  if (!issuer) throw std::invalid_argument("malformed NKEY seed");
  claims["iss"] = issuer->public_key;
  if (!claims.contains("iat"))
    claims["iat"] = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  // The JWT id is the base32 SHA-512/256 of the claims without it, as NATS tools make it.
  claims["jti"] = "";
  claims["jti"] = base32(digest(EVP_sha512_256(), boost::json::serialize(claims)));
  std::string signing = base64url(R"({"typ":"JWT","alg":"ed25519-nkey"})") + "." +
                        base64url(boost::json::serialize(claims));
  return signing + "." + base64url(sign(issuer_seed, signing));
}

std::optional<boost::json::object> jwt_claims(std::string_view jwt) {
  auto a = jwt.find('.');
  auto b = a == std::string_view::npos ? a : jwt.find('.', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  std::string part(jwt.substr(a + 1, b - a - 1));
  for (auto& c : part) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (part.size() % 4) part.push_back('=');
  auto raw = from_base64(part);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(*raw, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

std::string creds_file(std::string_view user_jwt, std::string_view user_seed) {
  std::string s = "-----BEGIN NATS USER JWT-----\n";
  s += user_jwt;
  s += "\n------END NATS USER JWT------\n\n"
       "************************* IMPORTANT *************************\n"
       "NKEY Seed printed below can be used to sign and prove identity.\n"
       "NKEYs are sensitive and should be treated as secrets.\n\n"
       "-----BEGIN USER NKEY SEED-----\n";
  s += user_seed;
  s += "\n------END USER NKEY SEED------\n\n"
       "*************************************************************\n";
  return s;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

std::string sha1_hex(std::string_view data) { return hex(digest(EVP_sha1(), data)); }
std::string md5_hex(std::string_view data) { return hex(digest(EVP_md5(), data)); }
std::string sha256_raw(std::string_view data) { return digest(EVP_sha256(), data); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string random_alnum(std::size_t n) {
  init_sodium();
  static constexpr std::string_view kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(kChars[randombytes_uniform(static_cast<std::uint32_t>(kChars.size()))]);
  return out;
}

}  // namespace scwd::products::mnq

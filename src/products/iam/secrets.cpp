#include "products/iam/secrets.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <cstdint>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

#include "core/util/encoding.hpp"

namespace scwd::products::iam {

namespace {

void ensure_sodium() {
  static const int ok = sodium_init();
  if (ok < 0) throw std::runtime_error("libsodium initialisation failed");
}

std::string random_bytes(std::size_t n) {
  ensure_sodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

constexpr char kB32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::optional<std::string> base32_decode(std::string_view in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const char* p = std::strchr(kB32, c);
    if (!p || c == '\0') return std::nullopt;
    buf = (buf << 5) | static_cast<std::uint32_t>(p - kB32);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

// SSH wire format: uint32 length + bytes.
struct Reader {
  std::string_view data;
  std::size_t pos = 0;
  std::optional<std::string_view> next() {
    if (pos + 4 > data.size()) return std::nullopt;
    std::uint32_t n = (static_cast<std::uint8_t>(data[pos]) << 24) |
                      (static_cast<std::uint8_t>(data[pos + 1]) << 16) |
                      (static_cast<std::uint8_t>(data[pos + 2]) << 8) |
                      static_cast<std::uint8_t>(data[pos + 3]);
    pos += 4;
    if (n > data.size() - pos) return std::nullopt;
    auto s = data.substr(pos, n);
    pos += n;
    return s;
  }
};

// Bits of an SSH mpint (big-endian, leading zero bytes ignored).
int mpint_bits(std::string_view m) {
  std::size_t i = 0;
  while (i < m.size() && m[i] == 0) ++i;
  if (i == m.size()) return 0;
  int bits = static_cast<int>((m.size() - i - 1) * 8);
  auto top = static_cast<std::uint8_t>(m[i]);
  while (top) {
    ++bits;
    top >>= 1;
  }
  return bits;
}

}  // namespace

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  // Argon2id with a moderate cost: this is a development server, not a password vault, but the
  // password is never stored in the clear.
  if (crypto_pwhash_str(out, password.data(), password.size(), 2, 16u * 1024 * 1024) != 0)
    throw std::runtime_error("password hashing failed");
  return out;
}

bool password_matches(std::string_view hash, std::string_view password) {
  ensure_sodium();
  std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

std::string random_base32(std::size_t bytes) { return base32(random_bytes(bytes)); }

std::string random_token(std::size_t bytes) { return base64_encode(random_bytes(bytes), true); }

std::string totp(std::string_view base32_secret, Micros t) {
  auto key = base32_decode(base32_secret);
  if (!key) return {};
  std::uint64_t counter = static_cast<std::uint64_t>(t / 1000000 / 30);
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key->data(), static_cast<int>(key->size()), msg, sizeof msg, md, &len);
  int off = md[len - 1] & 0x0f;
  std::uint32_t code =
      ((md[off] & 0x7f) << 24) | (md[off + 1] << 16) | (md[off + 2] << 8) | md[off + 3];
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", code % 1000000);
  return buf;
}

bool totp_matches(std::string_view base32_secret, std::string_view code, Micros t) {
  for (Micros d : {Micros{0}, Micros{-30000000}, Micros{30000000}})
    if (totp(base32_secret, t + d) == code) return true;
  return false;
}

std::string base64_encode(std::string_view in, bool url) {
  return url ? base64url(in) : base64(in);
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string clean;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
    clean.push_back(c);
  }
  while (clean.size() % 4) clean.push_back('=');
  if (clean.empty()) return std::string();
  for (char c : clean)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '='))
      return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  std::size_t pad = 0;
  if (clean.size() >= 1 && clean[clean.size() - 1] == '=') ++pad;
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::optional<SshKey> parse_ssh_key(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  auto sp = text.find_first_of(" \t");
  if (sp == std::string_view::npos) return std::nullopt;
  auto type = text.substr(0, sp);
  auto rest = trim(text.substr(sp));
  auto sp2 = rest.find_first_of(" \t\r\n");
  auto b64 = sp2 == std::string_view::npos ? rest : rest.substr(0, sp2);
  auto blob = base64_decode(b64);
  if (!blob || blob->empty()) return std::nullopt;
  Reader r{*blob};
  auto inner_type = r.next();
  if (!inner_type || *inner_type != type) return std::nullopt;
  int bits = 0;
  if (type == "ssh-ed25519") {
    auto k = r.next();
    if (!k || k->size() != 32) return std::nullopt;
    bits = 256;
  } else if (type == "ssh-rsa") {
    auto e = r.next();
    auto n = r.next();
    if (!e || !n) return std::nullopt;
    bits = mpint_bits(*n);
    if (bits < 1024) return std::nullopt;
  } else if (type == "ssh-dss") {
    auto p = r.next();
    if (!p || !r.next() || !r.next() || !r.next()) return std::nullopt;
    bits = mpint_bits(*p);
  } else if (type == "ecdsa-sha2-nistp256" || type == "ecdsa-sha2-nistp384" ||
             type == "ecdsa-sha2-nistp521") {
    auto curve = r.next();
    auto point = r.next();
    if (!curve || !point || *curve != type.substr(11) || point->empty()) return std::nullopt;
    bits = type == "ecdsa-sha2-nistp256" ? 256 : type == "ecdsa-sha2-nistp384" ? 384 : 521;
  } else {
    return std::nullopt;
  }
  if (r.pos != blob->size()) return std::nullopt;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(blob->data(), blob->size(), md, &len, EVP_md5(), nullptr);
  std::string fp = std::to_string(bits) + " MD5:";
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    if (i) fp += ':';
    fp += hex[md[i] >> 4];
    fp += hex[md[i] & 0xf];
  }
  fp += " (" + std::string(type) + ")";
  return SshKey{std::string(type), std::string(type) + " " + std::string(b64), fp};
}

std::optional<Micros> certificate_expiry(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return std::nullopt;
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return std::nullopt;
  std::optional<Micros> out;
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
    out = static_cast<Micros>(timegm(&tm)) * 1000000;
  X509_free(cert);
  return out;
}

}  // namespace scwd::products::iam

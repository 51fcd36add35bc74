#include "core/util/ids.hpp"

#include "core/util/crypto.hpp"

#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <random>
#include <stdexcept>

namespace scwd {

namespace {
void random_bytes(unsigned char* out, int n) {
  if (RAND_bytes(out, n) != 1) throw std::runtime_error("RAND_bytes failed");
}
}  // namespace

namespace {
std::string format_uuid(std::array<unsigned char, 16> b) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(hex[b[static_cast<std::size_t>(i)] >> 4]);
    s.push_back(hex[b[static_cast<std::size_t>(i)] & 0xf]);
  }
  return s;
}
}  // namespace

std::string new_uuid() {
  std::array<unsigned char, 16> b{};
  random_bytes(b.data(), 16);
  return format_uuid(b);
}

std::string new_request_id() {
  thread_local std::mt19937_64 gen = [] {
    std::array<unsigned char, 8> seed{};
    random_bytes(seed.data(), 8);
    std::uint64_t v = 0;
    for (auto c : seed) v = (v << 8) | c;
    return std::mt19937_64(v);
  }();
  std::array<unsigned char, 16> b{};
  for (int half = 0; half < 2; ++half) {
    auto v = gen();
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(half * 8 + i)] = (v >> (8 * i)) & 0xff;
  }
  return format_uuid(b);
}

std::string new_access_key() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s = "SCW";
  std::array<unsigned char, 17> b{};
  random_bytes(b.data(), 17);
  for (unsigned char c : b) s.push_back(alphabet[c % 36]);
  return s;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

bool is_access_key(std::string_view s) {
  if (s.size() != 20 || s.substr(0, 3) != "SCW") return false;
  for (std::size_t i = 3; i < 20; ++i) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string name_uuid(std::string_view name) {
  auto h = sha256_hex(name);
  std::string u;
  u.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) u += '-';
    char c = h[static_cast<std::size_t>(i)];
    if (i == 12) c = '4';
    if (i == 16) c = "89ab"[(c >= 'a' ? c - 'a' + 10 : c - '0') & 3];
    u += c;
  }
  return u;
}

}  // namespace scwd

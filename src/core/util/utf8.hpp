// Well-formed UTF-8 (Unicode Table 3-7): what responses and the PostgreSQL store need of text
// that may carry any bytes a request sent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace scwd {

// Length of the well-formed UTF-8 sequence starting at p (no overlongs, no surrogates, nothing
// above U+10FFFF), or 0 when it is not one.
inline std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  unsigned char c = *p;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < n) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if ((p[i] & 0xC0) != 0x80) return 0;
  return n;
}

// s with every byte that starts no well-formed sequence, and every NUL, replaced by U+FFFD.
inline std::string valid_utf8(std::string_view s) {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = begin + s.size();
  std::string out;
  const auto* run = begin;
  for (const auto* p = begin; p != end;) {
    if (*p != 0 && *p < 0x80) {
      ++p;
      continue;
    }
    if (*p != 0)
      if (auto n = utf8_sequence(p, end)) {
        p += n;
        continue;
      }
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    out += "\xEF\xBF\xBD";
    run = ++p;
  }
  if (run == begin) return std::string(s);
  out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(end - run));
  return out;
}

}  // namespace scwd

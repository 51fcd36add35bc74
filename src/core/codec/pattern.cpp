#include "core/codec/pattern.hpp"

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <shared_mutex>
#include <string>

namespace scwd::codec {

namespace {

// ^[class]{min,max}$ over ASCII bytes.
class ClassPattern final : public Pattern {
 public:
  std::array<bool, 256> allowed{};
  std::size_t min = 0;
  std::size_t max = static_cast<std::size_t>(-1);
  bool matches(std::string_view v) const override {
    if (v.size() < min || v.size() > max) return false;
    for (unsigned char c : v)
      if (!allowed[c]) return false;
    return true;
  }
};

class RegexPattern final : public Pattern {
 public:
  explicit RegexPattern(std::regex re) : re_(std::move(re)) {}
  bool matches(std::string_view v) const override {
    if (v.size() > kMaxRegexInput) return false;
    return std::regex_search(v.begin(), v.end(), re_);
  }

 private:
  std::regex re_;
};

void add_range(ClassPattern& p, unsigned char from, unsigned char to) {
  for (unsigned c = from; c <= to; ++c) p.allowed[c] = true;
}

bool parse_number(std::string_view s, std::size_t& i, std::size_t& out) {
  std::size_t start = i;
  out = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9')
    out = out * 10 + static_cast<std::size_t>(s[i++] - '0');
  return i > start;
}

// Recognises ^[...]+$, ^[...]*$, ^[...]{m}$, ^[...]{m,}$ and ^[...]{m,n}$ with literal
// characters, ranges and the escapes \. \- \_ \/ \\ \d \w \s. Anything else: nullopt.
std::optional<ClassPattern> parse_class(std::string_view s) {
  if (s.size() < 5 || s.front() != '^' || s.back() != '$' || s[1] != '[' || s[2] == '^')
    return std::nullopt;
  ClassPattern p;
  std::size_t i = 2;
  int prev = -1;  // last literal, for ranges
  while (i < s.size() && s[i] != ']') {
    int c;
    if (s[i] == '\\') {
      if (i + 1 >= s.size()) return std::nullopt;
      char e = s[i + 1];
      i += 2;
      if (e == 'd') {
        add_range(p, '0', '9');
        prev = -1;
        continue;
      }
      if (e == 'w') {
        add_range(p, '0', '9');
        add_range(p, 'a', 'z');
        add_range(p, 'A', 'Z');
        p.allowed['_'] = true;
        prev = -1;
        continue;
      }
      if (e == 's') {
        for (unsigned char w : {' ', '\t', '\n', '\r', '\f', '\v'}) p.allowed[w] = true;
        prev = -1;
        continue;
      }
      if (std::isalnum(static_cast<unsigned char>(e))) return std::nullopt;  // \b, \p, \u...
      c = static_cast<unsigned char>(e);
    } else if (s[i] == '-' && prev >= 0 && i + 1 < s.size() && s[i + 1] != ']') {
      // a range prev-next
      std::size_t j = i + 1;
      int hi;
      if (s[j] == '\\') {
        if (j + 1 >= s.size() || std::isalnum(static_cast<unsigned char>(s[j + 1])))
          return std::nullopt;
        hi = static_cast<unsigned char>(s[j + 1]);
        i = j + 2;
      } else {
        hi = static_cast<unsigned char>(s[j]);
        i = j + 1;
      }
      if (hi < prev || hi > 127) return std::nullopt;
      add_range(p, static_cast<unsigned char>(prev), static_cast<unsigned char>(hi));
      prev = -1;
      continue;
    } else {
      if (s[i] == '[') return std::nullopt;
      c = static_cast<unsigned char>(s[i]);
      ++i;
    }
    if (c > 127) return std::nullopt;
    p.allowed[static_cast<std::size_t>(c)] = true;
    prev = c;
  }
  if (i >= s.size() || s[i] != ']') return std::nullopt;
  ++i;
  std::string_view rest = s.substr(i, s.size() - 1 - i);  // between ']' and '$'
  if (rest == "+") {
    p.min = 1;
  } else if (rest == "*") {
    p.min = 0;
  } else if (rest.size() >= 3 && rest.front() == '{' && rest.back() == '}') {
    std::size_t k = 1;
    if (!parse_number(rest, k, p.min)) return std::nullopt;
    if (rest[k] == '}') {
      p.max = p.min;
    } else if (rest[k] == ',') {
      ++k;
      if (rest[k] != '}' && !parse_number(rest, k, p.max)) return std::nullopt;
      if (rest[k] != '}' || k != rest.size() - 1) return std::nullopt;
    } else {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return p;
}

}  // namespace

const Pattern* Pattern::get(std::string_view source) {
  static std::shared_mutex mu;
  static std::map<std::string, std::unique_ptr<Pattern>, std::less<>> cache;
  {
    std::shared_lock lk(mu);
    if (auto it = cache.find(source); it != cache.end()) return it->second.get();
  }
  std::unique_ptr<Pattern> compiled;
  // Constructs std::regex would misread as something else: Unicode properties, lookbehind,
  // named groups and backreferences, \u{...} escapes.
  bool javascript_only = false;
  for (std::string_view js : {"\\p", "\\P", "(?<", "\\k<", "\\u{"})
    javascript_only = javascript_only || source.find(js) != std::string_view::npos;
  if (javascript_only) {
    // compiled stays null: the SDK checks these client-side.
  } else if (auto cls = parse_class(source)) {
    compiled = std::make_unique<ClassPattern>(*cls);
  } else {
    try {
      compiled = std::make_unique<RegexPattern>(
          std::regex(std::string(source), std::regex::ECMAScript | std::regex::optimize));
    } catch (const std::regex_error&) {
    }
  }
  std::unique_lock lk(mu);
  auto [it, _] = cache.emplace(std::string(source), std::move(compiled));
  return it->second.get();
}

}  // namespace scwd::codec

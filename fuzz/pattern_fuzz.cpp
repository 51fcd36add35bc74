// The validation-rule patterns. Mode 0: a value against every pattern of the SDK catalogue, and
// the fast byte-table matcher must agree with std::regex on it. Mode 1: a pattern source of the
// shape the fast matcher recognises, ^[class]quantifier$, and its near misses, compiled and
// matched. Arbitrary sources are left out: scwd compiles only the catalogue's patterns, and
// std::regex's own exponential backtracking (`^(a?){20}a{20}$`) is not something to find here.
#include <cstddef>
#include <cstdint>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog_router.hpp"
#include "core/codec/pattern.hpp"

using namespace scwd;

namespace {

struct Reference {
  std::string_view source;
  const codec::Pattern* fast;
  std::regex re;
};

const std::vector<Reference>& catalog_patterns() {
  static const auto* out = [] {
    std::set<std::string_view> seen;
    for (auto& op : sdk::operations()) {
      for (auto fields : {op.query, op.body})
        for (auto& f : fields)
          if (!f.rules.pattern.empty()) seen.insert(f.rules.pattern);
    }
    auto* v = new std::vector<Reference>();
    for (auto s : seen)
      v->push_back({s, codec::Pattern::get(s), std::regex(std::string(s), std::regex::ECMAScript)});
    return v;
  }();
  return *out;
}

bool huge_count(std::string_view s) {
  std::size_t run = 0;
  for (char c : s) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run > 2) return true;
  }
  return false;
}

// ^[class]X$ where X is made of quantifier characters only, at most one of them opening a
// repetition: the fast path's shapes and their near misses, on which std::regex is linear.
bool class_shaped(std::string_view s) {
  if (s.size() < 5 || !s.starts_with("^[") || !s.ends_with("$")) return false;
  std::size_t i = 2;
  while (i < s.size() && s[i] != ']') i += s[i] == '\\' ? 2 : 1;
  if (i >= s.size() - 1) return false;
  std::string_view tail = s.substr(i + 1, s.size() - i - 2);
  std::size_t openers = 0;
  for (char c : tail) {
    if (std::string_view("+*{},0123456789").find(c) == std::string_view::npos) return false;
    openers += c == '*' || c == '+' || c == '{';
  }
  return openers <= 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    for (auto& p : catalog_patterns()) {
      if (!p.fast) fuzz::fail("a catalogue pattern does not compile");
      bool fast = p.fast->matches(in);
      // std::regex recurses per character: keep the reference to short values.
      if (in.size() <= 512 && fast != std::regex_search(in.begin(), in.end(), p.re))
        fuzz::fail("pattern matcher disagrees with std::regex");
    }
    return 0;
  }
  auto nul = in.find('\0');
  std::string_view source = in.substr(0, nul);
  std::string_view value = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);
  if (source.size() > 48 || huge_count(source) || !class_shaped(source) || value.size() > 256)
    return 0;
  if (auto* p = codec::Pattern::get(source)) (void)p->matches(value);
  return 0;
}

// Patterns of the SDK's validation rules (ECMAScript regex sources). Most are one anchored
// character class with a repetition — `^[a-zA-Z0-9\._\- ]+$` — which are matched with a byte
// table; anything else falls back to std::regex. Compiled once per distinct source.
#pragma once

#include <cstddef>
#include <string_view>

namespace scwd::codec {

class Pattern {
 public:
  // The compiled pattern for a source, or nullptr when std::regex cannot compile it either
  // (a JavaScript-only construct: the SDK checks it client-side anyway).
  static const Pattern* get(std::string_view source);
  // Longest value the std::regex fallback is run on: it recurses once per character and would
  // overflow the stack on long values (100 KB). Longer values do not match. Validation-rule
  // patterns constrain names and codes, far shorter than this.
  static constexpr std::size_t kMaxRegexInput = 4096;
  virtual ~Pattern() = default;
  virtual bool matches(std::string_view value) const = 0;
};

}  // namespace scwd::codec

// Patterns of the SDK's validation rules (ECMAScript regex sources). Most are one anchored
// character class with a repetition — `^[a-zA-Z0-9\._\- ]+$` — which are matched with a byte
// table; anything else falls back to std::regex. Compiled once per distinct source.
#pragma once

#include <string_view>

namespace scwd::codec {

class Pattern {
 public:
  // The compiled pattern for a source, or nullptr when std::regex cannot compile it either
  // (a JavaScript-only construct: the SDK checks it client-side anyway).
  static const Pattern* get(std::string_view source);
  virtual ~Pattern() = default;
  virtual bool matches(std::string_view value) const = 0;
};

}  // namespace scwd::codec

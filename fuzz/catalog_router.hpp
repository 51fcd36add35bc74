// The route table the harnesses match against: every published operation of the SDK catalogue,
// as the pipeline registers them (templates that differ only in parameter names share a route).
#pragma once

#include <stdexcept>
#include <string_view>

#include "core/router/router.hpp"
#include "core/sdk/catalog.hpp"

namespace scwd::fuzz {

inline const router::Router& catalog_router() {
  static const router::Router* r = [] {
    auto* out = new router::Router();
    auto ops = sdk::operations();
    for (std::size_t i = 0; i < ops.size(); ++i) {
      try {
        out->add(ops[i].method, ops[i].path, static_cast<int>(i));
      } catch (const std::invalid_argument&) {
        // Same method and template as an earlier operation (another API version's alias).
      }
    }
    return out;
  }();
  return *r;
}

// Stops the run: libFuzzer reports it as a crash with the input that caused it.
[[noreturn]] inline void fail(const char* what) {
  __builtin_fprintf(stderr, "invariant broken: %s\n", what);
  __builtin_trap();
}

}  // namespace scwd::fuzz

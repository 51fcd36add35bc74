// The router over the whole SDK catalogue: any method and path must give a well-formed match.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog_router.hpp"
#include "core/router/locality.hpp"

using namespace scwd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // "METHOD path": the method up to the first space (the fuzzer learns the real ones).
  auto sp = in.find(' ');
  std::string_view method =
      sp == std::string_view::npos ? std::string_view("GET") : in.substr(0, sp);
  std::string_view path = sp == std::string_view::npos ? in : in.substr(sp + 1);
  const auto& r = fuzz::catalog_router();
  auto m = r.match(method, path);
  auto ops = sdk::operations();
  switch (m.kind) {
    case router::Match::Kind::kFound: {
      if (m.route < 0 || static_cast<std::size_t>(m.route) >= ops.size()) fuzz::fail("route id");
      const auto& op = ops[static_cast<std::size_t>(m.route)];
      if (op.method != method) fuzz::fail("matched another method");
      // One parameter per {name} of the template, none empty.
      std::size_t braces = 0;
      for (char c : op.path) braces += c == '{';
      if (m.params.size() < braces) fuzz::fail("missing path parameter");
      for (auto& [name, value] : m.params.items())
        if (value.empty()) fuzz::fail("empty path parameter");
      if (auto* z = m.params.get("zone"))
        (void)(locality::zone_format_ok(*z) && locality::is_zone(*z) &&
               !locality::region_of_zone(*z).empty());
      if (auto* rg = m.params.get("region"))
        (void)(locality::region_format_ok(*rg) && locality::is_region(*rg));
      break;
    }
    case router::Match::Kind::kMethodNotAllowed:
      if (m.allowed.empty()) fuzz::fail("405 without allowed methods");
      for (auto& a : m.allowed)
        if (a == method) fuzz::fail("405 for an allowed method");
      break;
    case router::Match::Kind::kNotFound:
    case router::Match::Kind::kBadPath:
      if (m.params.size() != 0) fuzz::fail("parameters without a match");
      break;
  }
  return 0;
}

// Bytes from the network -> http::Request -> route -> query and body validation: everything the
// pipeline does with a request before authentication and the store.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog_router.hpp"
#include "core/codec/validate.hpp"
#include "core/http/parse.hpp"
#include "core/router/locality.hpp"

using namespace scwd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Small limits so that the fuzzer reaches them.
  http::ParseLimits limits{.body_limit = 4096, .header_limit = 2048};
  // Pipelined requests: parse as many as the bytes hold, as a keep-alive session does.
  for (int n = 0; n < 8 && !bytes.empty(); ++n) {
    auto out = http::parse_request(bytes, limits);
    if (out.consumed > bytes.size()) fuzz::fail("consumed more than given");
    if (out.kind == http::ParseOutcome::Kind::kError) {
      if (out.status != 400 && out.status != 413 && out.status != 431 && out.status != 501)
        fuzz::fail("error status");
      return 0;
    }
    if (out.kind == http::ParseOutcome::Kind::kIncomplete) return 0;
    if (out.consumed == 0) fuzz::fail("a request from no bytes");
    bytes.remove_prefix(out.consumed);
    auto& req = out.request;
    if (req.body.size() > limits.body_limit) fuzz::fail("body over the limit");
    if (!out.target_ok) continue;
    if (req.path.find('?') != std::string::npos) fuzz::fail("query left in the path");
    auto m = fuzz::catalog_router().match(req.method, req.path);
    if (m.kind != router::Match::Kind::kFound) continue;
    if (auto* z = m.params.get("zone"))
      (void)(locality::zone_format_ok(*z) && locality::is_zone(*z));
    if (auto* r = m.params.get("region"))
      (void)(locality::region_format_ok(*r) && locality::is_region(*r));
    const auto& op = sdk::operations()[static_cast<std::size_t>(m.route)];
    if (auto e = codec::validate_query(op, req)) (void)e->serialize();
    if (op.body_kind == "json") {
      auto body = codec::parse_json_body(req.body);
      if (!body) {
        (void)body.error().serialize();
        continue;
      }
      if (auto e = codec::validate_body(op, *body)) (void)e->serialize();
    }
  }
  return 0;
}

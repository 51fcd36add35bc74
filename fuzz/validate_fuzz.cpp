// JSON bodies and query strings validated against the SDK catalogue, plus the BodyReader that
// handlers use on top. Input: two bytes choosing the operation, a query string up to the first
// newline, then the body.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog_router.hpp"
#include "core/codec/validate.hpp"

using namespace scwd;

namespace {
// Every error body must be JSON that parses back (Boost.JSON refuses invalid UTF-8).
void check_error(const api::ApiError& e) {
  if (e.status() != 400) fuzz::fail("validation error is not a 400");
  boost::system::error_code ec;
  (void)boost::json::parse(e.serialize(), ec);
  if (ec) fuzz::fail("error body is not valid JSON");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto ops = sdk::operations();
  const auto& op = ops[(static_cast<std::size_t>(data[0]) << 8 | data[1]) % ops.size()];
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  auto nl = in.find('\n');
  std::string_view query = nl == std::string_view::npos ? std::string_view{} : in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? in : in.substr(nl + 1);

  http::Request req;
  req.method = std::string(op.method);
  if (http::parse_target("/?" + std::string(query), req.path, req.query)) {
    if (auto e = codec::validate_query(op, req)) check_error(*e);
  }
  auto parsed = codec::parse_json_body(body);
  if (!parsed) {
    check_error(parsed.error());
    return 0;
  }
  if (auto e = codec::validate_body(op, *parsed)) check_error(*e);
  // What handlers read on top of the catalogue's checks.
  codec::BodyReader r(*parsed, "fuzz");
  for (auto& f : op.body) {
    switch (f.kind) {
      case sdk::FieldKind::kInt:
        (void)r.integer(f.name);
        break;
      case sdk::FieldKind::kBool:
        (void)r.boolean(f.name);
        break;
      case sdk::FieldKind::kObject:
      case sdk::FieldKind::kMap:
        if (auto* o = r.object(f.name)) {
          codec::BodyReader inner(*o, std::string(f.name));
          for (auto& kv : *o) (void)inner.str(kv.key());
          (void)inner.error();
        }
        break;
      default:
        if (f.repeated)
          (void)r.strings(f.name);
        else if (f.name.ends_with("_id"))
          (void)r.uuid(f.name);
        else
          (void)r.str(f.name);
    }
  }
  if (auto e = r.error()) check_error(*e);
  return 0;
}

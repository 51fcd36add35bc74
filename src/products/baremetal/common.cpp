// What the Elastic Metal routes share (common.hpp).
#include "products/baremetal/common.hpp"

#include "products/prelude.hpp"

namespace scwd::products::baremetal {

ApiError message(int status, std::string_view text) {
  return ApiError(status, json::object{{"message", text}});
}
ApiError not_found() { return message(404, "Not Found"); }

Result<const Offer*> zone_offer(const Context& ctx, const std::string& id) {
  auto* o = find_offer(id);
  if (!o || !offered_in(*o, ctx.zone())) return api::fail(not_found());
  return o;
}

Result<const Os*> known_os(const std::string& id) {
  auto* os = find_os(id);
  if (!os) return api::fail(not_found());
  return os;
}

void put_kind(json::object& o, const Option& opt) {
  switch (opt.kind) {
    case OptionKind::kLicense:
      o["license"] = json::object{{"os_id", opt.os_id}};
      break;
    case OptionKind::kPublicBandwidth:
      o["public_bandwidth"] = json::object{{"bandwidth_in_bps", opt.bandwidth}};
      break;
    case OptionKind::kPrivateNetwork:
      o["private_network"] = json::object{{"bandwidth_in_bps", opt.bandwidth}};
      break;
    case OptionKind::kRemoteAccess:
      o["remote_access"] = json::object{};
      break;
    case OptionKind::kCertification:
      o["certification"] = json::object{};
      break;
  }
}

}  // namespace scwd::products::baremetal

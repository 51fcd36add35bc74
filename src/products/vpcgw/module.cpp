// Public Gateways (vpc-gw, zonal): registers v2 (v2.cpp), v1 (v1.cpp, dhcp.cpp) and the lifecycle
// hooks shared by both (model.cpp).
#include "core/app/context.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpcgw {

namespace {

class VpcGwModule final : public app::Module {
 public:
  std::string_view name() const override { return "vpcgw"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    register_hooks(svc.lifecycle);
    declare_meters();
    register_v2(r, svc);
    register_v1(r, svc);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<VpcGwModule>(); }

}  // namespace scwd::products::vpcgw

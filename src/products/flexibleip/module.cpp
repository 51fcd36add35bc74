// Flexible IP v1alpha1 (zonal): public IPv4 and IPv6 addresses of Elastic Metal servers.
#include "products/flexibleip/flexibleip.hpp"
#include "products/prelude.hpp"

namespace scwd::products::flexibleip {

namespace {

class Attachments final : public baremetal::ServerAttachments {
 public:
  void release_server(store::Tx&, const store::Record&, Micros) const override {}
};

class FlexibleIpModule final : public app::Module {
 public:
  std::string_view name() const override { return "flexibleip"; }
  void register_routes(app::Registry&, app::Services&) override {}
};

}  // namespace

const baremetal::ServerAttachments& server_attachments() {
  static const Attachments attachments;
  return attachments;
}

std::unique_ptr<app::Module> make_module() { return std::make_unique<FlexibleIpModule>(); }

}  // namespace scwd::products::flexibleip

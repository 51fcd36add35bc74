// Every product, explicitly and in one place: adding a product means adding its folder and its
// line here. The order is the registration order (it decides nothing else).
#include "products/products.hpp"

#include "products/baremetal/servers.hpp"
#include "products/flexibleip/flexibleip.hpp"
#include "products/ipam/ipam.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::account {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::iam {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::marketplace {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::instance::compute {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::instance::network {
std::unique_ptr<app::Module> make_network_module();
}
namespace scwd::products::instance {
std::unique_ptr<app::Module> make_products_module();
}
namespace scwd::products::flexibleip {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::function {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::container {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::k8s {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::block {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::ipam {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::vpcgw {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::mnq {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::billing {
std::unique_ptr<app::Module> make_module();
}
namespace scwd::products::productcatalog {
std::unique_ptr<app::Module> make_module();
}

namespace scwd::products {

std::vector<app::ModuleFactory> all() {
  return {
      account::make_module,
      // Elastic Metal learns what is attached to its servers through the view Flexible IP
      // hands it (Flexible IP imports Elastic Metal).
      [] { return baremetal::make_module(flexibleip::server_attachments()); },
      billing::make_module,
      block::make_module,
      flexibleip::make_module,
      iam::make_module,
      instance::compute::make_module,
      instance::network::make_network_module,
      instance::make_products_module,
      ipam::make_module,
      k8s::make_module,
      function::make_module,
      container::make_module,
      marketplace::make_module,
      mnq::make_module,
      productcatalog::make_module,
      // VPC learns of IPAM's bookings through the view IPAM hands it (IPAM imports VPC).
      [] { return vpc::make_module(ipam::booked_addresses()); },
      vpcgw::make_module,
  };
}

}  // namespace scwd::products

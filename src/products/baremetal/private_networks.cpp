// Elastic Metal servers on VPC Private Networks (v1 and v3).
#include "products/baremetal/private_networks.hpp"

namespace scwd::products::baremetal {

void register_private_networks(app::Registry&, app::Services&) {}

void remove_server_private_networks(store::Tx&, const store::Record&, Micros) {}

}  // namespace scwd::products::baremetal

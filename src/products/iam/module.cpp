// IAM v1alpha1: every operation of @scaleway/sdk-iam. Authorization itself is in core/iam (it
// applies to every product); this module manages the identities, policies and keys it reads.
#include "core/app/context.hpp"
#include "products/iam/handlers.hpp"

namespace scwd::products::iam {

namespace {

class IamModule final : public app::Module {
 public:
  std::string_view name() const override { return "iam"; }
  void register_routes(app::Registry& r, app::Services&) override {
    register_ssh_keys(r);
    register_users(r);
    register_applications(r);
    register_groups(r);
    register_policies(r);
    register_api_keys(r);
    register_jwts(r);
    register_logs(r);
    register_organization(r);
    register_scim(r);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<IamModule>(); }

}  // namespace scwd::products::iam

// What other parts need from Elastic Metal servers: the record's layout, finding a caller's
// server, and the hooks a server's deletion runs. Servers are served by servers.cpp; their
// private networks by private_networks.cpp; flexible IPs (their own product) attach to them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/app/context.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::baremetal {

// locality = zone; organization/project = owner; name column = name; tags column = tags; state
// column = status (unknown | delivering | ready | stopping | stopped | starting | error |
// deleting | ordered | resetting | migrating ...); body: description, offer_id, offer_name,
// boot_type, install (object | null), options ([ServerOption]), ips ([IP]), domain,
// ping_status, rescue_server, protected, user_data; hidden: _mac (the hardware NIC MAC,
// uppercase, e.g. "B4:83:51:0F:77:8C"), _events, _bmc.
inline constexpr std::string_view kServerKind = "baremetal.server";
inline constexpr app::RefKind kServerRef{kServerKind, "ElasticMetal", "server"};

// The server `id` of the caller's organization in `zone`, settled on the virtual clock;
// nullopt when there is none (also for a malformed id). The caller authorizes the project.
std::optional<store::Record> find_server(store::Tx& tx, const app::Context& ctx,
                                         std::string_view zone, std::string_view id);

// The server's hardware NIC MAC address (uppercase).
std::string hardware_mac(const store::Record& server);

// Whether the server has the "Private Network" option (enabled or being enabled).
bool has_private_network_option(const store::Record& server);

// What other products attach to a metal server (flexible IPs) and must let go of when it is
// deleted. The flexible IP product implements it; products.cpp hands it to make_module, so
// that Elastic Metal does not import Flexible IP (which imports Elastic Metal).
class ServerAttachments {
 public:
  virtual ~ServerAttachments() = default;
  // Detaches whatever is attached to `server` (inside the transaction deleting it).
  virtual void release_server(store::Tx& tx, const store::Record& server, Micros now) const = 0;
};

std::unique_ptr<app::Module> make_module(const ServerAttachments& attachments);

// The server routes (module.cpp registers them).
void register_servers(app::Registry& r, const ServerAttachments& attachments);
// The settings routes (settings.cpp).
void register_settings(app::Registry& r);

// Declares what servers accrue in the usage ledger (meters.cpp).
void declare_meters();

}  // namespace scwd::products::baremetal

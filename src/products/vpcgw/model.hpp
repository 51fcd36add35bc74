// Public Gateways (vpc-gw): one set of records seen by both API versions. v2 (v2.cpp) and v1
// (v1.cpp, dhcp.cpp) render them in their own shapes; the logic that changes records lives here
// (model.cpp) so both versions behave the same. Owners: model.cpp + v2.cpp = the "v2" work;
// v1.cpp + dhcp.cpp = the "v1" work. Every record: locality = zone, organization_id/project_id
// = owner, created_at/updated_at, tags column = tags, name column = name (when it has one).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/app/permissions.hpp"
#include "core/quota/quota.hpp"
#include "core/resource/records.hpp"
#include "core/resource/resource.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"
#include "products/ipam/ipam.hpp"
#include "products/next_hops.hpp"
#include "products/prelude.hpp"

namespace scwd::products::vpcgw {

// state column = gateway status ("allocating", "configuring", "running", "deleting", ...);
// body: type (string "VPC-GW-S"), ip_id (string | null), bastion_enabled, bastion_port,
// bastion_allowed_ips [cidr], smtp_enabled, is_legacy (bool; v1 DHCP-mode gateways),
// upstream_dns_servers [string], ip_mobility_enabled, version (string | null until booted),
// can_upgrade_to (string | null).
inline constexpr std::string_view kGatewayKind = "vpcgw.gateway";
// parent_id = gateway id; state column = gateway network status ("created", "configuring",
// "ready", "detaching", ...); body: private_network_id, mac_address (UPPERCASE | null until
// ready), masquerade_enabled, push_default_route, ipam_ip_id (string | null), ipam_auto_booked
// (bool: the IPAM address was booked by us and is released with the gateway network),
// v1 DHCP mode: dhcp_id (string | null), enable_dhcp, address (static CIDR | null).
using next_hops::kGatewayNetworkKind;
// parent_id = gateway id ("" when free); body: address (plain IPv4), reverse (string | null).
inline constexpr std::string_view kIpKind = "vpcgw.ip";
// parent_id = gateway id; body: public_port, private_ip, private_port, protocol ("both", "tcp",
// "udp").
inline constexpr std::string_view kPatRuleKind = "vpcgw.pat_rule";
// v1 only. body: subnet, address, pool_low, pool_high, enable_dynamic, valid_lifetime (seconds,
// integer), renew_timer, rebind_timer, push_default_route, push_dns_server,
// dns_servers_override, dns_search, dns_local_name.
inline constexpr std::string_view kDhcpKind = "vpcgw.dhcp";
// v1 only. parent_id = gateway network id; body: mac_address (lowercase), ip_address, hostname,
// type ("reservation" | "lease").
inline constexpr std::string_view kDhcpEntryKind = "vpcgw.dhcp_entry";

// How routes name Public Gateway records (app::Reference).
inline constexpr app::RefKind kGatewayRef{kGatewayKind, "VPCGateway", "gateway"};
using next_hops::kGatewayNetworkRef;
inline constexpr app::RefKind kIpRef{kIpKind, "VPCGateway", "ip"};
inline constexpr app::RefKind kDhcpRef{kDhcpKind, "VPCGateway", "dhcp"};

// vpc-gw timestamps: RFC 3339 with microseconds and Z.
inline std::string ts(Micros t) { return format_time(t); }
// The start of a v1 object owned by a project: id, organization_id, project_id and times.
json::object v1_owned(const store::Record& r);

// The route permissions of both versions (family "VPCGateway").
inline constexpr auto kGateway = app::permissions("VPCGateway", "gateway");
inline constexpr auto kNetwork = app::permissions("VPCGateway", "gateway_network");
inline constexpr auto kPat = app::permissions("VPCGateway", "pat_rule");
inline constexpr auto kIp = app::permissions("VPCGateway", "ip");

struct GatewayType {
  std::string_view name;       // "VPC-GW-S"
  std::int64_t bandwidth_bps;  // 100000000 for S
};
// The offers (S, M, L, XL) sold in a zone.
std::vector<GatewayType> gateway_types(std::string_view zone);
std::optional<GatewayType> find_gateway_type(std::string_view zone, std::string_view name);

// A record of `kind` named in a request body, in the request's zone and the caller's
// organization; not_found with `resource` ("gateway", "gateway_network", "ip", ...) otherwise
// (also for a malformed id). Records named in the path load through resource::load.
inline api::Result<store::Record> load(store::Tx& tx, const app::Context& ctx,
                                       std::string_view kind, std::string_view id,
                                       std::string_view resource) {
  return resource::find_in_zone(tx, ctx, kind, id, resource);
}

// --- operations shared by v1 and v2 (model.cpp) ---

struct NewGateway {
  std::string name;
  std::vector<std::string> tags;
  std::string type;                  // checked against gateway_types
  std::optional<std::string> ip_id;  // an existing free gateway IP; nullopt: allocate one
  bool enable_smtp = false;
  bool enable_bastion = false;
  std::int64_t bastion_port = 61000;
  std::vector<std::string> upstream_dns_servers;  // v1
  bool is_legacy = false;                         // v1-created DHCP-mode gateways
};
// Inserts a gateway (`allocating`, then `running` on the lifecycle clock) with its IP.
api::Result<store::Record> create_gateway(store::Tx& tx, const app::Context& ctx,
                                          const app::Owner& owner, const NewGateway& g);
// Deletes a gateway (`deleting` then gone) with its gateway networks, PAT rules; its IP is
// deleted when delete_ip, else freed.
api::Result<store::Record> delete_gateway(store::Tx& tx, const app::Context& ctx,
                                          store::Record gateway, bool delete_ip);
// 409 transient_state (resource "gateway") unless the gateway is in a stable state.
std::optional<api::ApiError> require_stable(const store::Record& gateway);

struct NewGatewayNetwork {
  std::string gateway_id;
  std::string private_network_id;
  bool enable_masquerade = true;
  bool push_default_route = false;
  std::optional<std::string> ipam_ip_id;  // a pre-booked IPAM IP; nullopt: book one
  // v1 DHCP / static modes (ipam mode when all are unset)
  std::optional<std::string> dhcp_id;
  std::optional<std::string> address;
  bool enable_dhcp = true;
};
// Attaches a gateway to a Private Network: checks zone/region, one network per (gateway, PN),
// the gateway not transient (409); books or attaches the IPAM address (type
// "vpc_gateway_network", name = gateway name); gateway `configuring`, gateway network
// `created` -> `configuring` -> `ready`.
api::Result<store::Record> create_gateway_network(store::Tx& tx, const app::Context& ctx,
                                                  const NewGatewayNetwork& n);
// Books the first free IPAM address of a Private Network (in its region and project) for
// `resource` (a gateway network).
api::Result<store::Record> book_address(store::Tx& tx, const app::Context& ctx,
                                        const store::Record& private_network,
                                        const ipam::Resource& resource, Micros now);
// Detaches: gateway network `detaching` then gone; releases an auto-booked IPAM address,
// detaches a user-booked one.
api::Result<store::Record> delete_gateway_network(store::Tx& tx, const app::Context& ctx,
                                                  store::Record gateway_network);
// Gateway networks of a gateway, oldest first.
std::vector<store::Record> gateway_networks_of(store::Tx& tx, std::string_view gateway_id);
// The gateway's IP record (nullopt when it has none).
std::optional<store::Record> ip_of(store::Tx& tx, const store::Record& gateway);
// Gives a new IP record a free public IPv4 from the pool (unique key) and its default reverse.
void assign_address(store::Tx& tx, store::Record& ip);
// Per-organization limit of gateway IPs.
extern const quota::Quota kIpQuota;
// A new gateway IP (public IPv4 from the pool, reverse "d-c-b-a.instances.scw.cloud").
store::Record allocate_ip(store::Tx& tx, const app::Owner& owner, std::string_view zone,
                          const std::vector<std::string>& tags, Micros now);

// --- additions (v2 work; additive) ---

// Registers the lifecycle hooks of gateways and gateway networks (model.cpp; called by the
// module).
void register_hooks(lifecycle::Engine& engine);
// Registers the v2 routes (v2.cpp).
void register_v2(app::Registry& r, app::Services& svc);
// Registers the v1 routes (v1.cpp / dhcp.cpp, the v1 work); called by the vpcgw module.
void register_v1(app::Registry& r, app::Services& svc);

// Realistic durations (scaled by the lifecycle engine).
inline constexpr Micros kGatewayBootTime = 10 * kSecond;      // allocating -> running
inline constexpr Micros kGatewayConfigureTime = 5 * kSecond;  // configuring -> running
inline constexpr Micros kGatewayDeleteTime = 3 * kSecond;     // deleting -> gone
inline constexpr Micros kNetworkAttachTime = 12 * kSecond;    // created -> ready
inline constexpr Micros kNetworkDetachTime = 5 * kSecond;     // detaching -> gone
// The gateway software version reported (can_upgrade_to stays null: always the latest).
inline constexpr std::string_view kGatewayVersion = "0.8.5";

// Puts a stable gateway in `configuring` for `realistic` (then `running`); the caller writes
// the record. 409 transient_state when it is not stable.
std::optional<api::ApiError> start_configuring(const app::Context& ctx, store::Record& gateway,
                                               Micros realistic = kGatewayConfigureTime);
// After PATCH (bastion, SMTP), upgrade and refresh-ssh-keys: the gateway goes `configuring` at
// once, then `running` after `realistic`. (The real API answers these calls with the state the
// gateway had before, e.g. "running", and shows `configuring` on the next read: render the
// answer with the previous status.) 409 transient_state when it is not stable. The caller
// writes the record.
std::optional<api::ApiError> schedule_configuring(const app::Context& ctx, store::Record& gateway,
                                                  Micros realistic = kGatewayConfigureTime);
// Changes the offer (nullopt: keep, software upgrade only); gateway `configuring`. Errors:
// unknown type (invalid_arguments "type"), transient gateway (409).
api::Result<store::Record> upgrade_gateway(store::Tx& tx, const app::Context& ctx,
                                           store::Record gateway,
                                           const std::optional<std::string>& type);
// Re-applies a gateway network's settings (PATCH): network `configuring` -> `ready`; the gateway
// stays as it is (as on the real API). The caller has changed the body fields; this writes it.
api::Result<store::Record> reconfigure_gateway_network(store::Tx& tx, const app::Context& ctx,
                                                       store::Record gateway_network);
// Moves the IPAM address of a gateway network to another booked IPAM IP `ipam_ip_id`
// (releasing / detaching the previous one; the new address shows no MAC in IPAM, as recorded).
// Does not write the gateway network.
std::optional<api::ApiError> switch_ipam_ip(store::Tx& tx, const app::Context& ctx,
                                            store::Record& gateway_network,
                                            const std::string& ipam_ip_id);

// PAT rules. protocol: "both" | "tcp" | "udp" (callers map their zero value to "both").
struct PatRuleSpec {
  std::int64_t public_port = 0;
  std::string private_ip;
  std::int64_t private_port = 0;
  std::string protocol = "both";
};
// Checks ports (1..65535), private_ip (IPv4) and that no other rule of the gateway uses the same
// public port with an overlapping protocol (`except_id`: the rule being updated).
std::optional<api::ApiError> check_pat_rule(store::Tx& tx, const store::Record& gateway,
                                            const PatRuleSpec& spec,
                                            std::string_view except_id = {});
api::Result<store::Record> create_pat_rule(store::Tx& tx, const app::Context& ctx,
                                           const store::Record& gateway, const PatRuleSpec& spec);
api::Result<store::Record> update_pat_rule(store::Tx& tx, const app::Context& ctx,
                                           store::Record rule, const PatRuleSpec& spec);
// Full replace keyed by public_port: rules whose public port is listed are updated in place,
// new ones created, the others deleted. Returns the gateway's rules, public port ascending.
api::Result<std::vector<store::Record>> set_pat_rules(store::Tx& tx, const app::Context& ctx,
                                                      const store::Record& gateway,
                                                      const std::vector<PatRuleSpec>& specs);
// PAT rules of a gateway, public port ascending.
std::vector<store::Record> pat_rules_of(store::Tx& tx, std::string_view gateway_id);

// Attaches the IP to `gateway_id` (detaching the gateway's previous IP) or, with "", detaches
// it. Errors: gateway not found; IP already attached to another gateway.
api::Result<store::Record> set_ip_gateway(store::Tx& tx, const app::Context& ctx, store::Record ip,
                                          const std::string& gateway_id);
// "d-c-b-a.instances.scw.cloud"
std::string default_reverse(std::string_view address);

// --- declarations shared by v1 and v2 (specs.cpp) ---
//
// Each returns what both versions declare for a kind (kind, ids, permissions, paging, filters
// and hooks they share); a version adds its collection, render and its own filters and hooks.
// Writes that answer differently in v1 and v2 (gateway create, update and delete, gateway network
// writes) stay explicit routes loading their record with resource::load.

// A Public Gateways kind (zoned, 404 for a malformed id, 50 a page); the versions add their
// collections.
resource::Spec zonal(std::string_view kind, std::string resource, std::string id_param,
                     app::Permission read, app::Permission write, std::string list_key);

// IPs: list (tags, reverse, is_free), create (quota, tags), tags PATCH, delete unless attached.
resource::Spec ip_spec();
// What a PATCH of an IP changes besides its tags: the reverse ("" = the default), the gateway
// ("" = detached).
std::optional<api::ApiError> update_ip(app::Context& ctx, store::Tx& tx, store::Record& ip,
                                       const std::optional<std::string>& reverse,
                                       const std::optional<std::string>& gateway_id);
// PAT rules: list (order by public port), PATCH, delete. `v2`: the protocol enum's zero value
// (meaning "unchanged" or "both") is "unknown_protocol" (v1: "unknown").
resource::Spec pat_rule_spec(bool v2);
// POST pat-rules and PUT pat-rules (in the project of the gateway named in the body), answered
// with `spec`'s render. `v2` also checks the format of gateway_id and of protocol.
api::Result<http::Response> create_pat_rule_route(app::Context& ctx, const resource::Spec& spec,
                                                  bool v2);
api::Result<http::Response> set_pat_rules_route(app::Context& ctx, const resource::Spec& spec,
                                                bool v2);
// Gateway networks and gateways: get and list (writes are explicit routes).
resource::Spec gateway_network_spec();
resource::Spec gateway_spec();
// The gateways list filter `param`: gateways attached to one of these Private Networks
// (`check`: a malformed id is invalid_argument; else it matches nothing).
resource::Filter gateways_in_private_networks(std::string param, bool check);
// A list filter on enum values, ignoring the enum's zero values.
resource::Filter enum_in(std::string param, store::Column c, std::string path,
                         std::vector<std::string> zeros);
// A list filter on an id compared lower-cased (v1: a malformed id matches nothing).
resource::Filter id_eq(std::string param, store::Column c, std::string path = {});
// gateway-types: {"types": [{name, bandwidth (bps), zone}]}.
api::Result<http::Response> list_gateway_types_route(app::Context& ctx);

// Declares what gateways and their IPs accrue in the usage ledger (meters.cpp).
void declare_meters();

}  // namespace scwd::products::vpcgw

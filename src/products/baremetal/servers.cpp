// Elastic Metal servers (baremetal v1, zonal): order an offer, install an OS, power actions
// (start, stop, reboot, also into rescue), BMC access, IPs and their reverse DNS, options,
// metrics, events, update, migration to a monthly offer, delete.
//
// The server's status is a lifecycle plan on the virtual clock (ordered/delivering -> ready,
// stopping -> stopped, starting -> ready, deleting -> gone). What progresses while the server
// stays `ready` (its installation, options being enabled or disabled) is kept as due times in the
// body and rendered against the clock, so that an option added during an installation does not
// replace the installation's plan.
#include "products/baremetal/servers.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>

#include "core/codec/validate.hpp"
#include "core/lifecycle/lifecycle.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/named.hpp"
#include "core/resource/resource.hpp"
#include "core/util/crypto.hpp"
#include "core/util/dns.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/baremetal/catalog.hpp"
#include "products/baremetal/common.hpp"
#include "products/baremetal/private_networks.hpp"
#include "products/prelude.hpp"

namespace scwd::products::baremetal {

std::optional<store::Record> find_server(store::Tx& tx, const app::Context& ctx,
                                         std::string_view zone, std::string_view id) {
  if (!is_uuid(id)) return std::nullopt;
  auto r = tx.get(kServerKind, to_lower(id));
  if (!r || r->organization_id != ctx.principal.organization_id || r->locality != zone)
    return std::nullopt;
  if (lifecycle::Engine::view(*r, ctx.now()) && r->state == lifecycle::kDeleted)
    return std::nullopt;
  return r;
}

std::string hardware_mac(const store::Record& server) { return str_of(server.body, "_mac"); }

namespace {

constexpr auto kServer = permissions("ElasticMetal", "server");
constexpr app::RefKind kSshKeyRef{"iam.ssh_key", "SSHKeys", "ssh_key"};

// Realistic durations (the lifecycle speed scales them), from the recorded timings.
constexpr Micros kDelivery = 5 * kSecond;        // ordered / delivering -> ready
constexpr Micros kInstallStart = 25 * kSecond;   // to_install -> installing
constexpr Micros kInstall = 8 * 60 * kSecond;    // installing -> completed
constexpr Micros kPower = 15 * kSecond;          // stop, start, reboot
constexpr Micros kOptionChange = 2 * kSecond;    // enabling / disabling
constexpr Micros kDeletion = 10 * kSecond;       // deleting -> gone
constexpr Micros kMigration = 5 * kSecond;       // migrating -> ready
constexpr Micros kBmcLifetime = 3600 * kSecond;  // a BMC access closes after an hour
constexpr std::size_t kMaxEvents = 100;

Micros scaled(const Context& ctx, Micros realistic) { return ctx.svc.lifecycle.scale(realistic); }

// --- values the platform hands out ---

std::string random_hex(std::size_t n) {
  std::string out;
  while (out.size() < n) {
    auto u = new_uuid();
    for (char c : u)
      if (c != '-' && out.size() < n) out += c;
  }
  return out;
}

std::uint8_t random_byte() {
  return static_cast<std::uint8_t>(std::stoi(random_hex(2), nullptr, 16));
}

// A NIC of the hardware vendor's range (the recorded servers' OUI), uppercase.
std::string new_mac() {
  char buf[18];
  std::snprintf(buf, sizeof buf, "B4:83:51:%02X:%02X:%02X", random_byte(), random_byte(),
                random_byte());
  return buf;
}

// The SLAAC address of the NIC in the zone's server /64 (EUI-64: the universal/local bit of the
// first octet flipped, FF:FE in the middle).
std::string slaac_address(std::string_view mac, std::string_view subnet_group) {
  std::array<unsigned, 6> b{};
  std::sscanf(std::string(mac).c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
              &b[5]);
  char buf[64];
  std::snprintf(buf, sizeof buf, "2001:bc8:1201:%.*s:%x:%x:%x:%x",
                static_cast<int>(subnet_group.size()), subnet_group.data(),
                ((b[0] ^ 0x02u) << 8) | b[1], (b[2] << 8) | 0xffu, 0xfe00u | b[3],
                (b[4] << 8) | b[5]);
  return buf;
}

// Public IPv4 ranges of the Elastic Metal servers per region.
std::string new_ipv4(std::string_view zone) {
  std::string_view prefix = "195.154";
  if (zone.rfind("nl-ams", 0) == 0) prefix = "51.158";
  if (zone.rfind("pl-waw", 0) == 0) prefix = "151.115";
  return std::string(prefix) + "." + std::to_string(1 + random_byte() % 254) + "." +
         std::to_string(1 + random_byte() % 254);
}

std::string default_reverse(const store::Record& s) {
  return s.id + "." + s.locality + ".baremetal.scw.cloud";
}

std::string random_password() {
  static constexpr std::string_view kChars =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out;
  for (int i = 0; i < 16; ++i) out += kChars[random_byte() % kChars.size()];
  return out;
}

// --- what the body keeps ---

void add_event(store::Record& s, std::string_view action, Micros now) {
  auto& events = s.body["_events"];
  if (!events.is_array()) events = json::array{};
  auto& a = events.as_array();
  a.push_back(json::object{{"id", new_uuid()}, {"action", action}, {"at", now}});
  if (a.size() > kMaxEvents) a.erase(a.begin());
}

// Options whose removal is done are dropped for good when the record is written.
void prune_options(store::Record& s, Micros now) {
  auto* opts = s.body.if_contains("options");
  if (!opts || !opts->is_array()) return;
  auto& a = opts->as_array();
  for (auto it = a.begin(); it != a.end();) {
    auto& o = it->as_object();
    auto removed = int_of(o, "_removed_at", 0);
    if (removed != 0 && removed <= now)
      it = a.erase(it);
    else
      ++it;
  }
}

json::object* server_option(store::Record& s, std::string_view option_id) {
  auto* opts = s.body.if_contains("options");
  if (!opts || !opts->is_array()) return nullptr;
  for (auto& o : opts->as_array())
    if (o.is_object() && str_of(o.as_object(), "id") == option_id) return &o.as_object();
  return nullptr;
}

json::object new_option(const Option& opt, Micros enabled_at, std::optional<Micros> expires) {
  json::object o{{"id", opt.id},
                 {"name", opt.name},
                 {"manageable", opt.manageable},
                 {"_enabled_at", enabled_at}};
  if (expires) o["_expires"] = *expires;
  put_kind(o, opt);
  return o;
}

// --- rendering ---

std::string option_status(const json::object& o, Micros now) {
  auto removed = int_of(o, "_removed_at", 0);
  if (removed != 0) return "option_status_disabling";
  return now < int_of(o, "_enabled_at", 0) ? "option_status_enabling" : "option_status_enable";
}

std::string install_status(const json::object& install, Micros now) {
  if (auto* st = install.if_contains("_status"); st && st->is_string())
    return std::string(st->get_string());  // error
  if (now < int_of(install, "_installing_at")) return "to_install";
  if (now < int_of(install, "_completed_at")) return "installing";
  return "completed";
}

bool delivered(const store::Record& s) { return s.state != "ordered" && s.state != "delivering"; }

std::string ping_status(const store::Record& s, Micros now) {
  if (s.state == "stopped" || s.state == "stopping" || s.state == "starting")
    return "ping_status_down";
  if (!delivered(s) || s.state != "ready") return "ping_status_unknown";
  if (str_of(s.body, "boot_type") == "rescue") return "ping_status_up";
  auto* install = s.body.if_contains("install");
  if (!install || !install->is_object()) return "ping_status_unknown";
  return install_status(install->as_object(), now) == "to_install" ? "ping_status_unknown"
                                                                   : "ping_status_up";
}

// Hidden body fields (leading underscore) stay out of every answer.
json::object visible(const json::object& o) {
  json::object out;
  for (auto& kv : o)
    if (kv.key().empty() || kv.key()[0] != '_') out[kv.key()] = kv.value();
  return out;
}

json::object render_ip(const json::object& ip) { return visible(ip); }

json::object render_server(const resource::View& view, const store::Record& s) {
  Micros now = view.ctx.now();
  json::array ips, options;
  if (delivered(s))
    if (auto* a = s.body.if_contains("ips"); a && a->is_array())
      for (auto& ip : a->as_array()) ips.push_back(render_ip(ip.as_object()));
  if (auto* a = s.body.if_contains("options"); a && a->is_array())
    for (auto& v : a->as_array()) {
      auto& o = v.as_object();
      auto removed = int_of(o, "_removed_at", 0);
      if (removed != 0 && removed <= now) continue;
      auto expires = int_of(o, "_expires", 0);
      if (expires != 0 && expires <= now) continue;  // expired options go away by themselves
      auto out = visible(o);
      out["status"] = option_status(o, now);
      out["expires_at"] = expires != 0 ? json::value(format_time(expires)) : json::value(nullptr);
      options.push_back(std::move(out));
    }
  json::value install = nullptr;
  if (auto* in = s.body.if_contains("install"); in && in->is_object()) {
    auto o = visible(in->as_object());
    o["status"] = install_status(in->as_object(), now);
    install = std::move(o);
  }
  json::value rescue = nullptr;
  if (auto* r = s.body.if_contains("rescue_server"); r && r->is_object())
    rescue = visible(r->as_object());
  return json::object{
      {"id", s.id},
      {"organization_id", s.organization_id},
      {"project_id", s.project_id},
      {"name", s.name},
      {"description", str_of(s.body, "description")},
      {"created_at", format_time(s.created_at)},
      {"updated_at", format_time(s.updated_at)},
      {"status", s.state},
      {"offer_id", str_of(s.body, "offer_id")},
      {"offer_name", str_of(s.body, "offer_name")},
      {"tags", strings_json(s.tags)},
      {"ips", std::move(ips)},
      {"domain", delivered(s) ? default_reverse(s) : std::string()},
      {"boot_type", str_of(s.body, "boot_type", "normal")},
      {"zone", s.locality},
      {"install", std::move(install)},
      {"ping_status", ping_status(s, now)},
      {"options", std::move(options)},
      {"rescue_server", std::move(rescue)},
      {"protected", bool_of(s.body, "protected")},
      {"user_data", value_of(s.body, "user_data")},
  };
}

// --- checks shared by the actions ---

// Start, stop and reboot need a delivered server; the recorded answer says so.
std::optional<ApiError> require_delivered(const store::Record& s) {
  if (!delivered(s)) return message(400, "Server is not delivered");
  return std::nullopt;
}

std::optional<ApiError> require_idle(const store::Record& s) {
  if (auto e = require_delivered(s)) return e;
  if (lifecycle::Engine::pending(s) || s.state == "deleting")
    return message(409, "Server is in a transient state (" + s.state + ")");
  return std::nullopt;
}

bool installing(const store::Record& s, Micros now) {
  auto* in = s.body.if_contains("install");
  if (!in || !in->is_object()) return false;
  auto st = install_status(in->as_object(), now);
  return st == "to_install" || st == "installing";
}

// The caller's SSH keys an installation or a rescue boot names.
std::optional<ApiError> check_ssh_keys(const Context& ctx, store::Tx& tx,
                                       const std::vector<std::string>& ids, std::string_view arg) {
  for (auto& id : ids) {
    if (!is_uuid(id))
      return ApiError::invalid_argument(std::string(arg), ArgReason::kFormat, "invalid UUID");
    auto k = tx.get("iam.ssh_key", to_lower(id));
    if (!k || k->organization_id != ctx.principal.organization_id)
      return message(404, "SSH key " + to_lower(id) + " not found");
  }
  return std::nullopt;
}

// An installation request (CreateServer's `install` or InstallServer's body), checked against
// the offer and the OS, as the install object the server keeps.
Result<json::object> make_install(const Context& ctx, store::Tx& tx, const json::object& in,
                                  std::string prefix, const Offer& offer, Micros starts_at) {
  codec::BodyReader b(in, prefix);
  auto os_id = b.uuid("os_id", true);
  auto hostname = b.str("hostname");
  auto keys = b.strings("ssh_key_ids");
  auto user = b.str("user");
  auto password = b.str("password");
  auto service_user = b.str("service_user");
  auto service_password = b.str("service_password");
  const auto* schema = b.object("partitioning_schema");
  if (auto e = b.error()) return api::fail(*e);
  for (auto* v : {&hostname, &user, &password, &service_user, &service_password})
    if (*v && (*v)->size() > 255)
      return api::fail(ApiError::constraint(prefix + "hostname", "must be at most 255 characters"));
  auto os = known_os(to_lower(*os_id));
  if (!os) return api::fail(os.error());
  if (!compatible(offer, **os))
    return api::fail(message(400, "OS " + (*os)->name + " " + (*os)->version +
                                      " is not compatible with offer " + offer.name));
  const Os& o = **os;
  auto ssh_keys = keys.value_or(std::vector<std::string>{});
  if (o.ssh.required && ssh_keys.empty())
    return api::fail(ApiError::invalid_argument(prefix + "ssh_key_ids", ArgReason::kRequired,
                                                "at least one SSH key is required by this OS"));
  if (auto e = check_ssh_keys(ctx, tx, ssh_keys, prefix + "ssh_key_ids")) return api::fail(*e);
  auto required = [&](const OsField& f, const std::optional<std::string>& v,
                      std::string_view name) -> std::optional<ApiError> {
    bool set = v && !v->empty();
    if (f.required && !set && !f.default_value)
      return ApiError::invalid_argument(prefix + std::string(name), ArgReason::kRequired,
                                        std::string(name) + " is required by this OS");
    if (set && !f.editable && !f.required)
      return ApiError::constraint(prefix + std::string(name),
                                  std::string(name) + " cannot be set for this OS");
    return std::nullopt;
  };
  if (auto e = required(o.user, user, "user")) return api::fail(*e);
  if (auto e = required(o.password, password, "password")) return api::fail(*e);
  if (auto e = required(o.service_user, service_user, "service_user")) return api::fail(*e);
  if (auto e = required(o.service_password, service_password, "service_password"))
    return api::fail(*e);
  json::value partitioning = nullptr;
  bool custom_ok = !custom_partitioning_refusal(offer, o);
  if (schema) {
    if (auto why = custom_partitioning_refusal(offer, o)) return api::fail(message(400, *why));
    if (auto problem = validate_schema(*schema, offer))
      return api::fail(ApiError::constraint(prefix + "partitioning_schema", *problem));
    partitioning = *schema;
  } else if (custom_ok) {
    partitioning = default_schema(offer, o);
  }
  auto pick = [](const std::optional<std::string>& v, const OsField& f) {
    if (v && !v->empty()) return *v;
    return f.default_value.value_or("");
  };
  json::array key_ids;
  for (auto& k : ssh_keys) key_ids.emplace_back(to_lower(k));
  // Passwords are only checked: the server never shows them, so they are not kept.
  json::object install{{"os_id", o.id},
                       {"hostname", hostname.value_or("")},
                       {"ssh_key_ids", std::move(key_ids)},
                       {"user", pick(user, o.user)},
                       {"service_user", pick(service_user, o.service_user)},
                       {"service_url", ""},
                       {"_installing_at", starts_at + scaled(ctx, kInstallStart)}};
  install["_completed_at"] = int_of(install, "_installing_at") + scaled(ctx, kInstall);
  if (!partitioning.is_null()) install["partitioning_schema"] = std::move(partitioning);
  return install;
}

// The offer's option `id` that a server may have, or the refusal.
Result<const Option*> offer_option(const Offer& offer, const std::string& id) {
  auto* opt = find_option(id);
  if (!opt) return api::fail(not_found());
  for (auto& oo : offer.options)
    if (oo.option == opt) {
      if (!opt->manageable)
        return api::fail(message(400, "Option " + opt->name + " cannot be managed"));
      return opt;
    }
  return api::fail(
      message(400, "Option " + opt->name + " is not compatible with offer " + offer.name));
}

// --- create ---

std::optional<ApiError> create_server(Context& ctx, store::Tx& tx, store::Record& s) {
  codec::BodyReader b(ctx.body);
  auto offer_id = b.uuid("offer_id", true);
  auto name = b.str("name", true);
  auto description = b.str("description");
  auto tags = b.strings("tags");
  const auto* install = b.object("install");
  auto option_ids = b.strings("option_ids");
  auto protect = b.boolean("protected");
  auto user_data = b.str("user_data");
  if (auto e = b.error()) return e;
  if (name->empty()) return ApiError::constraint("name", "name must not be empty");
  if (description && description->size() > 255)
    return ApiError::constraint("description", "description must be at most 255 characters");
  auto offer = zone_offer(ctx, to_lower(*offer_id));
  if (!offer) return offer.error();
  const Offer& off = **offer;
  if (off.stock == "empty") return message(409, "Offer " + off.name + " is out of stock");
  if (user_data && !user_data->empty() && !off.install_v2)
    return message(503, "cloud-init is not supported on this offer");
  Micros now = ctx.now();
  json::array options;
  for (auto& id : option_ids.value_or(std::vector<std::string>{})) {
    if (!is_uuid(id))
      return ApiError::invalid_argument("option_ids", ArgReason::kFormat, "invalid UUID");
    auto opt = offer_option(off, to_lower(id));
    if (!opt) return opt.error();
    options.push_back(new_option(**opt, now + scaled(ctx, kDelivery), std::nullopt));
  }
  s.name = *name;
  s.tags = tags.value_or(std::vector<std::string>{});
  auto mac = new_mac();
  auto v4 = new_ipv4(ctx.zone());
  s.keys = {"ipv4/" + v4};
  s.body = json::object{{"description", description.value_or("")},
                        {"offer_id", off.id},
                        {"offer_name", off.name},
                        {"boot_type", "normal"},
                        {"options", std::move(options)},
                        {"protected", protect.value_or(false)},
                        {"user_data", user_data ? json::value(*user_data) : json::value(nullptr)},
                        {"_mac", mac}};
  json::array ips;
  auto reverse = default_reverse(s);
  ips.push_back(json::object{{"id", new_uuid()},
                             {"address", slaac_address(mac, random_hex(3))},
                             {"reverse", reverse},
                             {"version", "IPv6"},
                             {"reverse_status", "active"},
                             {"reverse_status_message", ""}});
  ips.push_back(json::object{{"id", new_uuid()},
                             {"address", v4},
                             {"reverse", reverse},
                             {"version", "IPv4"},
                             {"reverse_status", "active"},
                             {"reverse_status_message", ""}});
  s.body["ips"] = std::move(ips);
  add_event(s, "order", now);
  if (install) {
    auto in = make_install(ctx, tx, *install, "install.", off, now + scaled(ctx, kDelivery));
    if (!in) return in.error();
    s.body["install"] = std::move(*in);
    add_event(s, "install", now);
    // Ordered with an installation: the recorded servers show `ordered` until delivered.
    ctx.svc.lifecycle.start(s, now, {{"ordered", 0, ""}, {"ready", kDelivery, ""}});
  } else {
    s.body["install"] = nullptr;
    ctx.svc.lifecycle.start(s, now, {{"delivering", 0, ""}, {"ready", kDelivery, ""}});
  }
  return std::nullopt;
}

// --- actions ---

std::optional<ApiError> install_server(Context& ctx, store::Tx& tx, store::Record& s) {
  if (auto e = require_idle(s)) return e;
  if (s.state != "ready" && s.state != "stopped")
    return message(400, "Server cannot be installed in state " + s.state);
  Micros now = ctx.now();
  if (installing(s, now)) return message(409, "Server is being installed");
  auto offer = zone_offer(ctx, str_of(s.body, "offer_id"));
  if (!offer) return offer.error();
  auto in = make_install(ctx, tx, ctx.body, "", **offer, now);
  if (!in) return in.error();
  if (auto* ud = ctx.body.if_contains("user_data"); ud && ud->is_object() && !(*offer)->install_v2)
    return message(503, "cloud-init is not supported on this offer");
  s.body["install"] = std::move(*in);
  s.body["boot_type"] = "normal";
  s.body["rescue_server"] = nullptr;
  add_event(s, "install", now);
  return std::nullopt;
}

// A boot type of a start or a reboot; rescue boots give the server a fresh rescue account,
// whose password shows in this answer only (it is not kept).
std::optional<ApiError> set_boot(Context& ctx, store::Tx& tx, store::Record& s,
                                 std::string& rescue_password) {
  codec::BodyReader b(ctx.body);
  auto boot = b.enumeration("boot_type", {"unknown_boot_type", "normal", "rescue"});
  auto keys = b.strings("ssh_key_ids");
  if (auto e = b.error()) return e;
  if (keys)
    if (auto e = check_ssh_keys(ctx, tx, *keys, "ssh_key_ids")) return e;
  bool rescue = boot && *boot == "rescue";
  s.body["boot_type"] = rescue ? "rescue" : "normal";
  if (rescue) {
    rescue_password = random_password();
    s.body["rescue_server"] = json::object{{"user", "rescue"}, {"password", ""}};
  } else {
    s.body["rescue_server"] = nullptr;
  }
  return std::nullopt;
}

Result<Response> power(const resource::Spec& spec, Context& ctx, std::string_view action) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, spec, true);
    if (!s) return api::fail(s.error());
    if (auto e = require_idle(*s)) return api::fail(*e);
    Micros now = ctx.now();
    std::string rescue_password;
    if (action == "stop") {
      if (s->state != "ready") return api::fail(message(400, "Server is not started"));
      ctx.svc.lifecycle.start(*s, now, {{"stopping", 0, ""}, {"stopped", kPower, ""}});
    } else {
      if (auto e = set_boot(ctx, tx, *s, rescue_password)) return api::fail(*e);
      if (action == "start") {
        if (s->state != "stopped") return api::fail(message(400, "Server is already started"));
        ctx.svc.lifecycle.start(*s, now, {{"starting", 0, ""}, {"ready", kPower, ""}});
      } else {
        if (s->state != "ready" && s->state != "stopped")
          return api::fail(message(400, "Server cannot be rebooted in state " + s->state));
        ctx.svc.lifecycle.start(*s, now, {{"stopping", 0, ""}, {"ready", kPower, ""}});
      }
    }
    add_event(*s,
              str_of(s->body, "boot_type") == "rescue" ? std::string(action) + "_rescue"
                                                       : std::string(action),
              now);
    s->updated_at = now;
    tx.update(*s);
    auto out = resource::answer(ctx, tx, spec, *s);
    if (!rescue_password.empty())
      out.as_object()["rescue_server"].as_object()["password"] = rescue_password;
    return Response::json(200, std::move(out));
  });
}

std::optional<ApiError> migrate_monthly(Context& ctx, store::Tx&, store::Record& s) {
  if (auto e = require_idle(s)) return e;
  auto* offer = find_offer(str_of(s.body, "offer_id"));
  if (!offer || offer->subscription_period == "monthly")
    return message(400, "Server is already on a monthly offer");
  auto* monthly = offer->monthly_offer_id.empty() ? nullptr : find_offer(offer->monthly_offer_id);
  if (!monthly) return message(400, "Offer " + offer->name + " has no monthly subscription");
  s.body["offer_id"] = monthly->id;
  s.body["offer_name"] = monthly->name;
  Micros now = ctx.now();
  ctx.svc.lifecycle.start(s, now, {{"migrating", 0, ""}, {s.state, kMigration, ""}});
  add_event(s, "migrate_offer_monthly", now);
  return std::nullopt;
}

std::optional<ApiError> add_option(Context& ctx, store::Tx&, store::Record& s) {
  auto id = codec::uuid_arg("option_id", ctx.param("option_id"));
  if (!id) return id.error();
  codec::BodyReader b(ctx.body);
  auto expires = b.str("expires_at");
  if (auto e = b.error()) return e;
  std::optional<Micros> expires_at;
  if (expires && !expires->empty()) {
    expires_at = parse_time(*expires);
    if (!expires_at)
      return ApiError::invalid_argument("expires_at", ArgReason::kFormat, "invalid date");
  }
  if (s.state == "deleting") return message(409, "Server is being deleted");
  auto offer = zone_offer(ctx, str_of(s.body, "offer_id"));
  if (!offer) return offer.error();
  auto opt = offer_option(**offer, *id);
  if (!opt) return opt.error();
  Micros now = ctx.now();
  prune_options(s, now);
  if (auto* have = server_option(s, *id)) {
    if (int_of(*have, "_removed_at", 0) == 0)
      return message(409, "Option " + (*opt)->name + " is already enabled on this server");
    return message(409, "Option " + (*opt)->name + " is being disabled");
  }
  s.body["options"].as_array().push_back(
      new_option(**opt, now + scaled(ctx, kOptionChange), expires_at));
  add_event(s, "add_option", now);
  return std::nullopt;
}

std::optional<ApiError> delete_option(Context& ctx, store::Tx&, store::Record& s) {
  auto id = codec::uuid_arg("option_id", ctx.param("option_id"));
  if (!id) return id.error();
  Micros now = ctx.now();
  prune_options(s, now);
  auto* have = server_option(s, *id);
  if (!have || int_of(*have, "_removed_at", 0) != 0) return not_found();
  if (!bool_of(*have, "manageable", true))
    return message(400, "Option " + str_of(*have, "name") + " cannot be managed");
  (*have)["_removed_at"] = now + scaled(ctx, kOptionChange);
  add_event(s, "delete_option", now);
  return std::nullopt;
}

std::optional<ApiError> update_server(Context& ctx, store::Tx& tx, store::Record& s) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto description = b.str("description");
  auto user_data = b.str("user_data");
  if (auto e = b.error()) return e;
  if (name && name->empty()) return ApiError::constraint("name", "name must not be empty");
  if (description && description->size() > 255)
    return ApiError::constraint("description", "description must be at most 255 characters");
  if (user_data) {
    auto* offer = find_offer(str_of(s.body, "offer_id"));
    if (!user_data->empty() && offer && !offer->install_v2)
      return message(503, "cloud-init is not supported on this offer");
    s.body["user_data"] = user_data->empty() ? json::value(nullptr) : json::value(*user_data);
  }
  prune_options(s, ctx.now());
  s.updated_at = ctx.now();
  // The IPAM addresses of its private networks are named after the server.
  if (name) rename_server_private_networks(tx, s, ctx.now());
  return std::nullopt;
}

// --- routes outside the resource layer's shapes ---

// DELETE answers the server, now `deleting` (it is gone a few seconds later). Its private
// networks and flexible IPs are let go of at once, so that nothing holds on to a server that is
// going away.
Result<Response> delete_server(const resource::Spec& spec, const ServerAttachments& attachments,
                               Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, spec, true);
    if (!s) return api::fail(s.error());
    if (bool_of(s->body, "protected"))
      return api::fail(message(400, "Server is protected and cannot be deleted"));
    if (s->state == "deleting") return api::fail(message(409, "Server is already being deleted"));
    Micros now = ctx.now();
    remove_server_private_networks(tx, *s, now);
    attachments.release_server(tx, *s, now);
    prune_options(*s, now);
    for (auto& o : s->body["options"].as_array())
      if (int_of(o.as_object(), "_removed_at", 0) == 0)
        o.as_object()["_removed_at"] = now + scaled(ctx, kDeletion);
    s->body.erase("_bmc");
    ctx.svc.lifecycle.start(
        *s, now, {{"deleting", 0, ""}, {std::string(lifecycle::kDeleted), kDeletion, ""}});
    s->updated_at = now;
    tx.update(*s);
    return Response::json(200, resource::answer(ctx, tx, spec, *s));
  });
}

Result<Response> update_ip(const resource::Spec& spec, Context& ctx) {
  auto ip_id = codec::uuid_arg("ip_id", ctx.param("ip_id"));
  if (!ip_id) return api::fail(ip_id.error());
  codec::BodyReader b(ctx.body);
  auto reverse = b.str("reverse");
  if (auto e = b.error()) return api::fail(*e);
  if (reverse && !reverse->empty() && !is_domain_name(*reverse, false))
    return api::fail(ApiError::constraint("reverse", "reverse must be a valid domain name"));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, spec, true);
    if (!s) return api::fail(s.error());
    if (!delivered(*s)) return api::fail(not_found());
    for (auto& v : s->body["ips"].as_array()) {
      auto& ip = v.as_object();
      if (str_of(ip, "id") != *ip_id) continue;
      if (reverse) ip["reverse"] = reverse->empty() ? default_reverse(*s) : *reverse;
      s->updated_at = ctx.now();
      auto out = render_ip(ip);
      tx.update(*s);
      return Response::json(200, std::move(out));
    }
    return api::fail(not_found());
  });
}

Result<Response> server_metrics(const resource::Spec& spec, Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, spec);
  if (!s) return api::fail(s.error());
  // One point a minute over the last hour: 1 while the server answered pings, 0 otherwise.
  Micros now = ctx.now();
  bool up = ping_status(*s, now) == "ping_status_up";
  json::array points;
  for (int i = 59; i >= 0; --i) {
    Micros t = now - static_cast<Micros>(i) * 60 * kSecond;
    if (t < s->created_at) continue;
    points.push_back(json::array{json::value(format_time(t)), json::value(up ? 1.0 : 0.0)});
  }
  return Response::json(200, json::object{{"pings", json::object{{"name", "pings"},
                                                                 {"points", std::move(points)},
                                                                 {"metadata", json::object{}}}}});
}

Result<Response> server_events(const resource::Spec& spec, Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", 20);
  if (!page) return api::fail(page.error());
  auto order = ctx.query_opt("order_by").value_or("created_at_asc");
  if (order != "created_at_asc" && order != "created_at_desc")
    return api::fail(ApiError::constraint("order_by", "unknown order_by value"));
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, spec);
  if (!s) return api::fail(s.error());
  std::vector<json::object> events;
  if (auto* a = s->body.if_contains("_events"); a && a->is_array())
    for (auto& e : a->as_array()) {
      auto& o = e.as_object();
      auto at = format_time(int_of(o, "at"));
      events.push_back(json::object{{"id", value_of(o, "id")},
                                    {"action", value_of(o, "action")},
                                    {"created_at", at},
                                    {"updated_at", at}});
    }
  if (order == "created_at_desc") std::reverse(events.begin(), events.end());
  return Response::json(
      200, paging::page_body("events", events, *page, [](const json::object& o) { return o; }));
}

// --- BMC access ---

bool has_remote_access(const store::Record& s, Micros now) {
  auto* opts = s.body.if_contains("options");
  if (!opts || !opts->is_array()) return false;
  for (auto& o : opts->as_array())
    if (o.as_object().contains("remote_access") &&
        option_status(o.as_object(), now) == "option_status_enable")
      return true;
  return false;
}

// The BMC access while it is open (the record keeps no password: it shows once, when opened).
const json::object* open_bmc(const store::Record& s, Micros now) {
  auto* bmc = s.body.if_contains("_bmc");
  if (!bmc || !bmc->is_object() || int_of(bmc->as_object(), "expires_at") <= now) return nullptr;
  return &bmc->as_object();
}

json::object render_bmc(const json::object& bmc, std::string_view password) {
  return json::object{{"url", value_of(bmc, "url")},
                      {"login", value_of(bmc, "login")},
                      {"password", password},
                      {"expires_at", format_time(int_of(bmc, "expires_at"))}};
}

Result<Response> start_bmc(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ip = b.str("ip", true);
  if (auto e = b.error()) return api::fail(*e);
  unsigned a = 0, c = 0, d = 0, e4 = 0;
  char extra = 0;
  if (std::sscanf(ip->c_str(), "%u.%u.%u.%u%c", &a, &c, &d, &e4, &extra) != 4 || a > 255 ||
      c > 255 || d > 255 || e4 > 255)
    return api::fail(
        ApiError::invalid_argument("ip", ArgReason::kFormat, "ip must be an IPv4 address"));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, spec, true);
    if (!s) return api::fail(s.error());
    if (auto err = require_delivered(*s)) return api::fail(*err);
    Micros now = ctx.now();
    if (!has_remote_access(*s, now))
      return api::fail(message(400, "The Remote Access option must be enabled on the server"));
    if (open_bmc(*s, now)) return api::fail(message(409, "BMC access is already started"));
    auto password = random_password();
    json::object bmc{
        {"url", "https://" + s->id.substr(0, 8) + ".bmc." + s->locality + ".baremetal.scw.cloud"},
        {"login", "bmc-" + random_hex(8)},
        {"ip", *ip},
        {"password_hash", sha256_hex(password)},
        {"expires_at", now + kBmcLifetime}};
    auto out = render_bmc(bmc, password);
    s->body["_bmc"] = std::move(bmc);
    add_event(*s, "start_bmc_access", now);
    tx.update(*s);
    return Response::json(200, std::move(out));
  });
}

Result<Response> get_bmc(const resource::Spec& spec, Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, spec);
  if (!s) return api::fail(s.error());
  auto* bmc = open_bmc(*s, ctx.now());
  if (!bmc) return api::fail(not_found());
  return Response::json(200, render_bmc(*bmc, ""));
}

Result<Response> stop_bmc(const resource::Spec& spec, Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, spec, true);
    if (!s) return api::fail(s.error());
    if (!open_bmc(*s, ctx.now())) return api::fail(not_found());
    s->body.erase("_bmc");
    add_event(*s, "stop_bmc_access", ctx.now());
    tx.update(*s);
    return Response::no_content();
  });
}

// The `option_id` list filter: servers with the option (not being removed).
bool with_option(const store::Record& server, std::string_view option_id) {
  auto* opts = server.body.if_contains("options");
  if (!opts || !opts->is_array()) return false;
  auto id = to_lower(option_id);
  for (auto& o : opts->as_array())
    if (str_of(o.as_object(), "id") == id && int_of(o.as_object(), "_removed_at", 0) == 0)
      return true;
  return false;
}

std::optional<ApiError> with_status(const Context& ctx, store::ListQuery& q) {
  auto values = ctx.query_all("status");
  std::vector<std::string> states;
  for (auto& v : values)
    if (!v.empty() && v != "unknown") states.push_back(std::string(v));
  if (!states.empty()) q.filters.push_back({Column::kState, Op::kIn, std::move(states), {}, false});
  return std::nullopt;
}

std::shared_ptr<const resource::Spec> server_spec() {
  auto s = resource::named(kServerKind, "server", "/baremetal/v1/zones/{zone}/servers",
                           kServer.read, kServer.write);
  s.bad_id = resource::BadId::kNotFound;
  s.missing = [](const Context&, std::string_view, bool) -> std::optional<ApiError> {
    return not_found();
  };
  s.render = render_server;
  s.default_page_size = 50;
  s.filters = {resource::custom("status", with_status),
               resource::matching("option_id", with_option)};
  s.list_refs.not_refs = {"option_id"};  // a catalogue entry
  s.create = create_server;
  s.create_refs.refs = {app::body_ref("install.ssh_key_ids", Access::kRead, {kSshKeyRef})};
  s.create_refs.not_refs = {"offer_id", "option_ids"};
  s.patch = {{"name", resource::PatchField::As::kName},
             {"description", resource::PatchField::As::kString},
             {"tags", resource::PatchField::As::kTags},
             {"protected", resource::PatchField::As::kBool}};
  s.update = update_server;
  s.deletable = false;  // DELETE answers 200 with the server (delete_server)
  s.actions = {
      {"POST",
       "install",
       install_server,
       {{app::body_ref("ssh_key_ids", Access::kRead, {kSshKeyRef})}, {"os_id"}}},
      {"POST", "migrate-offer-monthly", migrate_monthly},
      {"POST", "options/{option_id}", add_option, {{}, {"option_id"}}},
      {"DELETE", "options/{option_id}", delete_option, {{}, {"option_id"}}},
  };
  return std::make_shared<const resource::Spec>(std::move(s));
}

}  // namespace

void register_servers(app::Registry& r, const ServerAttachments& attachments) {
  auto spec = server_spec();
  resource::add_resource(r, spec);
  const std::string item = "/baremetal/v1/zones/{zone}/servers/{server_id}";
  auto& attach = attachments;
  auto with = [spec](Result<Response> (*fn)(const resource::Spec&, Context&)) {
    return [spec, fn](Context& ctx) { return fn(*spec, ctx); };
  };
  auto power_route = [spec](std::string action) {
    return [spec, action](Context& ctx) { return power(*spec, ctx, action); };
  };
  auto ssh_keys = app::body_ref("ssh_key_ids", Access::kRead, {kSshKeyRef});
  r.add("DELETE", item, kServer.write,
        [spec, &attach](Context& ctx) { return delete_server(*spec, attach, ctx); });
  r.add("POST", item + "/start", kServer.write, power_route("start")).refs({ssh_keys});
  r.add("POST", item + "/stop", kServer.write, power_route("stop"));
  r.add("POST", item + "/reboot", kServer.write, power_route("reboot")).refs({ssh_keys});
  r.add("PATCH", item + "/ips/{ip_id}", kServer.write, with(update_ip)).not_refs({"ip_id"});
  r.add("GET", item + "/metrics", kServer.read, with(server_metrics));
  r.add("GET", item + "/events", kServer.read, with(server_events));
  // `ip` is the address allowed to reach the BMC.
  r.add("POST", item + "/bmc-access", kServer.write, with(start_bmc)).not_refs({"ip"});
  r.add("GET", item + "/bmc-access", kServer.read, with(get_bmc));
  r.add("DELETE", item + "/bmc-access", kServer.write, with(stop_bmc));
}

bool has_private_network_option(const store::Record& server) {
  auto* opts = server.body.if_contains("options");
  if (!opts || !opts->is_array()) return false;
  for (auto& o : opts->get_array())
    if (o.is_object() && o.get_object().contains("private_network") &&
        int_of(o.get_object(), "_removed_at", 0) == 0)
      return true;
  return false;
}

}  // namespace scwd::products::baremetal

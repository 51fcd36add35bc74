// Instance security groups and their rules.
#include <arpa/inet.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "core/util/ids.hpp"
#include "products/instance/model.hpp"
#include "products/instance/network/network.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance {

namespace network {

const quota::Quota kSecurityGroupQuota{"instance_security_groups", {kSecurityGroupKind}, 100};

namespace {

constexpr std::string_view kResource = "instance_security_group";
constexpr std::string_view kRuleResource = "instance_security_group_rule";
constexpr std::string_view kDefaultName = "Default security group";
constexpr std::string_view kDefaultDescription = "Auto generated security group.";
constexpr Micros kSyncDuration = 1'000'000;  // realistic: the recordings settle within a second

// The unique key marking a project's default security group in a zone.
std::string default_key(std::string_view project, std::string_view zone) {
  return "default/" + std::string(project) + "/" + std::string(zone);
}

std::vector<std::string> sg_keys(const store::Record& r) {
  if (body_bool(r.body, "project_default")) return {default_key(r.project_id, r.locality)};
  return {};
}

// Servers of a group: they name it in their body (security_group.id).
bool has_servers(store::Tx& tx, const store::Record& sg) {
  store::ListQuery q;
  q.kind = std::string(kServerKind);
  q.filters.push_back({Column::kLocality, Op::kEq, {sg.locality}, {}, false});
  q.filters.push_back({Column::kBody, Op::kEq, {sg.id}, "security_group.id", false});
  q.limit = 1;
  q.with_total = false;
  return !tx.list(q).items.empty();
}

json::object render_sg(const resource::View& v, const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["creation_date"] = ts(r.created_at);
  o["modification_date"] = ts(r.updated_at);
  o["name"] = r.name;
  auto d = r.body.find("description");
  o["description"] = d != r.body.end() ? d->value() : json::value(nullptr);
  o["organization"] = r.organization_id;
  o["project"] = r.project_id;
  json::array servers;
  for (auto* s : v.related.children(kServerKind, r.id))
    servers.push_back(json::object{{"id", s->id}, {"name", s->name}});
  o["servers"] = std::move(servers);
  o["stateful"] = body_bool(r.body, "stateful", true);
  o["inbound_default_policy"] = body_str(r.body, "inbound_default_policy").value_or("accept");
  o["outbound_default_policy"] = body_str(r.body, "outbound_default_policy").value_or("accept");
  o["organization_default"] = body_bool(r.body, "organization_default");
  o["project_default"] = body_bool(r.body, "project_default");
  o["enable_default_security"] = body_bool(r.body, "enable_default_security", true);
  o["state"] = r.state.empty() ? std::string("available") : r.state;
  json::array tags;
  for (auto& t : r.tags) tags.push_back(json::string(t));
  o["tags"] = std::move(tags);
  o["zone"] = r.locality;
  return o;
}

// --- rules ---

struct DefaultRule {
  int n;
  const char* range;
  int port;
};
constexpr DefaultRule kDefaultRules[] = {{1, "0.0.0.0/0", 25},  {2, "0.0.0.0/0", 465},
                                         {3, "0.0.0.0/0", 587}, {4, "::/0", 25},
                                         {5, "::/0", 465},      {6, "::/0", 587}};

json::array default_rules(std::string_view zone) {
  json::array out;
  for (auto& d : kDefaultRules) {
    json::object o;
    o["id"] = "11111111-2222-4333-8444-00000000000" + std::to_string(d.n);
    o["protocol"] = "TCP";
    o["direction"] = "outbound";
    o["ip_range"] = d.range;
    o["dest_ip_range"] = nullptr;
    o["dest_port_from"] = d.port;
    o["dest_port_to"] = nullptr;
    o["position"] = d.n;
    o["editable"] = false;
    o["action"] = "drop";
    o["zone"] = zone;
    out.push_back(std::move(o));
  }
  return out;
}

bool is_default_rule_id(std::string_view id) {
  for (auto& d : kDefaultRules)
    if (id == "11111111-2222-4333-8444-00000000000" + std::to_string(d.n)) return true;
  return false;
}

json::object render_rule(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["protocol"] = r.body.at("protocol");
  o["direction"] = r.body.at("direction");
  o["ip_range"] = r.body.at("ip_range");
  o["dest_ip_range"] = nullptr;
  o["dest_port_from"] = r.body.at("dest_port_from");
  o["dest_port_to"] = r.body.at("dest_port_to");
  o["position"] = r.body.at("position");
  o["editable"] = true;
  o["action"] = r.body.at("action");
  o["zone"] = r.locality;
  return o;
}

// The user rules of a group, by position.
std::vector<store::Record> user_rules(store::Tx& tx, const store::Record& sg) {
  store::ListQuery q;
  q.kind = std::string(kSecurityGroupRuleKind);
  q.filters.push_back({Column::kParent, Op::kEq, {sg.id}, {}, false});
  q.order.push_back({Column::kBody, false, "position"});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

// Writes positions 1..N in the given order (only the records whose position changes).
void renumber(store::Tx& tx, std::vector<store::Record>& rules, Micros now) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    auto pos = static_cast<std::int64_t>(i + 1);
    auto& r = rules[i];
    auto it = r.body.find("position");
    if (it != r.body.end() && it->value().is_int64() && it->value().get_int64() == pos) continue;
    r.body["position"] = pos;
    r.updated_at = now;
    tx.update(r);
  }
}

// "1.2.3.4/32" -> "1.2.3.4"; a bare address stays; networks keep their prefix. nullopt when the
// value is neither an address nor a CIDR.
std::optional<std::string> normalise_range(std::string_view in) {
  std::string addr(in);
  std::optional<int> prefix;
  if (auto slash = in.find('/'); slash != std::string_view::npos) {
    addr = std::string(in.substr(0, slash));
    auto p = in.substr(slash + 1);
    int n = -1;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (ec != std::errc() || ptr != p.data() + p.size() || p.empty()) return std::nullopt;
    prefix = n;
  }
  unsigned char buf[16];
  bool v4 = inet_pton(AF_INET, addr.c_str(), buf) == 1;
  bool v6 = !v4 && inet_pton(AF_INET6, addr.c_str(), buf) == 1;
  if (!v4 && !v6) return std::nullopt;
  int max = v4 ? 32 : 128;
  if (prefix && (*prefix < 0 || *prefix > max)) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  inet_ntop(v4 ? AF_INET : AF_INET6, buf, out, sizeof out);
  std::string canon(out);
  if (!prefix || *prefix == max) return canon;
  return canon + "/" + std::to_string(*prefix);
}

// Rule fields as read from a request; each optional (PATCH) or required (create).
struct RuleInput {
  std::optional<std::string> id;
  std::optional<std::string> protocol, direction, action, ip_range;
  bool has_from = false, has_to = false;
  std::optional<std::int64_t> from, to;  // nullopt with has_* = explicit null
  std::optional<std::int64_t> position;
  std::optional<bool> editable;
};

RuleInput read_rule(codec::BodyReader& b, bool required) {
  RuleInput in;
  in.protocol = b.enumeration("protocol", {"TCP", "UDP", "ICMP", "ANY"}, required);
  in.direction = b.enumeration("direction", {"inbound", "outbound"}, required);
  in.action = b.enumeration("action", {"accept", "drop"}, required);
  if (auto r = b.str("ip_range", required)) {
    if (auto n = normalise_range(*r))
      in.ip_range = *n;
    else
      b.add("ip_range", ArgReason::kFormat, "invalid CIDR notation");
  }
  in.has_from = b.has("dest_port_from");
  in.from = b.integer("dest_port_from");
  in.has_to = b.has("dest_port_to");
  in.to = b.integer("dest_port_to");
  for (auto [key, v] : {std::pair{"dest_port_from", in.from}, std::pair{"dest_port_to", in.to}})
    if (v && (*v < 0 || *v > 65535))
      b.add(key, ArgReason::kConstraint, "value must be between 0 and 65535");
  in.position = b.integer("position");
  if (in.position && *in.position < 0)
    b.add("position", ArgReason::kConstraint, "value must be greater than or equal to 0");
  in.editable = b.boolean("editable");
  return in;
}

// Applies input to a rule body and normalises the ports. Errors name the port fields.
std::optional<ApiError> apply_rule(json::object& body, const RuleInput& in, bool patch) {
  if (in.protocol) body["protocol"] = *in.protocol;
  if (in.direction) body["direction"] = *in.direction;
  if (in.action) body["action"] = *in.action;
  if (in.ip_range) body["ip_range"] = *in.ip_range;
  auto port = [](const json::object& o, std::string_view k) -> std::optional<std::int64_t> {
    auto it = o.find(k);
    if (it == o.end() || !it->value().is_int64()) return std::nullopt;
    return it->value().get_int64();
  };
  auto from = port(body, "dest_port_from");
  auto to = port(body, "dest_port_to");
  // PATCH: 0 unsets a port; absent leaves it; create: absent / null = none. A dest_port_to of 0
  // is no upper bound on create too: the Python SDK's bulk-rule type (PUT .../rules) defaults
  // both ports to 0, so an 80-only rule arrives as {"dest_port_from":80,"dest_port_to":0}.
  if (in.has_from || !patch) from = in.from && (*in.from != 0 || !patch) ? in.from : std::nullopt;
  if (in.has_to || !patch) to = in.to && *in.to != 0 ? in.to : std::nullopt;
  auto proto = body["protocol"].as_string();
  if (proto == "ICMP" || proto == "ANY") {
    from.reset();
    to.reset();
  }
  if (!from && to) from = to;
  if (from && to && *to < *from)
    return ApiError::constraint("dest_port_to", "dest_port_to must be greater than dest_port_from");
  if (from && to && *to == *from) to.reset();
  body["dest_port_from"] = from ? json::value(*from) : json::value(nullptr);
  body["dest_port_to"] = to ? json::value(*to) : json::value(nullptr);
  return std::nullopt;
}

store::Record new_rule(const store::Record& sg, Micros now) {
  store::Record r;
  r.kind = std::string(kSecurityGroupRuleKind);
  r.id = new_uuid();
  r.organization_id = sg.organization_id;
  r.project_id = sg.project_id;
  r.locality = sg.locality;
  r.parent_id = sg.id;
  r.created_at = r.updated_at = now;
  r.body = json::object{
      {"protocol", "TCP"},       {"direction", "inbound"},    {"action", "accept"},
      {"ip_range", "0.0.0.0/0"}, {"dest_port_from", nullptr}, {"dest_port_to", nullptr},
      {"position", 0},           {"editable", true}};
  return r;
}

json::array rules_listing(const store::Record& sg, const std::vector<store::Record>& rules) {
  json::array out;
  if (body_bool(sg.body, "enable_default_security", true)) out = default_rules(sg.locality);
  for (auto& r : rules) out.push_back(render_rule(r));
  return out;
}

// --- security group handlers ---

// The platform's defaults: stateful, accept both ways, default security on, no description.
void set_sg_defaults(store::Record& r) {
  r.state = "available";
  r.body = json::object{{"description", nullptr},
                        {"stateful", true},
                        {"inbound_default_policy", "accept"},
                        {"outbound_default_policy", "accept"},
                        {"project_default", false},
                        {"organization_default", false},
                        {"enable_default_security", true}};
}

struct SgInput {
  std::optional<std::string> name, inbound, outbound;
  bool has_description = false;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> project_default, organization_default, stateful, enable_default_security;
};

SgInput read_sg(codec::BodyReader& b, bool name_required) {
  SgInput in;
  in.name = b.str("name", name_required);
  if (in.name && in.name->empty()) b.add("name", ArgReason::kConstraint, "name must not be empty");
  in.has_description = b.has("description");
  in.description = b.str("description");
  in.tags = b.strings("tags");
  in.project_default = b.boolean("project_default");
  in.organization_default = b.boolean("organization_default");
  in.stateful = b.boolean("stateful");
  in.inbound = b.enumeration("inbound_default_policy", {"accept", "drop"});
  in.outbound = b.enumeration("outbound_default_policy", {"accept", "drop"});
  in.enable_default_security = b.boolean("enable_default_security");
  return in;
}

// Makes r the project default of its zone (the previous default loses the flag), or drops it.
void set_project_default(store::Tx& tx, store::Record& r, bool on, Micros now) {
  if (on) {
    if (auto old = tx.get_by_key(kSecurityGroupKind, default_key(r.project_id, r.locality));
        old && old->id != r.id) {
      old->body["project_default"] = false;
      old->keys.clear();
      old->updated_at = now;
      tx.update(*old);
    }
  }
  r.body["project_default"] = on;
  r.keys = sg_keys(r);
}

void apply_sg(store::Tx& tx, store::Record& r, const SgInput& in, Micros now) {
  if (in.name) r.name = *in.name;
  if (in.has_description)
    r.body["description"] = in.description ? json::value(*in.description) : json::value(nullptr);
  if (in.tags) r.tags = *in.tags;
  if (in.organization_default) r.body["organization_default"] = *in.organization_default;
  if (in.stateful) r.body["stateful"] = *in.stateful;
  if (in.inbound) r.body["inbound_default_policy"] = *in.inbound;
  if (in.outbound) r.body["outbound_default_policy"] = *in.outbound;
  if (in.enable_default_security) r.body["enable_default_security"] = *in.enable_default_security;
  if (in.project_default) set_project_default(tx, r, *in.project_default, now);
}

// An update that changes the group is pushed to the hypervisors: the group answers "syncing"
// for a moment (recorded), then "available". An update that changes nothing stays available.
void change_sg(const Context& ctx, store::Tx& tx, store::Record& r, const SgInput& in) {
  auto now = ctx.now();
  auto before_name = r.name;
  auto before_tags = r.tags;
  auto before_body = r.body;
  apply_sg(tx, r, in, now);
  r.updated_at = now;
  if (r.name != before_name || r.tags != before_tags || r.body != before_body)
    ctx.svc.lifecycle.start(r, now, {{"syncing", 0, {}}, {"available", kSyncDuration, {}}});
}

std::optional<ApiError> create_sg(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto in = read_sg(b, true);
  if (auto e = b.error()) return e;
  set_sg_defaults(r);
  apply_sg(tx, r, in, r.created_at);
  return std::nullopt;
}

std::optional<ApiError> update_sg(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto in = read_sg(b, false);
  if (auto e = b.error()) return e;
  change_sg(ctx, tx, r, in);
  return std::nullopt;
}

// PUT /security_groups/{id}: the SDK-private full replacement (every field sent).
Result<Response> set_sg(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto in = read_sg(b, true);
  in.has_description = true;
  if (!in.tags) in.tags = std::vector<std::string>{};
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    // The SDK names this route's id `id`.
    auto r = load(tx, ctx, kSecurityGroupKind, ctx.param("id"), kResource);
    if (!r) return api::fail(r.error());
    change_sg(ctx, tx, *r, in);
    tx.update(*r);
    return Response::json(200, resource::answer(ctx, tx, spec, *r));
  });
}

std::optional<ApiError> sg_unused(Context&, store::Tx& tx, const store::Record& r) {
  if (has_servers(tx, r)) return ApiError::conflict("Group is in use. You cannot delete it.");
  return std::nullopt;
}

std::optional<ApiError> remove_rules(Context&, store::Tx& tx, const store::Record& r) {
  for (auto& rule : user_rules(tx, r)) tx.remove(kSecurityGroupRuleKind, rule.id);
  return std::nullopt;
}

// project_default: the defaults carry a unique key; filter on their ids rather than on a JSON
// boolean (which the stores compare differently).
std::optional<ApiError> project_default_filter(const Context& ctx, store::ListQuery& q) {
  auto* pd = ctx.query("project_default");
  if (!pd || pd->empty()) return std::nullopt;
  if (*pd != "true" && *pd != "false")
    return ApiError::invalid_argument("project_default", ArgReason::kFormat,
                                      "value must be a boolean");
  store::ListQuery all = q;
  all.with_total = false;
  std::vector<std::string> ids;
  auto tx = ctx.store().begin(store::TxMode::kRead);
  for (auto& r : tx->list(all).items)
    if (body_bool(r.body, "project_default") == (*pd == "true")) ids.push_back(r.id);
  q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  return std::nullopt;
}

// --- rule handlers ---

Result<std::int64_t> rule_page(const Context& ctx, json::array& all, json::array& out) {
  auto page = paging::read_legacy(ctx.req);
  if (!page) return api::fail(page.error());
  auto begin = std::min<std::int64_t>(page->offset(), static_cast<std::int64_t>(all.size()));
  auto end = std::min<std::int64_t>(begin + page->size, static_cast<std::int64_t>(all.size()));
  for (auto i = begin; i < end; ++i) out.push_back(std::move(all[i]));
  return static_cast<std::int64_t>(all.size());
}

Result<Response> list_default_rules(Context& ctx) {
  json::array all = default_rules(ctx.zone()), out;
  auto n = rule_page(ctx, all, out);
  if (!n) return api::fail(n.error());
  return Response::json(200, json::object{{"rules", std::move(out)}});
}

Result<Response> list_rules(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto sg = load(*tx, ctx, kSecurityGroupKind, ctx.param("security_group_id"), kResource);
  if (!sg) return api::fail(sg.error());
  auto all = rules_listing(*sg, user_rules(*tx, *sg));
  json::array out;
  auto n = rule_page(ctx, all, out);
  if (!n) return api::fail(n.error());
  return Response::json(200, json::object{{"rules", std::move(out)}});
}

// A group's rules are numbered 1..n: every write that adds, moves or removes one holds the group
// first, so that such writes on other replicas of a shared store wait for it and then read the
// rules it left (they would otherwise number from the same count).
void lock_rules(store::Tx& tx, const store::Record& sg) { tx.lock(kSecurityGroupKind, sg.id); }

// Places rule r (new or moved) at `position` (1-based; 0 / past the end: last) among rules.
void place(std::vector<store::Record>& rules, store::Record r, std::int64_t position) {
  std::erase_if(rules, [&](const store::Record& x) { return x.id == r.id; });
  auto at = position <= 0 || position > static_cast<std::int64_t>(rules.size())
                ? rules.size()
                : static_cast<std::size_t>(position - 1);
  rules.insert(rules.begin() + static_cast<std::ptrdiff_t>(at), std::move(r));
}

Result<Response> create_rule(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto in = read_rule(b, true);
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto sg = load(tx, ctx, kSecurityGroupKind, ctx.param("security_group_id"), kResource);
    if (!sg) return api::fail(sg.error());
    lock_rules(tx, *sg);
    auto r = new_rule(*sg, now);
    if (auto e = apply_rule(r.body, in, false)) return api::fail(*e);
    auto rules = user_rules(tx, *sg);
    r.body["position"] = static_cast<std::int64_t>(rules.size() + 1);
    tx.insert(r);
    place(rules, r, in.position.value_or(0));
    renumber(tx, rules, now);
    auto it = std::find_if(rules.begin(), rules.end(), [&](auto& x) { return x.id == r.id; });
    auto res = Response::json(201, json::object{{"rule", render_rule(*it)}});
    res.with_header("Location", ctx.url("/instance/v1/zones/" + sg->locality + "/security_groups/" +
                                        sg->id + "/rules/" + r.id));
    return res;
  });
}

Result<store::Record> load_rule(store::Tx& tx, const Context& ctx, const store::Record& sg) {
  auto id = ctx.param("security_group_rule_id");
  if (!is_uuid(id)) return api::fail(ApiError::not_found(kRuleResource, id));
  auto r = tx.get(kSecurityGroupRuleKind, to_lower(id));
  if (!r || r->parent_id != sg.id) return api::fail(ApiError::not_found(kRuleResource, id));
  return std::move(*r);
}

// A rule the user may change (default rules are not editable), and its group in `sg`.
Result<store::Record> load_user_rule(store::Tx& tx, const Context& ctx, store::Record& sg) {
  auto group = load(tx, ctx, kSecurityGroupKind, ctx.param("security_group_id"), kResource);
  if (!group) return api::fail(group.error());
  if (is_default_rule_id(to_lower(ctx.param("security_group_rule_id"))))
    return api::fail(
        ApiError::constraint("security_group_rule_id", "default rules are not editable"));
  sg = std::move(*group);
  lock_rules(tx, sg);
  return load_rule(tx, ctx, sg);
}

Result<Response> get_rule(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto sg = load(*tx, ctx, kSecurityGroupKind, ctx.param("security_group_id"), kResource);
  if (!sg) return api::fail(sg.error());
  auto id = ctx.param("security_group_rule_id");
  if (body_bool(sg->body, "enable_default_security", true) && is_default_rule_id(to_lower(id)))
    for (auto& d : default_rules(ctx.zone()))
      if (d.as_object().at("id").as_string() == to_lower(id))
        return Response::json(200, json::object{{"rule", d}});
  auto r = load_rule(*tx, ctx, *sg);
  if (!r) return api::fail(r.error());
  return Response::json(200, json::object{{"rule", render_rule(*r)}});
}

// PATCH (partial) and PUT (SDK-private full rule) of one rule.
Result<Response> change_rule(Context& ctx, bool full) {
  codec::BodyReader b(ctx.body);
  auto in = read_rule(b, full);
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    store::Record sg;
    auto r = load_user_rule(tx, ctx, sg);
    if (!r) return api::fail(r.error());
    if (auto e = apply_rule(r->body, in, !full)) return api::fail(*e);
    r->updated_at = now;
    tx.update(*r);
    if (in.position && *in.position > 0) {
      auto rules = user_rules(tx, sg);
      place(rules, *r, *in.position);
      renumber(tx, rules, now);
      for (auto& x : rules)
        if (x.id == r->id) *r = x;
    }
    return Response::json(200, json::object{{"rule", render_rule(*r)}});
  });
}

Result<Response> update_rule(Context& ctx) { return change_rule(ctx, false); }
Result<Response> put_rule(Context& ctx) { return change_rule(ctx, true); }

Result<Response> delete_rule(Context& ctx) {
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    store::Record sg;
    auto r = load_user_rule(tx, ctx, sg);
    if (!r) return api::fail(r.error());
    tx.remove(kSecurityGroupRuleKind, r->id);
    auto rules = user_rules(tx, sg);
    renumber(tx, rules, now);
    return Response::no_content();
  });
}

// PUT /rules: the list replaces every editable rule: entries with an id update that rule,
// entries without create one, rules not listed are deleted; non-editable entries are ignored.
Result<Response> set_rules(Context& ctx) {
  codec::BodyReader b(ctx.body);
  std::vector<RuleInput> inputs;
  if (auto it = ctx.body.find("rules"); it != ctx.body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      b.add("rules", ArgReason::kFormat, "invalid type, expected array");
    } else {
      std::size_t i = 0;
      for (auto& e : it->value().get_array()) {
        std::string prefix = "rules." + std::to_string(i++);
        if (!e.is_object()) {
          b.add(prefix, ArgReason::kFormat, "invalid type, expected object");
          continue;
        }
        codec::BodyReader rb(e.get_object(), prefix);
        auto in = read_rule(rb, true);
        in.id = rb.str("id");
        if (in.id && !is_uuid(*in.id)) rb.add("id", ArgReason::kFormat, "invalid UUID");
        if (in.id) in.id = to_lower(*in.id);
        if (auto err = rb.error()) return api::fail(*err);
        if (in.editable.value_or(true) && !(in.id && is_default_rule_id(*in.id)))
          inputs.push_back(std::move(in));
      }
    }
  }
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto sg = load(tx, ctx, kSecurityGroupKind, ctx.param("security_group_id"), kResource);
    if (!sg) return api::fail(sg.error());
    lock_rules(tx, *sg);
    auto existing = user_rules(tx, *sg);
    std::vector<store::Record> result;
    std::vector<std::string> kept;
    for (auto& in : inputs) {
      store::Record r;
      bool found = false;
      if (in.id)
        for (auto& x : existing)
          if (x.id == *in.id) {
            r = x;
            found = true;
          }
      if (in.id && !found) return api::fail(ApiError::not_found(kRuleResource, *in.id));
      if (!found) r = new_rule(*sg, now);
      json::object body = r.body;
      if (auto e = apply_rule(body, in, false)) return api::fail(*e);
      r.body = std::move(body);
      r.body["position"] = in.position.value_or(0);
      if (found) {
        kept.push_back(r.id);
        r.updated_at = now;
        tx.update(r);
      } else {
        tx.insert(r);
      }
      result.push_back(std::move(r));
    }
    for (auto& x : existing)
      if (std::find(kept.begin(), kept.end(), x.id) == kept.end())
        tx.remove(kSecurityGroupRuleKind, x.id);
    // Explicit positions first in their order, then position 0 in the given order.
    std::stable_sort(result.begin(), result.end(),
                     [](const store::Record& a, const store::Record& c) {
                       auto pa = a.body.at("position").to_number<std::int64_t>();
                       auto pc = c.body.at("position").to_number<std::int64_t>();
                       if ((pa == 0) != (pc == 0)) return pc == 0;
                       return pa < pc;
                     });
    for (std::size_t i = 0; i < result.size(); ++i) {
      auto pos = static_cast<std::int64_t>(i + 1);
      if (result[i].body.at("position").to_number<std::int64_t>() != pos) {
        result[i].body["position"] = pos;
        tx.update(result[i]);
      }
    }
    return Response::json(200, json::object{{"rules", rules_listing(*sg, result)}});
  });
}

}  // namespace

void register_security_groups(app::Registry& r) {
  auto sg = v1_spec(kSecurityGroupKind, std::string(kResource), "security_group_id",
                    "security_groups", "security_group", "security_groups");
  sg.render = render_sg;
  sg.related = {{std::string(kServerKind), {}, "security_group.id"}};
  sg.filters.push_back(resource::custom("project_default", project_default_filter));
  sg.create = create_sg;
  sg.quota = kSecurityGroupQuota;
  sg.update = update_sg;
  sg.can_delete = sg_unused;
  sg.on_delete = remove_rules;
  auto spec = std::make_shared<const resource::Spec>(std::move(sg));
  const std::string base = spec->collections.front();
  r.add("GET", base + "/default/rules", kRead, list_default_rules);
  resource::add_resource(r, spec);
  r.add("PUT", base + "/{id}", kWrite, [spec](Context& ctx) {
     return set_sg(*spec, ctx);
   }).not_refs({"servers"});  // read-only in the PUT form: servers join through their own PATCH
  r.add("GET", base + "/{security_group_id}/rules", kRead, list_rules);
  r.add("POST", base + "/{security_group_id}/rules", kWrite, create_rule);
  r.add("PUT", base + "/{security_group_id}/rules", kWrite, set_rules);
  r.add("GET", base + "/{security_group_id}/rules/{security_group_rule_id}", kRead, get_rule);
  r.add("PATCH", base + "/{security_group_id}/rules/{security_group_rule_id}", kWrite, update_rule);
  r.add("PUT", base + "/{security_group_id}/rules/{security_group_rule_id}", kWrite, put_rule);
  r.add("DELETE", base + "/{security_group_id}/rules/{security_group_rule_id}", kWrite,
        delete_rule);
}

}  // namespace network

// ---- contract (model.hpp) ----

store::Record new_security_group(const app::Owner& owner, std::string_view zone, Micros now) {
  store::Record r;
  r.kind = std::string(kSecurityGroupKind);
  r.id = new_uuid();
  r.organization_id = owner.organization_id;
  r.project_id = owner.project_id;
  r.locality = std::string(zone);
  r.created_at = r.updated_at = now;
  network::set_sg_defaults(r);
  return r;
}

api::Result<json::object> default_security_group(store::Tx& tx, const app::Context& ctx,
                                                 const app::Owner& owner, std::string_view zone) {
  (void)ctx;
  if (auto sg = tx.get_by_key(kSecurityGroupKind, network::default_key(owner.project_id, zone)))
    return json::object{{"id", sg->id}, {"name", sg->name}};
  auto now = ctx.now();
  auto r = new_security_group(owner, zone, now);
  r.name = std::string(network::kDefaultName);
  r.body["description"] = network::kDefaultDescription;
  r.body["project_default"] = true;
  r.body["organization_default"] = true;
  r.keys = network::sg_keys(r);
  tx.insert(r);
  return json::object{{"id", r.id}, {"name", r.name}};
}

api::Result<json::object> security_group_ref(store::Tx& tx, const app::Context& ctx,
                                             std::string_view id) {
  auto r = load(tx, ctx, kSecurityGroupKind, id, network::kResource);
  if (!r) return api::fail(r.error());
  return json::object{{"id", r->id}, {"name", r->name}};
}

}  // namespace scwd::products::instance

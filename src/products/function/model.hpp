// Serverless Functions and Serverless Containers (v1beta1) share most of their API: namespaces,
// crons, domains, tokens and triggers have the same shape, attached to a function or to a
// container. This header is what both products use of it (serverless.cpp declares those kinds
// once for a Flavor); Containers imports it, never the other way round.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/lifecycle/lifecycle.hpp"
#include "core/resource/resource.hpp"
#include "products/prelude.hpp"

namespace scwd::products::function {

// What differs between the two products in their shared parts.
struct Flavor {
  std::string prefix;     // record kinds are "<prefix>.<what>": "function" | "container"
  std::string base;       // "/functions/v1beta1/regions/{region}"
  std::string family;     // IAM family: "Functions" | "Containers"
  std::string app;        // the runnable resource: "function" | "container"
  std::string app_title;  // "Function" | "Container", as the platform's 404 messages name it
  std::string apps;       // collection segment and list key: "functions" | "containers"
  // What else of the product's own belongs to an app and goes with it (Containers v1's
  // triggers), besides the shared crons, domains, tokens and triggers.
  std::vector<std::string> own_children = {};

  std::string kind(std::string_view what) const { return prefix + "." + std::string(what); }
  std::string app_kind() const { return kind(app); }
  std::string app_field() const { return app + "_id"; }
  app::Permission read(std::string_view resource) const;
  app::Permission write(std::string_view resource) const;
  app::RefKind ref(std::string_view what) const;
};

const Flavor& functions_flavor();
const Flavor& containers_flavor();

// The platform's own 404 body for these APIs: {"message": "<Title> was not found"}.
ApiError missing(std::string_view title);

// --- namespace records ---
// locality = region; state = status; name; tags; body: description, environment_variables,
// secrets ([{key, hashed_value, sealed}]: argon2id hash shown, value sealed for the runtime),
// slug, registry_namespace_id ("" until ready), error_message.

// Secret environment variables: `items` ([{key, value}]) applied to `stored` (value null or
// absent removes the key). Values are hashed for display and sealed for the runtime.
std::optional<ApiError> apply_secrets(Context& ctx, json::array& stored, const json::value* items,
                                      std::string_view field);
json::array render_secrets(const json::object& body);
// Checks an environment_variables object (string values).
std::optional<ApiError> check_env(const json::value* v, std::string_view field);
// The decrypted secret variables of a body (for the runtime only).
std::vector<std::pair<std::string, std::string>> open_secrets(const SecretBox& box,
                                                              const json::object& body);

// The namespace a create body names (namespace_id), in the caller's organization and region,
// not being deleted.
Result<store::Record> namespace_of(Context& ctx, store::Tx& tx, const Flavor& f,
                                   std::string_view id);
// --- apps (functions, containers), the same in each API version ---
// The app a body names: the caller's, in the path's region, not being deleted (404 otherwise:
// the platform's message, or with `standard_404` the standard not_found, as Containers v1).
Result<store::Record> app_of(Context& ctx, store::Tx& tx, const Flavor& f, std::string_view id,
                             bool standard_404 = false);
// A list filter: the query parameter `param`, when given, on the body field of that name.
std::optional<ApiError> body_filter(const Context& ctx, store::ListQuery& q,
                                    const std::string& param);
// An app's spec tied to its namespace: the namespace_id list filter, and the owner and
// reference taken from a create body's namespace_id. `standard_404`: an unknown namespace is
// the standard not_found (Containers v1) instead of the platform's message.
void in_namespace(resource::Spec& s, const Flavor& f, bool standard_404 = false);
// The start of an app's create: reads namespace_id and name (`name_required`: a missing name
// is "required" rather than empty; an empty one is refused), names the record and sets its
// parent. Answers the namespace.
Result<store::Record> new_app(Context& ctx, store::Tx& tx, const Flavor& f, store::Record& r,
                              bool name_required, bool standard_404 = false);
// Claims an app's host (its body's domain_name): one app of a name in a namespace.
std::optional<ApiError> claim_host(store::Tx& tx, const Flavor& f, store::Record& r);

// A custom domain's host name: a valid name, not one of the platform's own.
std::optional<ApiError> check_hostname(std::string_view host);
// A new custom domain of `app` (its record `r`, pending until ready): a host name serves one app.
std::optional<ApiError> new_domain(Context& ctx, store::Tx& tx, const Flavor& f, store::Record& r,
                                   const store::Record& app, std::string_view host);

// `<slug>-<name>.functions.fnc.<region>.scw.cloud`: the host an app is served at.
std::string app_domain(const store::Record& ns, std::string_view app_name);
inline constexpr std::string_view kHostSuffix = ".functions.fnc.";

// A lifecycle delete answering the record (200, status deleting), gone after `after`.
Result<Response> delete_with_status(const resource::Spec& spec, Context& ctx, Micros after);
// Children of `parent_id` of `kind` (settled views), in creation order.
std::vector<store::Record> children(store::Tx& tx, std::string_view kind,
                                    std::string_view parent_id);
// Removes an app's crons, domains, tokens and triggers (its _deleted hook).
void remove_app_children(store::Tx& tx, const Flavor& f, std::string_view app_id);

// A record id in a `missing`-style spec: 404 {"message": ...} for malformed and unknown ids.
void platform_404(resource::Spec& s, std::string message);

// Registers namespaces, crons, domains, tokens and triggers for `f`; `app_ready` answers
// whether an app may get a cron (nothing to check: always). The app kind itself is the
// product's.
void register_shared(app::Registry& r, app::Services& svc, const Flavor& f);

// Durations in the APIs' protobuf form: "300s", "1.5s" (Go clients send "300.000000000s").
std::optional<Micros> parse_duration(std::string_view s);
std::string format_duration(Micros d);

// The cron syntax the platform takes (5 fields, UNIX cron): the next time strictly after `after`
// (UTC), nullopt for a malformed schedule.
std::optional<Micros> next_cron_time(std::string_view schedule, Micros after);

// Crons: the hook a product gives to fire one (runs outside any transaction).
struct CronFire {
  std::string app_id;
  std::string cron_id;
  json::object args;
};

}  // namespace scwd::products::function

// What a product handler sees: the request, its path parameters, the authenticated principal,
// the services (store, clock, configuration) and the validated JSON body. Products register
// their operations through a Registry.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/http/message.hpp"
#include "core/lifecycle/lifecycle.hpp"
#include "core/router/router.hpp"
#include "core/sdk/catalog.hpp"
#include "core/store/store.hpp"
#include "core/util/secretbox.hpp"
#include "core/util/time.hpp"

namespace scwd::app {

// The bearer of the API key that authenticated the request.
struct Principal {
  std::string access_key;
  std::string bearer_type;  // "user" or "application"
  std::string bearer_id;
  std::string organization_id;
  std::string default_project_id;
  bool owner = false;        // the organization's Owner: every right
  bool admin_plane = false;  // true when the request is for /_scwd/
  // The Owner of the first (bootstrapped) organization: operates this scwd instance, and alone
  // may make the admin plane's global calls (see docs/admin.md).
  bool instance_operator = false;
};

// Families of the admin plane (/_scwd/): calls any organization's Owner may make about its own
// organization, and the operator's calls.
inline constexpr std::string_view kAdminFamily = "scwd_admin";
inline constexpr std::string_view kOperatorFamily = "scwd_operator";

enum class Access { kNone, kRead, kWrite, kFull };

// What an operation needs: a permission-set family ("Projects", "Instances", "IAMUsers", ...;
// see core/iam/catalog.hpp), the kind of access, and the resource name used in
// permissions_denied details.
struct Permission {
  std::string_view family;
  Access access = Access::kNone;
  std::string_view resource;
  bool public_route = false;  // no authentication at all (health)
  // A user may act on itself without a policy when this path parameter, query parameter, body
  // field or field of the resource the path names equals its own id (e.g. "user_id": a user
  // creates its own API keys).
  std::string_view self_field = {};
};

// What the authorizer learnt about the caller for the current route (core/iam implements it).
// Handlers and core helpers ask it project questions; nullptr in Context means "unrestricted"
// (the Owner, or no authorizer).
class AccessView {
 public:
  virtual ~AccessView() = default;
  // Projects where the caller has `a` on the route's family; nullopt: every project.
  virtual std::optional<std::vector<std::string>> projects(Access a) const = 0;
  virtual bool may(std::string_view project_id, Access a) const = 0;
  // An organization-level right on any family (handlers' finer checks).
  virtual bool allows(std::string_view family, Access a) const = 0;
};

struct Config {
  std::string version;
  std::string data_dir;
  std::string listen;
  std::uint64_t body_limit = 1024 * 1024;
  std::int64_t quota_projects = 25;
  // --quota NAME=N overrides (see core/quota); std::less<> for string_view look-ups.
  std::map<std::string, std::int64_t, std::less<>> quotas;
  // Seals what must be stored yet given back later (core/util/secretbox.hpp); a random key
  // unless the server loaded its deployment's key.
  SecretBox secrets;
  // https://HOST:PORT of the Kubernetes API server serving Kapsule clusters (--k8s-listen), set
  // once it listens; empty when it does not run.
  std::string kube_api_url;
};

struct Services {
  store::Store& store;
  Clock& clock;
  Config& config;
  lifecycle::Engine& lifecycle;
  std::function<void()> invalidate_auth_cache;  // call after any API key / bearer change
  // Run inside the transaction that deletes a project, before it checks that the project holds
  // no resource: a product removes what the platform creates in a project by itself and deletes
  // with it (e.g. an unused default VPC). Registered by modules at start-up.
  std::vector<std::function<void(store::Tx&, std::string_view project_id)>> on_project_delete = {};
  // Run inside the transaction that creates a project, and at start-up for every project
  // (App::create_defaults): a product creates what the platform gives every project (e.g. its
  // default VPCs), so that no read has to. Must do nothing when it already exists.
  std::vector<std::function<void(store::Tx&, const store::Record& project, Micros now)>>
      on_project_create = {};
};

struct Reference;  // below: an id a request carries that names another resource

class Context {
 public:
  Context(const http::Request& req, const router::Params& params, const sdk::Operation* op,
          const Principal& principal, Services& svc)
      : req(req), params(params), op(op), principal(principal), svc(svc) {}

  const http::Request& req;
  const router::Params& params;
  const sdk::Operation* op;  // nullptr for routes outside the SDK (admin plane)
  const Principal& principal;
  Services& svc;
  boost::json::object body;  // the parsed JSON body ({} when there was none)
  // The request's store: the group's when the request runs where writes are grouped (its writes
  // join that group), else the shared one. Handlers reach the store through store() only.
  store::Store* group_store = nullptr;
  store::Store& store() const { return group_store ? *group_store : svc.store; }
  const Permission* permission = nullptr;              // the route's permission
  const std::vector<Reference>* references = nullptr;  // the route's references
  std::shared_ptr<const AccessView> access;  // set by the authorizer; nullptr: unrestricted
  // The record the path names, as the authorizer loaded it to judge the request (callers other
  // than the Owner): a read handler uses it instead of loading it again.
  std::optional<store::Record> target;
  bool list_scoped = false;  // scope() was applied to a list query
  // Run once the request's writes are committed (e.g. dropping a cache a deletion made stale);
  // handed to the response when the handler succeeds.
  std::function<void()> after_commit;
  // Fields a create answer carries beyond the rendered record (a secret shown only once).
  boost::json::object answer_extra;

  // permissions_denied for this route (action from the method: read, write or delete).
  api::ApiError denied(std::optional<Access> a = std::nullopt) const;
  // nullopt when the caller may act (`a`, default: the route's access) in the project.
  std::optional<api::ApiError> authorize_project(std::string_view project_id,
                                                 std::optional<Access> a = std::nullopt) const;
  // The projects the caller may read on this route's family; nullopt: every project.
  std::optional<std::vector<std::string>> readable_projects() const;
  // Restricts a list query to the readable projects (`column` holds the project id: kProject
  // for resources, kId for the project kind itself). Returns true when a filter was added.
  bool scope(store::ListQuery& q, store::Column column = store::Column::kProject);
  // A list's `organization_id` query parameter: only the caller's own organization can be
  // listed. nullopt when absent or the caller's; invalid_arguments for a malformed UUID;
  // permissions_denied (read `resource`) for another organization.
  std::optional<api::ApiError> check_organization_filter(std::string_view resource) const;
  // Adds `column = value` (or `column IN values` when repeated or comma-joined) to a list query
  // for the UUID query parameter `param` when present (lower-cased); `body_path` for kBody;
  // invalid_arguments when one is not a UUID.
  std::optional<api::ApiError> uuid_filter(store::ListQuery& q, std::string_view param,
                                           store::Column column,
                                           std::string_view body_path = {}) const;
  // An organization-level right (true for the Owner).
  bool allows(std::string_view family, Access a) const {
    return !access || access->allows(family, a);
  }

  std::string_view param(std::string_view name) const { return params[name]; }
  std::string_view zone() const { return params["zone"]; }
  std::string_view region() const { return params["region"]; }
  Micros now() const { return svc.clock.now(); }
  const std::string* query(std::string_view name) const { return req.query_value(name); }
  std::optional<std::string> query_opt(std::string_view name) const {
    auto* v = req.query_value(name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }
  // An absolute URL for a path of this API (Location headers), built from the request's Host.
  std::string url(std::string_view path) const {
    auto* host = req.header("Host");
    return "http://" + (host ? *host : std::string("127.0.0.1")) + std::string(path);
  }
  // A boolean query parameter; nullopt when absent or empty. The pipeline has already refused
  // values that are not booleans and canonicalised the rest to "true" / "false".
  std::optional<bool> query_bool(std::string_view name) const {
    auto* v = req.query_value(name);
    if (!v || v->empty()) return std::nullopt;
    return *v == "true" || *v == "1";
  }
  std::vector<std::string> query_all(std::string_view name, bool split_commas = false) const {
    return req.query_values(name, split_commas);
  }
};

using Handler = std::function<api::Result<http::Response>(Context&)>;

// A record kind a request may name, and how access to it is judged: `family` is the
// permission-set family of the product that owns the kind (an Instance route naming a Block
// volume is judged on "BlockStorage"), `resource` the name permissions_denied details give.
struct RefKind {
  std::string_view kind;  // store record kind, e.g. "block.volume"
  std::string_view family;
  std::string_view resource;
  // A boolean body field that, when true, lets every principal read the record (public images):
  // a read reference to such a record needs no right.
  std::string_view public_flag = {};
};

enum class RefIn : std::uint8_t { kPath, kQuery, kBody };

// An id a request carries that names another resource. Before the handler runs the pipeline
// loads every record it names (of one of `kinds`, in the caller's organization) and requires
// `access` on that record's own project (read to copy from it, write to attach, move or modify
// it); organization-level records need the access at organization level. Ids naming no record
// of the caller's organization are left to the handler (its own not_found).
struct Reference {
  RefIn in = RefIn::kBody;
  // Path or query parameter name, or a dotted body path: "volume_id",
  // "from_snapshot.snapshot_id", "volumes.*.id" ("*": every value of an object or array;
  // a final "@keys": the keys of an object, for maps keyed by ids).
  // Arrays are walked implicitly and a final array of strings names one record per element.
  std::string field;
  Access access = Access::kRead;
  std::vector<RefKind> kinds;
};

inline Reference body_ref(std::string field, Access a, std::vector<RefKind> kinds) {
  return Reference{RefIn::kBody, std::move(field), a, std::move(kinds)};
}
inline Reference query_ref(std::string field, Access a, std::vector<RefKind> kinds) {
  return Reference{RefIn::kQuery, std::move(field), a, std::move(kinds)};
}
inline Reference path_ref(std::string field, Access a, std::vector<RefKind> kinds) {
  return Reference{RefIn::kPath, std::move(field), a, std::move(kinds)};
}

// A route is data: its method, path, permission, whether it writes, the references its requests
// carry and the id-looking fields of its schema that name nothing to authorize (list filters,
// ids of things the handler creates, external ids), each with the reason.
struct RouteSpec {
  std::string method;
  std::string path;  // template, e.g. "/account/v3/projects/{project_id}"
  Handler handler;
  Permission permission;
  // A route that writes runs its handler where store writes are grouped and answers once they
  // are durable; one that reads runs on the I/O thread, sees records settled by the clock, and
  // may not write (the store refuses). Default: GET and HEAD read, other methods write.
  bool writes = true;
  std::string operation;  // name for logs/501 (filled from the SDK catalog when empty)
  std::vector<Reference> references = {};
  std::vector<std::string> not_references = {};  // query or top-level body field names
  std::vector<sdk::Field> query_fields = {};     // declared here, over the SDK catalogue's

  RouteSpec& refs(std::vector<Reference> r) {
    for (auto& x : r) references.push_back(std::move(x));
    return *this;
  }
  // Declares a route of another method than GET that only reads (a check, a dry run).
  RouteSpec& reads_only() {
    writes = false;
    return *this;
  }
  RouteSpec& not_refs(std::vector<std::string> names) {
    for (auto& n : names) not_references.push_back(std::move(n));
    return *this;
  }
  // Query fields validated as declared here instead of as the SDK catalogue has them: clients
  // newer than the pinned SDK send enum values (or parameters) it does not list yet. The
  // declaration must outlive the route (static arrays for enum values).
  RouteSpec& query(std::vector<sdk::Field> fields) {
    for (auto& f : fields) query_fields.push_back(f);
    return *this;
  }
};

// True when a query or top-level body field of an SDK schema names a resource by id (a name
// ending in "_id" / "_ids", or one of the nouns the SDKs use for ids). App::finalize requires
// every such field of a route to be declared a Reference or listed in not_references, except
// the project / organization fields the authorizer already treats as targets.
bool is_reference_field(std::string_view name);
bool is_target_field(std::string_view name);

class Registry {
 public:
  // Returns the spec so references can be declared fluently: r.add(...).refs({...}).
  // A null handler declares an operation of an API outside the SDK catalogue that is not built
  // yet: it answers 501 naming it, as the catalogue's unbuilt operations do, and is not served.
  RouteSpec& add(std::string method, std::string path, Permission permission, Handler handler) {
    bool writes = method != "GET" && method != "HEAD";
    routes_.push_back(
        RouteSpec{std::move(method), std::move(path), std::move(handler), permission, writes});
    return routes_.back();
  }
  std::vector<RouteSpec>& routes() { return routes_; }

 private:
  std::vector<RouteSpec> routes_;
};

// A product: one folder under src/products/, registering its routes.
class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  virtual void register_routes(Registry& r, Services& svc) = 0;
};

// Makes a product's module; src/products/products.cpp lists every product's factory.
using ModuleFactory = std::unique_ptr<Module> (*)();

}  // namespace scwd::app

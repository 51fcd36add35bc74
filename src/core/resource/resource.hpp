// The resource layer: one declaration per resource kind yields its get, list, create, update and
// delete routes. The core does what every such route does the same way (the id in the path,
// loading the record in the caller's organization and locality, owner resolution and quota on
// create, filters, order_by, paging, rendering every item from one batch prefetch, PATCH fields,
// the in-use check before a delete); the product declares its kind and supplies only its domain
// steps: how a new record is made from the body, what a change means, how a record renders.
// Actions (power on, attach, ...) stay explicit routes; they load their target with `load`.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/lifecycle/lifecycle.hpp"
#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "core/store/store.hpp"

namespace scwd::resource {

// Where the records live: the `{zone}` or `{region}` of the path is their locality.
enum class Locality { kGlobal, kZone, kRegion };

// How lists page: `page` + `page_size` with `total_count` in the body, or Instance's `page` +
// `per_page` with `X-Total-Count` and `Link` headers.
enum class Paging { kPage, kLegacy };

// What a malformed id in the path answers: 400 invalid_argument naming the parameter (most
// APIs), or 404 not_found for the resource (where the platform was seen to answer so).
enum class BadId { kInvalidArgument, kNotFound };

class Prefetch;

// Records a render needs besides the one it renders, loaded for a whole page in one query per
// relation (never one query per item).
struct Related {
  std::string kind;
  // The ids of `kind` a record names. When empty, the relation is the other way round: records
  // of `kind` that name the record, by their parent (`back_path` empty) or by a body field (a
  // dotted path, e.g. "security_group.id").
  std::function<void(const store::Record&, std::vector<std::string>& ids)> ids = {};
  std::string back_path = {};
  // With `ids`: read the ids from the records a relation declared before loaded for `via` (a
  // kind), not from the rendered records (a gateway's networks' DHCP configurations).
  std::string via = {};
  // A relation neither way above expresses: loads what the page's renders need into `out`
  // (a few queries for the whole page, never one per item); `kind` and `ids` are then unused.
  std::function<void(store::Tx&, const std::vector<store::Record>& items, Prefetch& out)> load = {};
};

// What the relations loaded: by id, and the records naming a given record.
class Prefetch {
 public:
  const store::Record* find(std::string_view kind, std::string_view id) const;
  // Records of `kind` naming `id` (through a relation without `ids`), in creation order.
  std::vector<const store::Record*> children(std::string_view kind, std::string_view id) const;
  void add(store::Record r, std::string owner = {});
  // Every record of `kind` loaded.
  std::vector<const store::Record*> all(std::string_view kind) const;

 private:
  std::map<std::string, std::map<std::string, store::Record, std::less<>>, std::less<>> by_kind_;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>, std::less<>> owned_;
};

// What a render sees: the request (API version, zone) and the prefetched relations.
struct View {
  const app::Context& ctx;
  const Prefetch& related;
};

// A list filter: a query parameter and what it means. Parameters the SDK declares for the list
// with the conventional names are filtered without a declaration: `name` (substring of the
// name), `project_id` (one or more project UUIDs), `organization_id` (the caller's own only) and
// `tags` (records carrying any of them).
struct Filter {
  enum class As {
    kEq,        // the value equals a column or body path
    kContains,  // case-insensitive substring of a column
    kUuids,     // one or more UUIDs (repeated or comma-joined), IN on a column or body path
    kBool,      // a boolean body path
    kTagsAll,   // records carrying every tag given
    kCustom,    // `custom` adds what it means to the query
  };
  std::string param;
  As as = As::kEq;
  store::Column column = store::Column::kBody;
  std::string path = {};  // body path for Column::kBody
  std::function<std::optional<api::ApiError>(const app::Context&, store::ListQuery&)> custom = {};
};

inline Filter eq(std::string param, store::Column c, std::string path = {}) {
  return Filter{std::move(param), Filter::As::kEq, c, std::move(path)};
}
inline Filter body_eq(std::string param, std::string path = {}) {
  if (path.empty()) path = param;
  return Filter{std::move(param), Filter::As::kEq, store::Column::kBody, std::move(path)};
}
inline Filter uuids(std::string param, store::Column c, std::string path = {}) {
  return Filter{std::move(param), Filter::As::kUuids, c, std::move(path)};
}
inline Filter body_bool(std::string param, std::string path = {}) {
  if (path.empty()) path = param;
  return Filter{std::move(param), Filter::As::kBool, store::Column::kBody, std::move(path)};
}
inline Filter custom(
    std::string param,
    std::function<std::optional<api::ApiError>(const app::Context&, store::ListQuery&)> fn) {
  return Filter{std::move(param), Filter::As::kCustom, store::Column::kBody, {}, std::move(fn)};
}

// A filter on what the store cannot look into (a value inside an array of the body): the
// records of the list's kind, in the caller's organization and the path's locality, that `keep`
// accepts for the parameter's value, as an id filter (one query, whatever the page).
Filter matching(std::string param,
                std::function<bool(const store::Record&, std::string_view value)> keep);

// The product's step of a create: the record the body asks for. The core has already resolved
// the owner (project and organization) and checked the quota, and fills in kind, id, owner,
// locality and times before calling it; it inserts the record afterwards (and starts the plan
// the step may have started with `lifecycle.start`).
using Create =
    std::function<std::optional<api::ApiError>(app::Context&, store::Tx&, store::Record&)>;
// A change to a loaded record (PATCH or PUT) or a check before a delete; an error refuses the
// whole request (nothing is written).
using Change =
    std::function<std::optional<api::ApiError>(app::Context&, store::Tx&, store::Record&)>;
using Check =
    std::function<std::optional<api::ApiError>(app::Context&, store::Tx&, const store::Record&)>;
using Render = std::function<boost::json::object(const View&, const store::Record&)>;

// A field a PATCH (or PUT) sets without product code: the name column, the tags, or a body
// field of a plain JSON kind.
struct PatchField {
  enum class As { kName, kTags, kString, kBool, kInteger, kStrings };
  std::string field;
  As as;
  std::string path = {};  // body path (default: the field name)
};

// The ids a route's requests carry that name other resources (authorized before the handler, see
// app::Reference), and the id-looking fields that name nothing to authorize.
struct Refs {
  std::vector<app::Reference> refs = {};
  std::vector<std::string> not_refs = {};
};

// An action on one record, `<collection>/{id}/<suffix>` (add-member, enable-routing, ...): the
// core loads the record for writing, `change` does the work (an error refuses it all), then the
// record is written with a new updated_at and answered as a get would.
struct Action {
  std::string method;
  std::string suffix;
  Change change;
  Refs refs = {};
  std::optional<app::Permission> permission = {};  // default: the Spec's write permission
};

// An order_by field beyond created_at, updated_at and name: "<field>_asc" and "<field>_desc"
// sort by this column (a body path with Column::kBody).
struct OrderField {
  std::string_view field;
  store::Column column;
  std::string_view body_path = {};
};

// The order_by choices a list operation of the SDK catalogue publishes, in its order (the first
// is the default): created_at, updated_at and name by convention, `fields` for the others. A
// published value that neither names is a logic_error (`what` names the list in it); without an
// operation, created_at_asc alone.
std::vector<paging::OrderChoice> published_orders(const sdk::Operation* op,
                                                  std::span<const OrderField> fields = {},
                                                  std::string_view what = "");
inline std::vector<paging::OrderChoice> published_orders(const sdk::Operation* op,
                                                         std::initializer_list<OrderField> fields,
                                                         std::string_view what = "") {
  return published_orders(op, std::span<const OrderField>(fields.begin(), fields.size()), what);
}

struct Spec {
  std::string kind;      // store record kind, e.g. "iam.ssh_key"
  std::string resource;  // the name errors give, e.g. "ssh_key"
  std::string id_param;  // path parameter of one record, e.g. "ssh_key_id"
  // One collection path per API version serving the kind, e.g. "/iam/v1alpha1/ssh-keys" or
  // "/block/v1alpha1/zones/{zone}/volumes"; the record path is "<collection>/{<id_param>}".
  std::vector<std::string> collections;
  app::Permission read;
  app::Permission write;
  Locality locality = Locality::kGlobal;
  BadId bad_id = BadId::kInvalidArgument;
  std::string bad_id_help = "invalid UUID";
  api::ArgReason bad_id_reason = api::ArgReason::kFormat;  // of the invalid_argument answer
  // What a well-formed id naming none of the caller's records answers instead of not_found
  // (nullopt: not_found), e.g. permissions_denied for the platform's own public records, or
  // a product's own 404; also the answer to a malformed id under BadId::kNotFound.
  // `write`: the record was loaded to be changed.
  std::function<std::optional<api::ApiError>(const app::Context&, std::string_view id, bool write)>
      missing = {};
  // Like `missing`, for an answer that depends on stored records (an id the caller's
  // organization once held): looked up in the request's transaction, after `missing`.
  std::function<std::optional<api::ApiError>(const app::Context&, store::Tx&, std::string_view id,
                                             bool write)>
      missing_stored = {};
  // Ids that are not UUIDs (e.g. API access keys): how a well-formed one looks and how a new one
  // is made. Default: UUIDs (compared lower-cased).
  std::function<bool(std::string_view)> id_ok = {};
  std::function<std::string()> new_id = {};
  // Path ids naming a record otherwise than by its id (an IP by its address): the id of the
  // record `id` names (nullopt: none). Default: the path id itself.
  std::function<std::optional<std::string>(store::Tx&, std::string_view id)> resolve = {};

  // --- rendering ---
  Render render;
  std::vector<Related> related = {};
  // Single answers wrapped in {"<envelope>": ...} (Instance); empty: the object itself.
  std::string envelope = {};

  // --- list ---
  std::string list_key;  // "ssh_keys"; empty: no list route
  Paging paging = Paging::kPage;
  std::int64_t default_page_size = 20;
  std::int64_t max_page_size = 100;
  // order_by values; empty: those the SDK catalogue publishes (see published_orders), with
  // order_fields for the fields beyond created_at, updated_at and name.
  std::vector<paging::OrderChoice> orders = {};
  std::vector<OrderField> order_fields = {};
  std::vector<Filter> filters = {};
  bool tags_all = false;  // the `tags` filter needs every tag (default: any)
  // Legacy lists: total_count in the body as well as in X-Total-Count.
  bool total_in_body = false;
  Refs list_refs = {};

  // --- create ---
  Create create = {};
  std::string project_field = "project_id";  // body fields naming the owner
  std::string organization_field = "organization_id";
  bool organization_level = false;  // owned by the organization alone (no project)
  // The owner when it does not come from the body's owner fields (e.g. the parent record the
  // body names); replaces their resolution.
  std::function<api::Result<app::Owner>(app::Context&, store::Tx&)> owner = {};
  // The kind is the project itself: lists keep the projects the caller may read, by id.
  bool scope_by_id = false;
  // Names unique in the organization: a create or rename to a taken name answers
  // already_exists with this help (empty: names need not be unique).
  std::string unique_name_help = {};
  std::optional<quota::Quota> quota = {};
  int create_status = 200;  // Instance: 201 with a Location header
  Refs create_refs = {};

  // --- update ---
  std::vector<PatchField> patch = {};
  Change update = {};  // after the declared fields are applied
  std::string update_method = "PATCH";
  // Default: `write` (e.g. a user may update itself: a permission with a self_field).
  std::optional<app::Permission> update_permission = {};
  Refs update_refs = {};
  std::vector<Action> actions = {};

  // false: no get route (records the API shows only inside their parent's answer)
  bool gettable = true;

  // --- delete ---
  bool deletable = true;
  Check can_delete = {};  // an error refuses the delete (in use, wrong state)
  Check on_delete = {};   // side effects before the record is removed
};

// Registers the spec's routes (list when `list_key`, get when `gettable`, create when `create`,
// update when `patch` or `update`, delete when `deletable`) for every collection.
void add_resource(app::Registry& r, std::shared_ptr<const Spec> spec);
inline void add_resource(app::Registry& r, Spec spec) {
  add_resource(r, std::make_shared<const Spec>(std::move(spec)));
}

// The record the path names, in the caller's organization and the path's locality: bad_id for a
// malformed id, not_found otherwise. `write` settles due lifecycle steps and writes them.
api::Result<store::Record> load(const app::Context& ctx, store::Tx& tx, const Spec& spec,
                                bool write = false);
// The id the path names, lower-cased; bad_id when malformed.
api::Result<std::string> path_id(const app::Context& ctx, const Spec& spec);

// Loads the relations of `items` (one query per relation).
Prefetch prefetch(store::Tx& tx, const Spec& spec, const std::vector<store::Record>& items);
// The single answer for a record ({"<envelope>": ...} or the object), rendering with relations
// loaded for it alone.
boost::json::value answer(const app::Context& ctx, store::Tx& tx, const Spec& spec,
                          const store::Record& r);

}  // namespace scwd::resource

// Shared pieces of the IAM v1alpha1 product (its store kinds are core/iam/kinds.hpp): references
// and quotas, helpers for ids, records, declarations, lists, audit logs and rendering.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/auth/auth.hpp"
#include "core/codec/validate.hpp"
#include "core/iam/evaluator.hpp"
#include "core/iam/kinds.hpp"
#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "core/resource/resource.hpp"
#include "core/store/store.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/prelude.hpp"

namespace scwd::products::iam {

using namespace scwd::iam::kinds;

// How routes name IAM principals and policies (app::Reference): organization-level records,
// judged on their own IAM family; naming oneself needs no right.
inline constexpr app::RefKind kUserRef{kUserKind, "IAMUsers", "user"};
inline constexpr app::RefKind kApplicationRef{kApplicationKind, "IAMApplications", "application"};
inline constexpr app::RefKind kPolicyRef{kPolicyKind, "IAMPolicies", "policy"};

// Quotas of IAM (per organization, --quota NAME=N overrides).
inline const quota::Quota kUsersQuota{"users", {kUserKind}, 50};
inline const quota::Quota kApplicationsQuota{"applications", {kApplicationKind}, 100};
inline const quota::Quota kGroupsQuota{"groups", {kGroupKind}, 50};
inline const quota::Quota kPoliciesQuota{"policies", {kPolicyKind}, 50};
inline const quota::Quota kApiKeysQuota{"api_keys", {kApiKeyKind}, 50};
inline const quota::Quota kSshKeysQuota{"ssh_keys", {kSshKeyKind}, 50};

// --- ids, values ---

Result<std::string> path_uuid(Context& ctx, std::string_view name, std::string_view resource);
// The path's organization_id, which must be the caller's.
Result<std::string> path_org(Context& ctx);
// The organization a request acts on: the given one must be the caller's own.
Result<std::string> organization_of(Context& ctx, const std::optional<std::string>& given);
// Every UUID of a repeated query parameter (lower-cased); 400 naming it when one is not a UUID.
Result<std::vector<std::string>> query_uuids(const Context& ctx, std::string_view name);
// RFC 3339 without a zero fraction ("2035-07-06T09:00:00Z"), as the API echoes expirations.
std::string format_compact(Micros t);

json::value tags_of(const json::object& o);
json::value ts_or_null(const json::object& o, std::string_view key);

// --- loading records of the caller's organization ---

std::optional<store::Record> load(store::Tx& tx, Context& ctx, std::string_view kind,
                                  std::string_view id);
Result<store::Record> load_or_404(store::Tx& tx, Context& ctx, std::string_view kind,
                                  std::string_view id, std::string_view resource);
// The record of `kind` whose id the path's `param` holds (a UUID): not_found naming `resource`
// when the caller's organization has none.
Result<store::Record> path_record(store::Tx& tx, Context& ctx, std::string_view param,
                                  std::string_view kind, std::string_view resource);
// The one record of `kind` (SAML, SCIM) of the path's organization_id, the caller's: keyed
// "org:<organization>"; not_found naming `resource` when it has none.
Result<store::Record> organization_record(Context& ctx, store::Tx& tx, std::string_view kind,
                                          std::string_view resource);
// DELETE of the path_record: removed, answered 204.
Result<Response> delete_path_record(Context& ctx, std::string_view param, std::string_view kind,
                                    std::string_view resource);

// A new record of `kind` in the organization (a child of `parent_id` when given), created now;
// not inserted.
store::Record new_record(const Context& ctx, std::string_view kind, std::string organization_id,
                         std::string parent_id = {});

// A new application, group or policy as the body names it: the required name, the description
// and tags, and the flags of a record the customer manages (editable, deletable, not managed).
std::optional<ApiError> start_customer_record(Context& ctx, store::Record& r);
// precondition_failed for a protected record: `flag` ("editable", "deletable") false. `what`
// names it in the message ("this API key is not editable").
std::optional<ApiError> refuse_protected(const store::Record& r, std::string_view flag,
                                         std::string_view what);

// --- declarations ---

// An IAM kind served under /iam/v1alpha1/<segment>: `s` with the conventional names (see
// resource::named), malformed ids answered in the platform's words.
resource::Spec iam_spec(std::string_view kind, std::string resource, std::string_view segment,
                        Permission read, Permission write, resource::Spec s);

// --- lists ---

// `tag`: records with a tag containing the value.
resource::Filter tag_filter();

// Filters on the caller's organization, reads page/page_size, applies an order.
store::ListQuery base_query(std::string_view kind, const std::string& organization_id);
Response list_response(std::string_view key, json::array items, std::int64_t total);

// --- audit logs (every IAM mutation) ---

// action: created | updated | deleted; resource_type: api_key | user | application | group |
// policy.
void log_event(store::Tx& tx, const Context& ctx, std::string_view action,
               std::string_view resource_type, std::string_view resource_id);

// Drops the authentication cache now and once the request's writes are committed.
Response with_auth_refresh(Context& ctx, Response res);
void refresh_auth(Context& ctx);

// --- shared renderers ---
json::object render_user(const store::Record& r);

}  // namespace scwd::products::iam

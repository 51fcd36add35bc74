// Shared pieces of the IAM v1alpha1 product: store kinds, permissions of the routes, helpers for
// ids, lists, audit logs and rendering.
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
#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "core/resource/resource.hpp"
#include "core/store/store.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/prelude.hpp"

namespace scwd::products::iam {

inline constexpr std::string_view kUser = auth::kUserKind;
inline constexpr std::string_view kApplication = auth::kApplicationKind;
inline constexpr std::string_view kApiKey = auth::kApiKeyKind;
inline constexpr std::string_view kGroup = scwd::iam::kGroupKind;
inline constexpr std::string_view kPolicy = scwd::iam::kPolicyKind;
// How routes name IAM principals and policies (app::Reference): organization-level records,
// judged on their own IAM family; naming oneself needs no right.
inline constexpr app::RefKind kUserRef{kUser, "IAMUsers", "user"};
inline constexpr app::RefKind kApplicationRef{kApplication, "IAMApplications", "application"};
inline constexpr app::RefKind kPolicyRef{kPolicy, "IAMPolicies", "policy"};
inline constexpr std::string_view kSshKey = "iam.ssh_key";
inline constexpr std::string_view kJwt = "iam.jwt";
inline constexpr std::string_view kLog = "iam.log";
inline constexpr std::string_view kOrgSettings = "iam.organization";
inline constexpr std::string_view kSaml = "iam.saml";
inline constexpr std::string_view kSamlCertificate = "iam.saml_certificate";
inline constexpr std::string_view kConnectionToken = "iam.connection_token";

// Quotas of IAM (per organization, --quota NAME=N overrides).
inline const quota::Quota kUsersQuota{"users", {auth::kUserKind}, 50};
inline const quota::Quota kApplicationsQuota{"applications", {auth::kApplicationKind}, 100};
inline const quota::Quota kGroupsQuota{"groups", {scwd::iam::kGroupKind}, 50};
inline const quota::Quota kPoliciesQuota{"policies", {scwd::iam::kPolicyKind}, 50};
inline const quota::Quota kApiKeysQuota{"api_keys", {auth::kApiKeyKind}, 50};
inline const quota::Quota kSshKeysQuota{"ssh_keys", {"iam.ssh_key"}, 50};

// --- ids, values ---

Result<std::string> path_uuid(Context& ctx, std::string_view name, std::string_view resource);
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

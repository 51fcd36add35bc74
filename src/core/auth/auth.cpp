#include "core/auth/auth.hpp"

#include <algorithm>

#include "core/auth/bootstrap.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"

namespace scwd::auth {

using api::ApiError;

namespace {
// Entries are trusted only this long (a store shared with other replicas is never cached).
constexpr auto kCacheTtl = std::chrono::seconds(2);
constexpr std::size_t kCacheMax = 100000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An API key (found by `find`) and the user bearing it, if a user does.
struct KeyAndUser {
  std::optional<store::Record> key, user;
};
template <typename Find>
KeyAndUser key_and_user(store::Store& store, Find find) {
  KeyAndUser out;
  auto tx = store.begin(store::TxMode::kRead);
  out.key = find(*tx);
  if (out.key)
    if (auto uid = str_of(out.key->body, "user_id"); !uid.empty())
      out.user = tx->get(kUserKind, uid);
  return out;
}
}  // namespace

std::string secret_lookup_key(std::string_view secret_key) {
  return "secret:" + hash_secret(secret_key);
}

void Authenticator::invalidate() {
  generation_.fetch_add(1);
  std::unique_lock lk(mu_);
  cache_.clear();
}

std::string session_lookup_key(std::string_view token) {
  return "session:" + sha256_hex(std::string("scwd-session-v1:") + std::string(token));
}

api::Result<app::Principal> Authenticator::authenticate(const http::Request& req) {
  const std::string* token = req.header("x-auth-token");
  if (!token) {
    if (auto* session = req.header("x-session-token")) return session_of(trim(*session));
    return api::fail(ApiError::denied_authentication("api_key", "invalid_argument"));
  }
  std::string_view secret = trim(*token);
  if (!is_uuid(secret))
    return api::fail(ApiError::denied_authentication("api_key", "invalid_argument"));
  std::string hash = secret_lookup_key(secret);
  // Another replica may delete or lock a key of a shared store at any moment: no cache then.
  if (store_.shared()) return load(hash);
  auto gen = generation_.load();
  auto now_steady = std::chrono::steady_clock::now();
  {
    std::shared_lock lk(mu_);
    if (auto it = cache_.find(hash); it != cache_.end() && it->second.generation == gen &&
                                     now_steady - it->second.cached_at < kCacheTtl) {
      if (it->second.expires_at && *it->second.expires_at <= clock_.now())
        return api::fail(ApiError::denied_authentication("api_key", "expired"));
      return it->second.principal;
    }
  }
  return load(hash);
}

// Builds the principal of an API key record; fails for a key of a locked user.
static api::Result<app::Principal> principal_of(const store::Record& key,
                                                const std::optional<store::Record>& user,
                                                std::optional<Micros>& expires) {
  app::Principal p;
  p.access_key = key.id;
  p.organization_id = key.organization_id;
  p.default_project_id = str_of(key.body, "default_project_id");
  if (auto uid = str_of(key.body, "user_id"); !uid.empty()) {
    p.bearer_type = "user";
    p.bearer_id = uid;
    if (!user) return api::fail(ApiError::denied_authentication("api_key", "not_found"));
    p.owner = str_of(user->body, "type") == "owner";
    // A locked member cannot use its API keys until it is unlocked.
    auto locked = user->body.find("locked");
    if (locked != user->body.end() && locked->value().is_bool() && locked->value().get_bool())
      return api::fail(ApiError::denied_authentication("api_key", "unknown_reason"));
  } else {
    p.bearer_type = "application";
    p.bearer_id = str_of(key.body, "application_id");
  }
  if (auto e = str_of(key.body, "expires_at"); !e.empty()) expires = parse_time(e);
  return p;
}

api::Result<app::Principal> Authenticator::load(const std::string& hash) {
  auto gen = generation_.load();
  auto [key, user] =
      key_and_user(store_, [&](store::Tx& tx) { return tx.get_by_key(kApiKeyKind, hash); });
  if (!key) return api::fail(ApiError::denied_authentication("api_key", "not_found"));
  // The lookup key already is the hash; compare the stored digest in constant time as well.
  if (!constant_time_equal(str_of(key->body, "secret_hash"), hash.substr(7)))
    return api::fail(ApiError::denied_authentication("api_key", "not_found"));

  std::optional<Micros> expires;
  auto p = principal_of(*key, user, expires);
  if (!p) return p;
  mark_operator(*p);
  {
    std::unique_lock lk(mu_);
    if (cache_.size() >= kCacheMax) cache_.clear();
    if (generation_.load() == gen && !store_.shared())
      cache_[hash] = Entry{*p, expires, gen, std::chrono::steady_clock::now()};
  }
  if (expires && *expires <= clock_.now())
    return api::fail(ApiError::denied_authentication("api_key", "expired"));
  return p;
}

// Console sessions (JWTs created through IAM): X-Session-Token. Looked up by hash, not cached
// (sessions are rare next to API keys).
api::Result<app::Principal> Authenticator::session_of(std::string_view token) {
  // A JWT has three dot-separated parts.
  if (token.empty() || token.size() > 4096 || std::count(token.begin(), token.end(), '.') != 2)
    return api::fail(ApiError::denied_authentication("jwt", "invalid_argument"));
  std::optional<store::Record> jwt;
  std::optional<store::Record> user;
  {
    auto tx = store_.begin(store::TxMode::kRead);
    jwt = tx->get_by_key(kJwtKind, session_lookup_key(token));
    if (jwt) user = tx->get(kUserKind, jwt->parent_id);
  }
  if (!jwt || !user) return api::fail(ApiError::denied_authentication("jwt", "not_found"));
  auto exp = jwt->body.find("expires_us");
  if (exp != jwt->body.end() && exp->value().is_int64() && exp->value().get_int64() <= clock_.now())
    return api::fail(ApiError::denied_authentication("jwt", "expired"));
  auto locked = user->body.find("locked");
  if (locked != user->body.end() && locked->value().is_bool() && locked->value().get_bool())
    return api::fail(ApiError::denied_authentication("jwt", "unknown_reason"));
  app::Principal p;
  p.bearer_type = "user";
  p.bearer_id = user->id;
  p.organization_id = user->organization_id;
  p.default_project_id = user->organization_id;
  p.owner = str_of(user->body, "type") == "owner";
  mark_operator(p);
  return p;
}

void Authenticator::mark_operator(app::Principal& p) {
  if (!p.owner) return;
  {
    std::shared_lock lk(mu_);
    if (!operator_org_.empty()) {
      p.instance_operator = p.organization_id == operator_org_;
      return;
    }
  }
  std::optional<std::string> org;
  {
    auto tx = store_.begin(store::TxMode::kRead);
    org = operator_organization(*tx);
  }
  if (!org) return;
  std::unique_lock lk(mu_);
  operator_org_ = *org;
  p.instance_operator = p.organization_id == operator_org_;
}

api::Result<app::Principal> Authenticator::principal_of_access_key(
    std::string_view access_key, std::optional<std::string_view> organization) {
  auto [key, user] =
      key_and_user(store_, [&](store::Tx& tx) { return tx.get(kApiKeyKind, access_key); });
  if (!key || (organization && key->organization_id != *organization))
    return api::fail(ApiError::denied_authentication("api_key", "not_found"));
  std::optional<Micros> expires;
  auto p = principal_of(*key, user, expires);
  if (!p) return p;
  mark_operator(*p);
  if (expires && *expires <= clock_.now())
    return api::fail(ApiError::denied_authentication("api_key", "expired"));
  return p;
}

}  // namespace scwd::auth

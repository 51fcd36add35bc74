#include "core/auth/bootstrap.hpp"

#include <cstdint>
#include <stdexcept>

#include "core/auth/auth.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"

namespace scwd::auth {

namespace json = boost::json;

namespace {

std::optional<store::Record> first_organization(store::Tx& tx) {
  store::ListQuery q;
  q.kind = std::string(kOrganizationKind);
  q.limit = 1;
  q.with_total = false;
  q.order.push_back({store::Column::kCreatedAt, false, {}});
  auto found = tx.list(q);
  if (found.items.empty()) return std::nullopt;
  return std::move(found.items.front());
}

}  // namespace

std::optional<std::string> operator_organization(store::Tx& tx) {
  auto org = first_organization(tx);
  if (!org) return std::nullopt;
  return org->id;
}

Identity create_organization(store::Tx& tx, const NewOrganization& in, Micros now) {
  Identity id;
  id.access_key = in.access_key.empty() ? new_access_key() : in.access_key;
  id.secret_key = in.secret_key.empty() ? new_uuid() : to_lower(in.secret_key);
  id.organization_id = in.organization_id.empty() ? new_uuid() : to_lower(in.organization_id);
  id.project_id = in.project_id.empty() ? id.organization_id : to_lower(in.project_id);
  id.user_id = new_uuid();
  if (!is_access_key(id.access_key))
    throw std::invalid_argument("SCW_ACCESS_KEY must match ^SCW[A-Z0-9]{17}$");
  if (!is_uuid(id.secret_key)) throw std::invalid_argument("SCW_SECRET_KEY must be a UUID");
  if (!is_uuid(id.organization_id))
    throw std::invalid_argument("SCW_DEFAULT_ORGANIZATION_ID must be a UUID");
  if (!is_uuid(id.project_id)) throw std::invalid_argument("SCW_DEFAULT_PROJECT_ID must be a UUID");
  const std::string email = to_lower(in.owner_email);

  store::Record org;
  org.kind = std::string(kOrganizationKind);
  org.id = id.organization_id;
  org.organization_id = id.organization_id;
  org.name = in.name;
  org.created_at = org.updated_at = now;
  org.body = json::object{{"id", id.organization_id},
                          {"name", in.name},
                          {"owner_user_id", id.user_id},
                          {"owner_access_key", id.access_key},
                          {"owner_default_project_id", id.project_id}};
  tx.insert(org);

  // The default project has the organization's id; a distinct SCW_DEFAULT_PROJECT_ID is created
  // as a second project so that an existing profile works unchanged.
  auto add_project = [&](const std::string& pid, const std::string& name) {
    store::Record p;
    p.kind = std::string(kProjectKind);
    p.id = pid;
    p.organization_id = id.organization_id;
    // A project is owned by the organization; it is not a resource "in" itself.
    p.name = name;
    p.created_at = p.updated_at = now;
    p.body = json::object{{"id", pid},
                          {"name", name},
                          {"organization_id", id.organization_id},
                          {"description", ""},
                          {"qualification", nullptr}};
    tx.insert(p);
  };
  add_project(id.organization_id, "default");
  if (id.project_id != id.organization_id) add_project(id.project_id, "scwd-default-profile");

  store::Record user;
  user.kind = std::string(kUserKind);
  user.id = id.user_id;
  user.organization_id = id.organization_id;
  user.name = email;
  user.created_at = user.updated_at = now;
  user.keys = {"email:" + email};
  user.body = json::object{{"id", id.user_id},
                           {"email", email},
                           {"username", "owner"},
                           {"first_name", ""},
                           {"last_name", ""},
                           {"phone_number", ""},
                           {"locale", "en_US"},
                           {"organization_id", id.organization_id},
                           {"deletable", false},
                           {"last_login_at", nullptr},
                           {"type", "owner"},
                           {"two_factor_enabled", false},
                           {"status", "activated"},
                           {"mfa", false},
                           {"account_root_user_id", id.user_id},
                           {"tags", json::array{}},
                           {"locked", false}};
  tx.insert(user);

  store::Record key;
  key.kind = std::string(kApiKeyKind);
  key.id = id.access_key;
  key.organization_id = id.organization_id;
  key.created_at = key.updated_at = now;
  key.keys = {secret_lookup_key(id.secret_key)};
  key.body = json::object{{"access_key", id.access_key},
                          {"secret_hash", hash_secret(id.secret_key)},
                          {"description", in.key_description},
                          {"expires_at", nullptr},
                          {"default_project_id", id.project_id},
                          {"editable", true},
                          {"deletable", true},
                          {"managed", false},
                          {"creation_ip", "127.0.0.1"},
                          {"expires_us", INT64_MAX},  // never (sorts and filters as "not expired")
                          {"bearer_id", id.user_id},
                          {"user_id", id.user_id}};
  tx.insert(key);
  return id;
}

static BootstrapResult bootstrap_once(store::Store& store, const BootstrapInput& in, Micros now);

BootstrapResult bootstrap(store::Store& store, const BootstrapInput& in, Micros now) {
  // Replicas starting at once on a new shared store race to bootstrap it: the owner's email (and
  // the organization's id) are unique, so the losers are refused and then find the winner's.
  for (int attempt = 0;; ++attempt) {
    try {
      return bootstrap_once(store, in, now);
    } catch (const store::DuplicateKey&) {
      if (attempt >= 2) throw;
    }
  }
}

static BootstrapResult bootstrap_once(store::Store& store, const BootstrapInput& in, Micros now) {
  BootstrapResult out;
  auto tx = store.begin(store::TxMode::kWrite);
  if (auto org = first_organization(*tx)) {
    out.identity.organization_id = org->id;
    auto owner_key = org->body.find("owner_access_key");
    if (owner_key != org->body.end() && owner_key->value().is_string())
      out.identity.access_key = std::string(owner_key->value().get_string());
    auto uid = org->body.find("owner_user_id");
    if (uid != org->body.end() && uid->value().is_string())
      out.identity.user_id = std::string(uid->value().get_string());
    out.identity.project_id = org->id;
    auto pid = org->body.find("owner_default_project_id");
    if (pid != org->body.end() && pid->value().is_string())
      out.identity.project_id = std::string(pid->value().get_string());
    if (!in.secret_key.empty() && !tx->get_by_key(kApiKeyKind, secret_lookup_key(in.secret_key)))
      out.warning = "SCW_SECRET_KEY is not a key of this store (bootstrapped earlier); ignored";
    return out;
  }
  NewOrganization org;
  org.access_key = in.access_key;
  org.secret_key = in.secret_key;
  org.organization_id = in.organization_id;
  org.project_id = in.project_id;
  out.identity = create_organization(*tx, org, now);
  tx->commit();
  out.created = true;
  return out;
}

}  // namespace scwd::auth

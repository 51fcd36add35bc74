#include "core/auth/auth.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "core/auth/bootstrap.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "testing/test_env.hpp"

namespace scwd::auth {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ::testing::HasSubstr;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = store::open_sqlite({db_path()}); }

  std::string db_path() const { return (dir_.path() / "scwd.db").string(); }

  std::optional<store::Record> get(std::string_view kind, std::string_view id) {
    return store_->begin(store::TxMode::kRead)->get(kind, id);
  }

  // Applies fn to a stored record and writes it back.
  template <typename Fn>
  void modify(std::string_view kind, std::string_view id, Fn&& fn) {
    auto tx = store_->begin(store::TxMode::kWrite);
    auto r = tx->get(kind, id);
    ASSERT_TRUE(r) << kind << " " << id;
    fn(*r);
    tx->update(*r);
    tx->commit();
  }

  // Adds an API key with the given secret for a bearer (user or application).
  void add_key(const std::string& access_key, const std::string& secret, const std::string& org,
               json::object body) {
    store::Record key;
    key.kind = std::string(kApiKeyKind);
    key.id = access_key;
    key.organization_id = org;
    key.keys = {secret_lookup_key(secret)};
    body["access_key"] = access_key;
    body["secret_hash"] = hash_secret(secret);
    key.body = std::move(body);
    auto tx = store_->begin(store::TxMode::kWrite);
    tx->insert(key);
    tx->commit();
  }

  static http::Request with_header(std::string name, std::string value) {
    http::Request r;
    r.method = "GET";
    r.path = "/account/v3/projects";
    r.headers.emplace_back(std::move(name), std::move(value));
    return r;
  }

  static void expect_denied(const api::Result<app::Principal>& r, std::string_view method,
                            std::string_view reason) {
    ASSERT_FALSE(r.has_value()) << "authenticated as " << r->bearer_id;
    const auto& e = r.error();
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(e.type(), "denied_authentication");
    EXPECT_EQ(e.body().at("method").as_string(), method);
    EXPECT_EQ(e.body().at("reason").as_string(), reason);
    EXPECT_EQ(e.body().at("message").as_string(), "authentication is denied");
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  Clock clock_;
};

// --- bootstrap ---

TEST_F(AuthTest, BootstrapCreatesOrganizationProjectUserAndKey) {
  auto res = bootstrap(*store_, {}, 1700000000 * kSecond);
  ASSERT_TRUE(res.created);
  EXPECT_TRUE(res.warning.empty());
  const auto& id = res.identity;
  EXPECT_TRUE(is_access_key(id.access_key)) << id.access_key;
  EXPECT_TRUE(is_uuid(id.secret_key));
  EXPECT_TRUE(is_uuid(id.organization_id));
  EXPECT_TRUE(is_uuid(id.user_id));
  EXPECT_EQ(id.project_id, id.organization_id);  // the default project has the org's id
  EXPECT_EQ(id.secret_key, to_lower(id.secret_key));

  auto org = get(kOrganizationKind, id.organization_id);
  ASSERT_TRUE(org);
  EXPECT_EQ(org->organization_id, id.organization_id);
  EXPECT_EQ(org->created_at, 1700000000 * kSecond);
  EXPECT_EQ(org->body.at("owner_user_id").as_string(), id.user_id);
  EXPECT_EQ(org->body.at("owner_access_key").as_string(), id.access_key);

  auto project = get(kProjectKind, id.organization_id);
  ASSERT_TRUE(project);
  EXPECT_EQ(project->name, "default");
  EXPECT_EQ(project->organization_id, id.organization_id);
  EXPECT_EQ(project->project_id, "") << "a project is owned by its organization, not by itself";

  auto user = get(kUserKind, id.user_id);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->organization_id, id.organization_id);
  EXPECT_EQ(user->body.at("type").as_string(), "owner");

  auto key = get(kApiKeyKind, id.access_key);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->organization_id, id.organization_id);
  EXPECT_EQ(key->body.at("user_id").as_string(), id.user_id);
  EXPECT_EQ(key->body.at("default_project_id").as_string(), id.project_id);
  EXPECT_EQ(key->body.at("secret_hash").as_string(), hash_secret(id.secret_key));
  EXPECT_TRUE(key->body.at("expires_at").is_null());

  auto tx = store_->begin(store::TxMode::kRead);
  auto by_secret = tx->get_by_key(kApiKeyKind, secret_lookup_key(id.secret_key));
  ASSERT_TRUE(by_secret);
  EXPECT_EQ(by_secret->id, id.access_key);
  store::ListQuery projects;
  projects.kind = std::string(kProjectKind);
  EXPECT_EQ(tx->count(projects), 1);
}

TEST_F(AuthTest, BootstrapHonoursGivenValues) {
  BootstrapInput in;
  in.access_key = "SCW0123456789ABCDEFG";
  in.secret_key = "6F1C2A84-1D2B-4C3E-9F00-0123456789AB";
  in.organization_id = "11111111-2222-4333-8444-AAAAAAAAAAAA";
  in.project_id = "22222222-3333-4444-8555-666666666666";
  auto res = bootstrap(*store_, in, 0);
  ASSERT_TRUE(res.created);
  const auto& id = res.identity;
  EXPECT_EQ(id.access_key, "SCW0123456789ABCDEFG");
  EXPECT_EQ(id.secret_key, "6f1c2a84-1d2b-4c3e-9f00-0123456789ab");
  EXPECT_EQ(id.organization_id, "11111111-2222-4333-8444-aaaaaaaaaaaa");
  EXPECT_EQ(id.project_id, "22222222-3333-4444-8555-666666666666");

  EXPECT_TRUE(get(kOrganizationKind, id.organization_id));
  // Both the organization's default project and the profile's project exist.
  auto def = get(kProjectKind, id.organization_id);
  ASSERT_TRUE(def);
  EXPECT_EQ(def->name, "default");
  auto profile = get(kProjectKind, id.project_id);
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->organization_id, id.organization_id);
  auto key = get(kApiKeyKind, "SCW0123456789ABCDEFG");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->body.at("default_project_id").as_string(), id.project_id);

  // The given secret works, in any case.
  Authenticator auth(*store_, clock_);
  auto p = auth.authenticate(with_header("X-Auth-Token", in.secret_key));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->access_key, "SCW0123456789ABCDEFG");
  EXPECT_EQ(p->default_project_id, id.project_id);
}

TEST_F(AuthTest, BootstrapRejectsMalformedValues) {
  const std::string uuid = "6f1c2a84-1d2b-4c3e-9f00-0123456789ab";
  std::vector<BootstrapInput> bad = {
      {"SCW123", "", "", ""},     {"scw0123456789abcdefg", "", "", ""},
      {"", "not-a-uuid", "", ""}, {"", "", "org", ""},
      {"", "", "", uuid + "x"},   {"SCW0123456789ABCDEFG", uuid, uuid, "project"},
  };
  for (const auto& in : bad) {
    SCOPED_TRACE(in.access_key + "|" + in.secret_key + "|" + in.organization_id + "|" +
                 in.project_id);
    EXPECT_THROW(bootstrap(*store_, in, 0), std::invalid_argument);
  }
  // Nothing was written: the next bootstrap still creates the organization.
  store::ListQuery orgs;
  orgs.kind = std::string(kOrganizationKind);
  EXPECT_EQ(store_->begin(store::TxMode::kRead)->count(orgs), 0);
  EXPECT_TRUE(bootstrap(*store_, {}, 0).created);
}

TEST_F(AuthTest, SecondBootstrapKeepsTheFirstIdentity) {
  auto first = bootstrap(*store_, {}, 0);
  ASSERT_TRUE(first.created);

  auto second = bootstrap(*store_, {}, kSecond);
  EXPECT_FALSE(second.created);
  EXPECT_TRUE(second.identity.secret_key.empty()) << "the secret is only known once";
  EXPECT_EQ(second.identity.organization_id, first.identity.organization_id);
  EXPECT_EQ(second.identity.project_id, first.identity.organization_id);
  EXPECT_EQ(second.identity.access_key, first.identity.access_key);
  EXPECT_EQ(second.identity.user_id, first.identity.user_id);
  EXPECT_TRUE(second.warning.empty());

  store::ListQuery q;
  q.kind = std::string(kApiKeyKind);
  EXPECT_EQ(store_->begin(store::TxMode::kRead)->count(q), 1);
  q.kind = std::string(kOrganizationKind);
  EXPECT_EQ(store_->begin(store::TxMode::kRead)->count(q), 1);
  q.kind = std::string(kUserKind);
  EXPECT_EQ(store_->begin(store::TxMode::kRead)->count(q), 1);

  // Environment values on a bootstrapped store: the known secret is accepted silently...
  BootstrapInput same;
  same.secret_key = to_lower(first.identity.secret_key);
  for (char& c : same.secret_key)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(bootstrap(*store_, same, 0).warning.empty());
  // ...another one is ignored with a warning.
  BootstrapInput other;
  other.secret_key = new_uuid();
  auto third = bootstrap(*store_, other, 0);
  EXPECT_FALSE(third.created);
  EXPECT_THAT(third.warning, HasSubstr("SCW_SECRET_KEY"));
  Authenticator auth(*store_, clock_);
  expect_denied(auth.authenticate(with_header("X-Auth-Token", other.secret_key)), "api_key",
                "not_found");
}

TEST_F(AuthTest, SecretNeverStoredInPlainText) {
  auto res = bootstrap(*store_, {}, 0);
  const std::string secret = res.identity.secret_key;
  std::string upper = secret;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  store_->close();
  store_.reset();

  std::string bytes;
  for (auto& entry : fs::directory_iterator(dir_.path())) {
    std::ifstream f(entry.path(), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(bytes.empty());
  // The files do hold the key: its access key and the secret's hash...
  EXPECT_NE(bytes.find(res.identity.access_key), std::string::npos);
  EXPECT_NE(bytes.find(hash_secret(secret)), std::string::npos);
  // ...but never the secret itself.
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  EXPECT_EQ(bytes.find(upper), std::string::npos);
  EXPECT_EQ(bytes.find(secret.substr(0, 18)), std::string::npos);
}

// --- Authenticator ---

class AuthenticatorTest : public AuthTest {
 protected:
  void SetUp() override {
    AuthTest::SetUp();
    id_ = bootstrap(*store_, {}, 0).identity;
  }
  Identity id_;
};

TEST_F(AuthenticatorTest, MissingHeader) {
  Authenticator auth(*store_, clock_);
  http::Request none;
  expect_denied(auth.authenticate(none), "api_key", "invalid_argument");
  expect_denied(auth.authenticate(with_header("Authorization", "Bearer " + id_.secret_key)),
                "api_key", "invalid_argument");
}

TEST_F(AuthenticatorTest, SessionTokenIsAJwtAttempt) {
  Authenticator auth(*store_, clock_);
  // Shaped like a JWT but issued by nobody: not found; not even shaped like one: invalid.
  expect_denied(auth.authenticate(with_header("X-Session-Token", "eyJhbGciOi.x.y")), "jwt",
                "not_found");
  expect_denied(auth.authenticate(with_header("x-session-token", id_.secret_key)), "jwt",
                "invalid_argument");
}

TEST_F(AuthenticatorTest, MalformedToken) {
  Authenticator auth(*store_, clock_);
  for (std::string token :
       {std::string(), std::string("   "), std::string("not-a-uuid"), id_.access_key,
        id_.secret_key + "0", id_.secret_key.substr(1), "Bearer " + id_.secret_key}) {
    SCOPED_TRACE(token);
    expect_denied(auth.authenticate(with_header("X-Auth-Token", token)), "api_key",
                  "invalid_argument");
  }
}

TEST_F(AuthenticatorTest, UnknownToken) {
  Authenticator auth(*store_, clock_);
  expect_denied(auth.authenticate(with_header("X-Auth-Token", new_uuid())), "api_key", "not_found");
}

TEST_F(AuthenticatorTest, ValidTokenGivesTheOwner) {
  Authenticator auth(*store_, clock_);
  auto p = auth.authenticate(with_header("X-Auth-Token", id_.secret_key));
  ASSERT_TRUE(p.has_value()) << p.error().serialize();
  EXPECT_EQ(p->access_key, id_.access_key);
  EXPECT_EQ(p->bearer_type, "user");
  EXPECT_EQ(p->bearer_id, id_.user_id);
  EXPECT_EQ(p->organization_id, id_.organization_id);
  EXPECT_EQ(p->default_project_id, id_.organization_id);
  EXPECT_TRUE(p->owner);
  EXPECT_FALSE(p->admin_plane);

  // Again, from the cache: the same principal.
  auto again = auth.authenticate(with_header("X-Auth-Token", id_.secret_key));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->bearer_id, id_.user_id);
  EXPECT_TRUE(again->owner);
}

TEST_F(AuthenticatorTest, HeaderNameAndSecretAreCaseInsensitive) {
  Authenticator auth(*store_, clock_);
  std::string upper = id_.secret_key;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"x-auth-token", id_.secret_key},
           {"X-AUTH-TOKEN", id_.secret_key},
           {"X-Auth-Token", upper},
           {"X-Auth-Token", "  " + id_.secret_key + "\t"}}) {
    SCOPED_TRACE(name + ": " + value);
    auto p = auth.authenticate(with_header(name, value));
    ASSERT_TRUE(p.has_value()) << p.error().serialize();
    EXPECT_EQ(p->access_key, id_.access_key);
  }
}

TEST_F(AuthenticatorTest, ExpiredKey) {
  modify(kApiKeyKind, id_.access_key, [&](store::Record& r) {
    r.body["expires_at"] = format_time(clock_.now() - 60 * kSecond);
  });
  Authenticator auth(*store_, clock_);
  expect_denied(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)), "api_key",
                "expired");
  // Still expired when served from the cache.
  expect_denied(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)), "api_key",
                "expired");
}

TEST_F(AuthenticatorTest, KeyExpiresWhenTheClockPassesItsExpiry) {
  modify(kApiKeyKind, id_.access_key, [&](store::Record& r) {
    r.body["expires_at"] = format_time(clock_.now() + 3600 * kSecond, TimeStyle::kOffset);
  });
  Authenticator auth(*store_, clock_);
  ASSERT_TRUE(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)).has_value());
  clock_.advance(3601 * kSecond);
  expect_denied(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)), "api_key",
                "expired");
}

TEST_F(AuthenticatorTest, ExpiryChangeSeenAfterInvalidate) {
  Authenticator auth(*store_, clock_);
  ASSERT_TRUE(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)).has_value());
  modify(kApiKeyKind, id_.access_key,
         [&](store::Record& r) { r.body["expires_at"] = format_time(clock_.now() - kSecond); });
  auth.invalidate();
  expect_denied(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)), "api_key",
                "expired");
}

TEST_F(AuthenticatorTest, DeletedKeyFailsAtOnceAfterInvalidate) {
  Authenticator auth(*store_, clock_);
  ASSERT_TRUE(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)).has_value());
  {
    auto tx = store_->begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx->remove(kApiKeyKind, id_.access_key));
    tx->commit();
  }
  auth.invalidate();
  expect_denied(auth.authenticate(with_header("X-Auth-Token", id_.secret_key)), "api_key",
                "not_found");
}

TEST_F(AuthenticatorTest, NonOwnerUserAndApplicationBearers) {
  // A member user of the same organization
  const std::string member_id = new_uuid();
  {
    store::Record user;
    user.kind = std::string(kUserKind);
    user.id = member_id;
    user.organization_id = id_.organization_id;
    user.body = json::object{{"id", member_id}, {"type", "member"}};
    auto tx = store_->begin(store::TxMode::kWrite);
    tx->insert(user);
    tx->commit();
  }
  const std::string member_secret = new_uuid();
  add_key("SCWMEMBER00000000000", member_secret, id_.organization_id,
          {{"user_id", member_id}, {"default_project_id", "p-member"}, {"expires_at", nullptr}});
  // An application
  const std::string app_secret = new_uuid();
  add_key("SCWAPPLICATION000000", app_secret, id_.organization_id,
          {{"application_id", "app-1"}, {"default_project_id", "p-app"}});

  Authenticator auth(*store_, clock_);
  auto member = auth.authenticate(with_header("X-Auth-Token", member_secret));
  ASSERT_TRUE(member.has_value()) << member.error().serialize();
  EXPECT_EQ(member->bearer_type, "user");
  EXPECT_EQ(member->bearer_id, member_id);
  EXPECT_EQ(member->default_project_id, "p-member");
  EXPECT_FALSE(member->owner);

  auto app = auth.authenticate(with_header("X-Auth-Token", app_secret));
  ASSERT_TRUE(app.has_value()) << app.error().serialize();
  EXPECT_EQ(app->access_key, "SCWAPPLICATION000000");
  EXPECT_EQ(app->bearer_type, "application");
  EXPECT_EQ(app->bearer_id, "app-1");
  EXPECT_EQ(app->organization_id, id_.organization_id);
  EXPECT_FALSE(app->owner);
}

TEST_F(AuthenticatorTest, KeyWhoseStoredHashDoesNotMatchIsRejected) {
  // A key record reachable by the secret's lookup key but holding another digest.
  const std::string secret = new_uuid();
  add_key("SCWTAMPERED000000000", secret, id_.organization_id, {{"application_id", "app-1"}});
  modify(kApiKeyKind, "SCWTAMPERED000000000",
         [&](store::Record& r) { r.body["secret_hash"] = hash_secret(new_uuid()); });
  Authenticator auth(*store_, clock_);
  expect_denied(auth.authenticate(with_header("X-Auth-Token", secret)), "api_key", "not_found");
}

TEST(SecretLookupKey, IsPrefixedHash) {
  const std::string s = "6f1c2a84-1d2b-4c3e-9f00-0123456789ab";
  EXPECT_EQ(secret_lookup_key(s), "secret:" + hash_secret(s));
  EXPECT_EQ(secret_lookup_key("6F1C2A84-1D2B-4C3E-9F00-0123456789AB"), secret_lookup_key(s));
}

}  // namespace
}  // namespace scwd::auth

namespace scwd::auth {
namespace {

TEST(BootstrapRestart, KeepsAGivenDefaultProject) {
  scwd::testing::TempDir dir;
  auto store = store::open_sqlite({(dir.path() / "scwd.db").string()});
  BootstrapInput in;
  in.project_id = "22222222-3333-4444-8555-666666666666";
  auto first = bootstrap(*store, in, 0);
  ASSERT_TRUE(first.created);
  auto second = bootstrap(*store, {}, 1);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.identity.project_id, "22222222-3333-4444-8555-666666666666");
}

}  // namespace
}  // namespace scwd::auth

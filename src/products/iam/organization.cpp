// The organization as IAM sees it: alias, login methods, security settings, SAML identity
// provider (with certificates and metadata parsing), and quotas.
#include "products/iam/handlers.hpp"
#include "products/iam/secrets.hpp"

namespace scwd::products::iam {

namespace {

constexpr auto kOrganization = permissions("IAMOrganization", "organization");
constexpr auto kSaml = permissions("IAMOrganization", "saml");
constexpr Permission kQuotaRead{"Quota", Access::kRead, "quotum"};

// Defaults of a new organization (scwd's choice where the platform documents none, except the
// 30-day session which is documented).
json::object default_settings() {
  return json::object{{"alias", ""},
                      {"login_password_enabled", true},
                      {"login_magic_code_enabled", true},
                      {"login_oauth2_enabled", true},
                      {"login_saml_enabled", false},
                      {"enforce_password_renewal", false},
                      {"grace_period_duration", "604800s"},
                      {"login_attempts_before_locked", 10},
                      {"max_login_session_duration", "2592000s"},
                      {"max_api_key_expiration_duration", "0s"}};
}

store::Record settings_of(store::Tx& tx, const std::string& org, Micros now) {
  if (auto s = tx.get(kOrgSettingsKind, org)) return std::move(*s);
  store::Record r;
  r.kind = std::string(kOrgSettingsKind);
  r.id = org;
  r.organization_id = org;
  r.created_at = r.updated_at = now;
  r.body = default_settings();
  return r;
}

void save_settings(store::Tx& tx, store::Record& r, Micros now) {
  r.updated_at = now;
  if (r.version == 0)
    tx.insert(r);
  else
    tx.update(r);
}

json::object render_org(store::Tx& tx, const store::Record& s) {
  auto org = tx.get(auth::kOrganizationKind, s.id);
  return json::object{
      {"id", s.id},
      {"name", org ? org->name : std::string()},
      {"alias", str_of(s.body, "alias")},
      {"login_password_enabled", bool_of(s.body, "login_password_enabled", true)},
      {"login_magic_code_enabled", bool_of(s.body, "login_magic_code_enabled", true)},
      {"login_oauth2_enabled", bool_of(s.body, "login_oauth2_enabled", true)},
      {"login_saml_enabled", bool_of(s.body, "login_saml_enabled", false)}};
}

json::object render_security(const store::Record& s) {
  auto d = default_settings();
  auto get = [&](std::string_view k) -> json::value {
    auto it = s.body.find(k);
    return it != s.body.end() ? it->value() : d.at(k);
  };
  return json::object{{"enforce_password_renewal", get("enforce_password_renewal")},
                      {"grace_period_duration", get("grace_period_duration")},
                      {"login_attempts_before_locked", get("login_attempts_before_locked")},
                      {"max_login_session_duration", get("max_login_session_duration")},
                      {"max_api_key_expiration_duration", get("max_api_key_expiration_duration")}};
}

Result<Response> get_org(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  return Response::json(200, render_org(*tx, settings_of(*tx, *org, ctx.now())));
}

Result<Response> set_alias(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  codec::BodyReader b(ctx.body);
  auto alias = b.str("alias", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = settings_of(tx, *org, ctx.now());
    if (!str_of(s.body, "alias").empty())
      return api::fail(ApiError::precondition_failed(
          "unknown_precondition",
          "the organization's alias is already set; contact support to change it"));
    s.body["alias"] = *alias;
    s.keys = {"alias:" + *alias};
    try {
      save_settings(tx, s, ctx.now());
    } catch (const store::DuplicateKey&) {
      return api::fail(
          ApiError::already_exists("organization", *alias, "another organization uses this alias"));
    }
    return Response::json(200, render_org(tx, s));
  });
}

Result<Response> update_login_methods(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  codec::BodyReader b(ctx.body);
  std::vector<std::pair<std::string, bool>> changes;
  for (auto k : {"login_password_enabled", "login_oauth2_enabled", "login_magic_code_enabled",
                 "login_saml_enabled"})
    if (auto v = b.boolean(k)) changes.emplace_back(k, *v);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = settings_of(tx, *org, ctx.now());
    for (auto& [k, v] : changes) s.body[k] = v;
    save_settings(tx, s, ctx.now());
    return Response::json(200, render_org(tx, s));
  });
}

Result<Response> get_security(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  return Response::json(200, render_security(settings_of(*tx, *org, ctx.now())));
}

bool duration_ok(std::string_view s) {
  if (s.size() < 2 || s.back() != 's') return false;
  bool dot = false;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] == '.' && !dot) {
      dot = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

Result<Response> update_security(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  codec::BodyReader b(ctx.body);
  auto enforce = b.boolean("enforce_password_renewal");
  auto attempts = b.integer("login_attempts_before_locked");
  std::vector<std::pair<std::string, std::string>> durations;
  for (auto k :
       {"grace_period_duration", "max_login_session_duration", "max_api_key_expiration_duration"})
    if (auto v = b.str(k)) {
      if (!duration_ok(*v)) b.add(k, ArgReason::kFormat, "a duration in seconds, e.g. \"3600s\"");
      // Normalise "3600.000000000s" (Go) to "3600s".
      auto n = v->substr(0, v->size() - 1);
      if (auto dot = n.find('.'); dot != std::string::npos) {
        bool zero = n.find_first_not_of('0', dot + 1) == std::string::npos;
        if (zero) n = n.substr(0, dot);
      }
      durations.emplace_back(k, n + "s");
    }
  if (attempts && (*attempts < 1 || *attempts > 50))
    b.add("login_attempts_before_locked", ArgReason::kConstraint, "between 1 and 50");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = settings_of(tx, *org, ctx.now());
    if (enforce) s.body["enforce_password_renewal"] = *enforce;
    if (attempts) s.body["login_attempts_before_locked"] = *attempts;
    for (auto& [k, v] : durations) s.body[k] = v;
    save_settings(tx, s, ctx.now());
    return Response::json(200, render_security(s));
  });
}

// --- SAML ---

std::int64_t certificate_count(store::Tx& tx, const store::Record& saml) {
  store::ListQuery q;
  q.kind = std::string(kSamlCertificateKind);
  q.filters.push_back({Column::kParent, Op::kEq, {saml.id}, {}});
  return tx.count(q);
}

json::object render_saml(store::Tx& tx, const store::Record& r) {
  auto entity = str_of(r.body, "entity_id");
  auto sso = str_of(r.body, "single_sign_on_url");
  std::string status = certificate_count(tx, r) == 0 ? "missing_certificate"
                       : entity.empty()              ? "missing_entity_id"
                       : sso.empty()                 ? "missing_single_sign_on_url"
                                                     : "valid";
  return json::object{{"id", r.id},
                      {"status", status},
                      {"service_provider",
                       json::object{{"entity_id", "https://iam.scaleway.com/saml/" + r.id},
                                    {"assertion_consumer_service_url",
                                     "https://api.scaleway.com/iam/v1/saml/" + r.id + "/login"}}},
                      {"entity_id", entity},
                      {"single_sign_on_url", sso}};
}

std::optional<store::Record> saml_of_org(store::Tx& tx, const std::string& org) {
  return tx.get_by_key(kSamlKind, "org:" + org);
}

Result<store::Record> load_saml(store::Tx& tx, Context& ctx) {
  return path_record(tx, ctx, "saml_id", kSamlKind, "saml");
}

Result<Response> get_org_saml(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = organization_record(ctx, *tx, kSamlKind, "organization_saml");
  if (!s) return api::fail(s.error());
  return Response::json(200, render_saml(*tx, *s));
}

Result<Response> enable_saml(Context& ctx) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    if (auto s = saml_of_org(tx, *org))
      return api::fail(
          ApiError::already_exists("saml", s->id, "SAML is already enabled for this organization"));
    store::Record r = new_record(ctx, kSamlKind, *org);
    r.keys = {"org:" + *org};
    r.body = json::object{{"entity_id", ""}, {"single_sign_on_url", ""}};
    tx.insert(r);
    return Response::json(200, render_saml(tx, r));
  });
}

Result<Response> update_saml(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto entity = b.str("entity_id");
  auto sso = b.str("single_sign_on_url");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_saml(tx, ctx);
    if (!r) return api::fail(r.error());
    if (entity) r->body["entity_id"] = *entity;
    if (sso) r->body["single_sign_on_url"] = *sso;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render_saml(tx, *r));
  });
}

Result<Response> delete_saml(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_saml(tx, ctx);
    if (!r) return api::fail(r.error());
    store::ListQuery q;
    q.kind = std::string(kSamlCertificateKind);
    q.filters.push_back({Column::kParent, Op::kEq, {r->id}, {}});
    for (auto& c : tx.list(q).items) tx.remove(kSamlCertificateKind, c.id);
    tx.remove(kSamlKind, r->id);
    auto s = settings_of(tx, r->organization_id, ctx.now());
    if (bool_of(s.body, "login_saml_enabled")) {
      s.body["login_saml_enabled"] = false;
      save_settings(tx, s, ctx.now());
    }
    return Response::no_content();
  });
}

json::object render_certificate(const store::Record& c) {
  return json::object{{"id", c.id},
                      {"type", str_of(c.body, "type")},
                      {"origin", str_of(c.body, "origin")},
                      {"content", str_of(c.body, "content")},
                      {"expires_at", ts_or_null(c.body, "expires_at")}};
}

Result<Response> list_certificates(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = load_saml(*tx, ctx);
  if (!r) return api::fail(r.error());
  store::ListQuery q;
  q.kind = std::string(kSamlCertificateKind);
  q.filters.push_back({Column::kParent, Op::kEq, {r->id}, {}});
  q.order.push_back({Column::kCreatedAt, false, {}});
  json::array items;
  for (auto& c : tx->list(q).items) items.push_back(render_certificate(c));
  return Response::json(200, json::object{{"certificates", std::move(items)}});
}

Result<Response> add_certificate(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto type = b.enumeration("type", {"signing", "encryption"}, true);
  auto content = b.str("content", true);
  if (auto e = b.error()) return api::fail(*e);
  auto expiry = certificate_expiry(*content);
  if (!expiry)
    return api::fail(ApiError::invalid_argument("content", ArgReason::kFormat,
                                                "content must be a PEM X.509 certificate"));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_saml(tx, ctx);
    if (!r) return api::fail(r.error());
    store::Record c = new_record(ctx, kSamlCertificateKind, r->organization_id, r->id);
    c.body = json::object{{"type", *type},
                          {"origin", "identity_provider"},
                          {"content", *content},
                          {"expires_at", format_compact(*expiry)}};
    tx.insert(c);
    return Response::json(200, render_certificate(c));
  });
}

Result<Response> delete_certificate(Context& ctx) {
  return delete_path_record(ctx, "certificate_id", kSamlCertificateKind, "saml_certificate");
}

// The value of attribute `name` in the first tag (any namespace prefix) called `tag`.
std::string attribute(std::string_view xml, std::string_view tag, std::string_view name,
                      std::size_t from = 0) {
  for (std::size_t pos = from; (pos = xml.find('<', pos)) != std::string_view::npos; ++pos) {
    auto end = xml.find('>', pos);
    if (end == std::string_view::npos) break;
    auto element = xml.substr(pos + 1, end - pos - 1);
    auto name_end = element.find_first_of(" \t\r\n/");
    auto full = element.substr(0, name_end);
    auto colon = full.find(':');
    auto local = colon == std::string_view::npos ? full : full.substr(colon + 1);
    if (local != tag) continue;
    std::string needle = std::string(name) + "=\"";
    auto a = element.find(needle);
    if (a == std::string_view::npos) continue;
    auto v = element.substr(a + needle.size());
    return std::string(v.substr(0, v.find('"')));
  }
  return {};
}

Result<Response> parse_metadata(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto* file = b.object("file", true);
  if (auto e = b.error()) return api::fail(*e);
  codec::BodyReader f(*file, "file");
  auto content = f.str("content", true);
  if (auto e = f.error()) return api::fail(*e);
  auto xml = base64_decode(*content);
  if (!xml || xml->find("EntityDescriptor") == std::string::npos)
    return api::fail(ApiError::invalid_argument("file.content", ArgReason::kFormat,
                                                "not a base64 SAML metadata XML document"));
  json::array certs;
  for (std::size_t pos = 0;;) {
    auto open = xml->find("X509Certificate>", pos);
    if (open == std::string::npos) break;
    auto start = open + 16;
    auto close = xml->find("</", start);
    if (close == std::string::npos) break;
    pos = close;
    if ((*xml)[open - 1] == '/') continue;  // a closing tag
    std::string b64;
    for (char c : xml->substr(start, close - start))
      if (!std::isspace(static_cast<unsigned char>(c))) b64 += c;
    if (b64.empty()) continue;
    std::string pem = "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
    pem += "-----END CERTIFICATE-----\n";
    certs.emplace_back(pem);
  }
  return Response::json(
      200, json::object{{"single_sign_on_url", attribute(*xml, "SingleSignOnService", "Location")},
                        {"entity_id", attribute(*xml, "EntityDescriptor", "entityID")},
                        {"signing_certificates", std::move(certs)}});
}

// --- quota ---

struct QuotumDef {
  std::string name;
  std::string pretty_name;
  std::string description;
  std::int64_t limit;
};

std::vector<QuotumDef> quota_table(const app::Config& config) {
  std::vector<QuotumDef> out;
  auto add = [&](const quota::Quota& q, std::string pretty, std::string desc) {
    out.push_back(
        {std::string(q.name), std::move(pretty), std::move(desc), quota::limit(config, q)});
  };
  add(kApiKeysQuota, "API keys", "Number of API keys of the organization");
  add(kApplicationsQuota, "Applications", "Number of applications of the organization");
  add(kGroupsQuota, "Groups", "Number of groups of the organization");
  add(kPoliciesQuota, "Policies", "Number of policies of the organization");
  out.push_back(
      {"projects", "Projects", "Number of projects of the organization", config.quota_projects});
  add(kSshKeysQuota, "SSH keys", "Number of SSH keys of the organization");
  add(kUsersQuota, "Users", "Number of users of the organization");
  // Limits the operator set for other products (--quota NAME=N).
  for (auto& [name, n] : config.quotas) {
    bool known = false;
    for (auto& q : out) known = known || q.name == name;
    if (!known) out.push_back({name, name, "Operator limit (--quota " + name + ")", n});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

json::object render_quotum(const QuotumDef& q) {
  return json::object{{"name", q.name},
                      {"limit", q.limit},
                      {"pretty_name", q.pretty_name},
                      {"unit", "count"},
                      {"description", q.description},
                      {"locality_type", "global"},
                      {"limits", json::array{json::object{{"global", true}, {"limit", q.limit}}}}};
}

Result<Response> list_quota(Context& ctx) {
  auto org = organization_of(ctx, ctx.query_opt("organization_id"));
  if (!org) return api::fail(org.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto table = quota_table(ctx.svc.config);
  if (ctx.query_opt("order_by").value_or("name_asc") == "name_desc")
    std::reverse(table.begin(), table.end());
  auto names = ctx.query_all("quotum_names", true);
  std::vector<QuotumDef> picked;
  for (auto& q : table)
    if (names.empty() || std::find(names.begin(), names.end(), q.name) != names.end())
      picked.push_back(q);
  json::array items;
  auto total = static_cast<std::int64_t>(picked.size());
  for (auto i = page->offset(); i < total && i < page->offset() + page->size; ++i)
    items.push_back(render_quotum(picked[static_cast<std::size_t>(i)]));
  return list_response("quota", std::move(items), total);
}

Result<Response> get_quotum(Context& ctx) {
  auto org = organization_of(ctx, ctx.query_opt("organization_id"));
  if (!org) return api::fail(org.error());
  auto name = std::string(ctx.param("quotum_name"));
  for (auto& q : quota_table(ctx.svc.config))
    if (q.name == name) return Response::json(200, render_quotum(q));
  return api::fail(ApiError::not_found("quotum", name));
}

}  // namespace

void register_organization(app::Registry& r) {
  const std::string o = "/iam/v1alpha1/organizations/{organization_id}";
  r.add("GET", o, kOrganization.read, get_org);
  r.add("PUT", o + "/alias", kOrganization.write, set_alias);
  r.add("PATCH", o + "/login-methods", kOrganization.write, update_login_methods);
  r.add("GET", o + "/security-settings", kOrganization.read, get_security);
  r.add("PATCH", o + "/security-settings", kOrganization.write, update_security);
  r.add("GET", o + "/saml", kSaml.read, get_org_saml);
  r.add("POST", o + "/saml", kSaml.write, enable_saml);
  // The identity provider's entity id: an external name, not a resource of scwd.
  r.add("PATCH", "/iam/v1alpha1/saml/{saml_id}", kSaml.write, update_saml).not_refs({"entity_id"});
  r.add("DELETE", "/iam/v1alpha1/saml/{saml_id}", kSaml.write, delete_saml);
  r.add("GET", "/iam/v1alpha1/saml/{saml_id}/certificates", kSaml.read, list_certificates);
  r.add("POST", "/iam/v1alpha1/saml/{saml_id}/certificates", kSaml.write, add_certificate);
  r.add("DELETE", "/iam/v1alpha1/saml-certificates/{certificate_id}", kSaml.write,
        delete_certificate);
  r.add("POST", "/iam/v1alpha1/parse-saml-metadata", kSaml.read, parse_metadata);
  r.add("GET", "/iam/v1alpha1/quota", kQuotaRead, list_quota);
  r.add("GET", "/iam/v1alpha1/quota/{quotum_name}", kQuotaRead, get_quotum);
}

}  // namespace scwd::products::iam

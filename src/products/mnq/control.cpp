// Messaging and Queuing v1beta1 (regional): NATS accounts and their users' credentials, the
// activation of SQS and SNS per project, and the SQS and SNS credentials their endpoints check
// signatures with.
#include <chrono>
#include <mutex>

#include "core/app/host_dispatch.hpp"
#include "core/app/owner.hpp"
#include "core/codec/validate.hpp"
#include "core/resource/named.hpp"
#include "core/resource/resource.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/mnq/crypto.hpp"
#include "products/mnq/front.hpp"
#include "products/mnq/mnq.hpp"
#include "products/mnq/trigger_queues.hpp"
#include "products/prelude.hpp"

namespace scwd::products::mnq {

namespace {

constexpr auto kNamespace = permissions(kFamily, "namespace");
constexpr auto kCredentials = permissions(kFamily, "credentials");
constexpr app::RefKind kAccountRef{kNatsAccountKind, kFamily, "namespace"};
const std::string kBase = "/mnq/v1beta1/regions/{region}";

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::value time_or_null(Micros t) {
  return t ? json::value(format_time(t)) : json::value(nullptr);
}

void tell_nats(Context& ctx) {
  ctx.after_commit = [] { nats_link().accounts_changed(); };
}

// --- NATS accounts ---

json::object render_account(const resource::View&, const store::Record& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"endpoint", nats_link().endpoint()},
          {"project_id", r.project_id},
          {"region", r.locality},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)}};
}

std::optional<ApiError> create_account(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  if (auto e = b.error()) return e;
  const auto& secrets = ctx.svc.config.secrets;
  auto op = ensure_operator(tx, secrets);
  // The account's id is its public key; users are signed by a separate signing key, so that the
  // account's own key never signs anything but is only named.
  auto account = new_key_pair(KeyType::kAccount);
  auto signing = new_key_pair(KeyType::kAccount);
  r.id = account.public_key;
  r.name = name.value_or("");
  r.body = {{"seed", secrets.seal(account.seed)},
            {"signing_seed", secrets.seal(signing.seed)},
            {"signing_key", signing.public_key},
            {"revocations", json::object{}}};
  r.body["jwt"] = account_jwt(r, op, secrets);
  tell_nats(ctx);
  return std::nullopt;
}

std::optional<ApiError> rename_account(Context& ctx, store::Tx& tx, store::Record& r) {
  auto op = ensure_operator(tx, ctx.svc.config.secrets);
  r.body["jwt"] = account_jwt(r, op, ctx.svc.config.secrets);
  tell_nats(ctx);
  return std::nullopt;
}

// Deleting an account deletes its users' credentials; the server forgets the account.
std::optional<ApiError> delete_account(Context& ctx, store::Tx& tx, const store::Record& r) {
  store::ListQuery q;
  q.kind = std::string(kNatsCredentialsKind);
  q.filters = {{Column::kParent, Op::kEq, {r.id}, {}, false}};
  q.with_total = false;
  for (auto& c : tx.list(q).items) tx.remove(c.kind, c.id);
  tell_nats(ctx);
  return std::nullopt;
}

// --- NATS credentials ---

json::object render_nats_credentials(const resource::View&, const store::Record& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"nats_account_id", r.parent_id},
          {"region", r.locality},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"credentials", nullptr},
          {"checksum", str_of(r.body, "checksum")}};
}

Result<store::Record> named_account(Context& ctx, store::Tx& tx) {
  auto id = str_of(ctx.body, "nats_account_id");
  auto a = tx.get(kNatsAccountKind, id);
  if (!a || a->organization_id != ctx.principal.organization_id || a->locality != ctx.region())
    return api::fail(ApiError::not_found("namespace", id));
  return std::move(*a);
}

Result<app::Owner> credentials_owner(Context& ctx, store::Tx& tx) {
  codec::BodyReader b(ctx.body);
  b.str("nats_account_id", true);
  if (auto e = b.error()) return api::fail(*e);
  auto a = named_account(ctx, tx);
  if (!a) return api::fail(a.error());
  return app::Owner{a->organization_id, a->project_id};
}

std::optional<ApiError> create_nats_credentials(Context& ctx, store::Tx& tx, store::Record& r) {
  auto account = named_account(ctx, tx);
  if (!account) return account.error();
  r.name = str_of(ctx.body, "name");
  r.parent_id = account->id;
  // Full access to the account's subjects (no per-subject permissions), no limits.
  auto user = sign_nats_user(*account, r.name, {}, {}, ctx.svc.config.secrets);
  if (!user) return ApiError::internal(ctx.req.request_id);
  auto content = creds_file(user->jwt, user->seed);
  r.body = {{"checksum", sha1_hex(content)}, {"user", user->public_key}};
  ctx.answer_extra["credentials"] = json::object{{"name", "user.creds"}, {"content", content}};
  return std::nullopt;
}

// The user's JWT stops working: its account revokes it (the server learns of it at once).
std::optional<ApiError> revoke_nats_credentials(Context& ctx, store::Tx& tx,
                                                const store::Record& r) {
  revoke_nats_user(tx, r, ctx.svc.config.secrets);
  tell_nats(ctx);
  return std::nullopt;
}

// --- SQS and SNS credentials ---

constexpr std::string_view kPermissionNames[] = {"can_publish", "can_receive", "can_manage"};

json::object render_credentials(const resource::View& v, const store::Record& r) {
  auto secret = v.ctx.svc.config.secrets.open(str_of(r.body, "secret"));
  json::object perms;
  for (auto p : kPermissionNames) perms[p] = bool_of(r.body, p);
  // The secret shows in every single answer, as recorded (lists included: their items are
  // the same object).
  return {{"id", r.id},
          {"name", r.name},
          {"project_id", r.project_id},
          {"region", r.locality},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"access_key", str_of(r.body, "access_key")},
          {"secret_key", secret.value_or("")},
          {"secret_checksum", str_of(r.body, "secret_checksum")},
          {"permissions", std::move(perms)}};
}

// Permission members sent as booleans are set; absent or null ones are left as they are.
std::optional<ApiError> read_permissions(Context& ctx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto* p = b.object("permissions");
  if (auto e = b.error()) return e;
  if (!p) return std::nullopt;
  codec::BodyReader pb(*p, "permissions.");
  for (auto name : kPermissionNames)
    if (auto v = pb.boolean(name)) r.body[name] = *v;
  return pb.error();
}

std::optional<ApiError> create_credentials(Context& ctx, store::Tx&, store::Record& r) {
  r.name = str_of(ctx.body, "name");
  auto access_key = random_alnum(20);
  auto secret = new_uuid();
  r.keys = {access_key_key(access_key)};
  r.body = {{"access_key", access_key},
            {"secret", ctx.svc.config.secrets.seal(secret)},
            {"secret_checksum", sha1_hex(secret)}};
  for (auto p : kPermissionNames) r.body[p] = false;
  return read_permissions(ctx, r);
}

std::optional<ApiError> update_credentials(Context& ctx, store::Tx&, store::Record& r) {
  return read_permissions(ctx, r);
}

resource::Spec credentials_spec(std::string_view kind, std::string collection) {
  resource::Spec s;
  s.id_param = std::string(kind == kSqsCredentialsKind ? "sqs" : "sns") + "_credentials_id";
  s.list_key = collection.substr(collection.rfind('/') + 1);
  for (auto& c : s.list_key)
    if (c == '-') c = '_';
  s = resource::named(kind, "credentials", kBase + "/" + collection, kCredentials.read,
                      kCredentials.write, std::move(s));
  s.render = render_credentials;
  s.create = create_credentials;
  s.organization_field = {};
  s.patch = {{"name", resource::PatchField::As::kName}};
  s.update = update_credentials;
  return s;
}

// --- SQS and SNS activation ---

struct Service {
  std::string_view kind;
  std::string_view resource;  // the name of not_found and already_exists answers
  std::string_view label;     // "SQS", "SNS"
  std::string_view url_field;
  std::string_view prefix;
};
constexpr Service kSqs{kSqsNamespaceKind, "MnqSQSNamespace", "SQS", "sqs_endpoint_url", kSqsPrefix};
constexpr Service kSns{kSnsNamespaceKind, "MnqSNSNamespace", "SNS", "sns_endpoint_url", kSnsPrefix};

// The endpoint is served on the listener the client reached the API on.
json::object render_info(const Context& ctx, const Service& s, std::string_view project_id,
                         const store::Record* r) {
  return {{"project_id", project_id},
          {"region", ctx.region()},
          {"created_at", time_or_null(r ? r->created_at : 0)},
          {"updated_at", time_or_null(r ? r->updated_at : 0)},
          {"status", r ? "enabled" : "disabled"},
          {s.url_field, ctx.url(std::string(s.prefix) + std::string(ctx.region()))}};
}

Result<std::string> body_project(Context& ctx, store::Tx& tx) {
  codec::BodyReader b(ctx.body);
  auto project = b.uuid("project_id");
  if (auto e = b.error()) return api::fail(*e);
  auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
  if (!owner) return api::fail(owner.error());
  return owner->project_id;
}

Result<Response> activate(const Service& s, Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto project = body_project(ctx, tx);
    if (!project) return api::fail(project.error());
    auto key = namespace_key(*project, ctx.region());
    if (tx.get_by_key(s.kind, key))
      return api::fail(ApiError::already_exists(
          s.resource, *project, std::string(s.label) + " is already enabled on this project"));
    store::Record r{.kind = std::string(s.kind),
                    .id = new_uuid(),
                    .organization_id = ctx.principal.organization_id,
                    .project_id = *project,
                    .locality = std::string(ctx.region()),
                    .created_at = ctx.now(),
                    .updated_at = ctx.now(),
                    .keys = {key}};
    tx.insert(r);
    return Response::json(200, render_info(ctx, s, *project, &r));
  });
}

// A project that is gone (or not the caller's) has no activation either: 404, as recorded.
Result<Response> deactivate(const Service& s, Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto project = b.uuid("project_id");
  if (auto e = b.error()) return api::fail(*e);
  auto id = project.value_or(ctx.principal.default_project_id);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = tx.get_by_key(s.kind, namespace_key(id, ctx.region()));
    if (!r || r->organization_id != ctx.principal.organization_id)
      return api::fail(ApiError::not_found(s.resource, id));
    tx.remove(r->kind, r->id);
    return Response::json(200, render_info(ctx, s, id, nullptr));
  });
}

Result<Response> info(const Service& s, Context& ctx) {
  auto project = ctx.query_opt("project_id").value_or(ctx.principal.default_project_id);
  if (!is_uuid(project))
    return api::fail(
        ApiError::invalid_argument("project_id", ArgReason::kFormat, "value must be a valid UUID"));
  project = to_lower(project);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = tx->get_by_key(s.kind, namespace_key(project, ctx.region()));
  if (r && r->organization_id != ctx.principal.organization_id) r.reset();
  return Response::json(200, render_info(ctx, s, project, r ? &*r : nullptr));
}

class MnqModule final : public app::Module {
 public:
  ~MnqModule() override {
    if (function::message_queues() == triggers_.get()) function::set_message_queues(nullptr);
    if (function::nats_subjects() == subjects_.get()) function::set_nats_subjects(nullptr);
    if (function::trigger_credentials() == credentials_.get())
      function::set_trigger_credentials(nullptr);
  }
  std::string_view name() const override { return "mnq"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    // Serverless triggers read their SQS queues and NATS subjects, and get their credentials,
    // through these views.
    triggers_ = make_trigger_queues(svc);
    function::set_message_queues(triggers_.get());
    subjects_ = make_trigger_subjects(svc);
    function::set_nats_subjects(subjects_.get());
    credentials_ = make_trigger_credentials(svc);
    function::set_trigger_credentials(credentials_.get());
    // The SQS and SNS endpoints speak AWS's protocols under their own prefixes: claimed before
    // routing, and before other products look up hosts.
    auto& hosts = app::host_dispatch(svc);
    hosts.add_first(this, [this, &svc](http::Request& req) -> std::optional<http::Staged> {
      std::string_view path = req.path;
      if (!path.starts_with(kSqsPrefix) && !path.starts_with(kSnsPrefix)) return std::nullopt;
      return endpoints(svc).stage(req);
    });
    hosts.on_stop(this, [this] {
      std::lock_guard lock(endpoints_mu_);
      if (endpoints_) endpoints_->stop();
    });
    resource::Spec accounts;
    accounts.id_param = "nats_account_id";
    accounts = resource::named(kNatsAccountKind, "namespace", kBase + "/nats-accounts",
                               kNamespace.read, kNamespace.write, std::move(accounts));
    accounts.id_ok = [](std::string_view id) { return id.size() == 56; };
    accounts.new_id = [] { return new_key_pair(KeyType::kAccount).public_key; };
    accounts.bad_id_help = "value length must be 56 runes";
    accounts.bad_id_reason = ArgReason::kConstraint;
    accounts.render = render_account;
    accounts.create = create_account;
    accounts.organization_field = {};
    accounts.patch = {{"name", resource::PatchField::As::kName}};
    accounts.update = rename_account;
    accounts.on_delete = delete_account;
    resource::add_resource(r, std::move(accounts));

    resource::Spec creds;
    creds.id_param = "nats_credentials_id";
    creds.list_key = "nats_credentials";
    creds = resource::named(kNatsCredentialsKind, "credentials", kBase + "/nats-credentials",
                            kCredentials.read, kCredentials.write, std::move(creds));
    creds.render = render_nats_credentials;
    creds.filters = {resource::eq("nats_account_id", Column::kParent)};
    creds.list_refs.not_refs = {"nats_account_id"};  // a filter of the (scoped) list
    creds.create = create_nats_credentials;
    creds.owner = credentials_owner;
    creds.create_refs.refs = {app::body_ref("nats_account_id", Access::kWrite, {kAccountRef})};
    creds.on_delete = revoke_nats_credentials;
    resource::add_resource(r, std::move(creds));

    resource::add_resource(r, credentials_spec(kSqsCredentialsKind, "sqs-credentials"));
    resource::add_resource(r, credentials_spec(kSnsCredentialsKind, "sns-credentials"));

    for (const Service* s : {&kSqs, &kSns}) {
      std::string n(s == &kSqs ? "sqs" : "sns");
      r.add("POST", kBase + "/activate-" + n, kNamespace.write,
            [s](Context& ctx) { return activate(*s, ctx); });
      r.add("POST", kBase + "/deactivate-" + n, kNamespace.write,
            [s](Context& ctx) { return deactivate(*s, ctx); });
      r.add("GET", kBase + "/" + n + "-info", kNamespace.read,
            [s](Context& ctx) { return info(*s, ctx); });
    }
  }

 private:
  // Made at the first request for them: their threads (and their handling of SIGINT and SIGTERM)
  // are no cost to Apps that never serve them (unit tests, `scwd routes`).
  Endpoints& endpoints(app::Services& svc) {
    std::lock_guard lock(endpoints_mu_);
    if (!endpoints_) endpoints_ = std::make_unique<Endpoints>(svc);
    return *endpoints_;
  }

  std::unique_ptr<function::MessageQueues> triggers_;
  std::unique_ptr<function::NatsSubjects> subjects_;
  std::unique_ptr<function::TriggerCredentials> credentials_;
  std::mutex endpoints_mu_;
  std::unique_ptr<Endpoints> endpoints_;
};

class DefaultLink final : public NatsLink {
 public:
  std::string endpoint() const override { return "nats://127.0.0.1:4222"; }
  void accounts_changed() override {}
  std::string unavailable() const override { return "scwd runs no NATS server (--nats-listen)"; }
};

std::mutex link_mutex;
NatsLink* current_link = nullptr;

}  // namespace

NatsLink& nats_link() {
  static DefaultLink fallback;
  std::lock_guard lock(link_mutex);
  return current_link ? *current_link : fallback;
}

void set_nats_link(NatsLink* link) {
  std::lock_guard lock(link_mutex);
  current_link = link;
}

Operator ensure_operator(store::Tx& tx, const SecretBox& secrets) {
  if (auto r = tx.get(kNatsOperatorKind, "operator")) {
    auto seed = secrets.open(str_of(r->body, "seed"));
    if (!seed) throw std::runtime_error("the NATS operator's seed cannot be opened (secrets key?)");
    auto sys_seed = secrets.open(str_of(r->body, "system_account_seed"));
    return {*seed, str_of(r->body, "jwt"), str_of(r->body, "system_account"),
            str_of(r->body, "system_account_jwt"), sys_seed.value_or("")};
  }
  auto op = new_key_pair(KeyType::kOperator);
  auto sys = new_key_pair(KeyType::kAccount);
  Operator out;
  out.seed = op.seed;
  out.system_account = sys.public_key;
  out.system_account_seed = sys.seed;
  out.jwt = nats_jwt(
      {{"name", "scwd"},
       {"sub", op.public_key},
       {"nats", {{"system_account", sys.public_key}, {"type", "operator"}, {"version", 2}}}},
      op.seed);
  out.system_account_jwt =
      nats_jwt({{"name", "SYS"},
                {"sub", sys.public_key},
                {"nats",
                 {{"limits", {{"subs", -1}, {"data", -1}, {"payload", -1}, {"conn", -1}}},
                  {"type", "account"},
                  {"version", 2}}}},
               op.seed);
  store::Record r{.kind = std::string(kNatsOperatorKind), .id = "operator"};
  r.body = {{"seed", secrets.seal(op.seed)},
            {"jwt", out.jwt},
            {"system_account", out.system_account},
            {"system_account_jwt", out.system_account_jwt},
            {"system_account_seed", secrets.seal(sys.seed)}};
  tx.insert(r);
  return out;
}

std::string account_jwt(const store::Record& account, const Operator& op, const SecretBox&) {
  // Unlimited, JetStream included (storage limits other than 0 enable it for the account).
  json::object limits{{"subs", -1},        {"data", -1},         {"payload", -1}, {"imports", -1},
                      {"exports", -1},     {"wildcards", true},  {"conn", -1},    {"leaf", -1},
                      {"mem_storage", -1}, {"disk_storage", -1}, {"streams", -1}, {"consumer", -1}};
  json::object nats{{"limits", std::move(limits)},
                    {"signing_keys", json::array{json::value(str_of(account.body, "signing_key"))}},
                    {"default_permissions", {{"pub", json::object{}}, {"sub", json::object{}}}},
                    {"type", "account"},
                    {"version", 2}};
  if (auto* rev = account.body.if_contains("revocations");
      rev && rev->is_object() && !rev->as_object().empty())
    nats["revocations"] = *rev;
  return nats_jwt({{"name", account.name}, {"sub", account.id}, {"nats", std::move(nats)}},
                  op.seed);
}

std::optional<NatsUser> sign_nats_user(const store::Record& account, std::string_view name,
                                       json::object pub, json::object sub,
                                       const SecretBox& secrets) {
  auto signing_seed = secrets.open(str_of(account.body, "signing_seed"));
  if (!signing_seed) return std::nullopt;
  auto user = new_key_pair(KeyType::kUser);
  json::object nats{
      {"pub", std::move(pub)}, {"sub", std::move(sub)},        {"subs", -1},     {"data", -1},
      {"payload", -1},         {"issuer_account", account.id}, {"type", "user"}, {"version", 2}};
  json::object claims{{"name", name}, {"sub", user.public_key}, {"nats", std::move(nats)}};
  return NatsUser{user.public_key, user.seed, nats_jwt(std::move(claims), *signing_seed)};
}

void revoke_nats_user(store::Tx& tx, const store::Record& credentials, const SecretBox& secrets) {
  auto account = tx.get(kNatsAccountKind, credentials.parent_id);
  if (!account) return;
  auto* rev = account->body.if_contains("revocations");
  if (!rev || !rev->is_object()) account->body["revocations"] = json::object{};
  account->body["revocations"].as_object()[str_of(credentials.body, "user")] = unix_seconds() + 1;
  auto op = ensure_operator(tx, secrets);
  account->body["jwt"] = account_jwt(*account, op, secrets);
  tx.update(*account);
}

std::unique_ptr<app::Module> make_module() { return std::make_unique<MnqModule>(); }

}  // namespace scwd::products::mnq

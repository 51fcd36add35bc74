#include "products/account/module.hpp"

#include <boost/json.hpp>

#include "core/auth/auth.hpp"
#include "core/codec/validate.hpp"
#include "core/meter/meter.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/named.hpp"
#include "core/resource/resource.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/prelude.hpp"

namespace scwd::products::account {

namespace {

constexpr std::string_view kProject = auth::kProjectKind;
constexpr std::string_view kContract = "account.contract";
constexpr std::string_view kSignature = "account.contract_signature";
// Families of core/iam/catalog.hpp: Projects (ProjectManager / ProjectReadOnly, and read of the
// projects where the caller holds any right), Contracts (OrganizationManager, BillingManager).
constexpr auto kProjects = permissions("Projects", "project");
constexpr auto kContracts = permissions("Contracts", "contract_signature");

// Kinds that live in a project without being "resources" of it.
// (The usage ledger stays with the organization's billing history.)
const std::vector<std::string> kNotProjectResources = {std::string(kProject),
                                                       std::string(meter::kUsage)};

json::value default_qualification() {
  return json::object{{"architecture_type", "unknown_architecture_type"}};
}

// Writes (create, update) answer qualification as stored (null until set); reads show the
// platform's default object.
json::object render_project(const resource::View& view, const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["organization_id"] = r.organization_id;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  auto d = r.body.find("description");
  o["description"] = d != r.body.end() ? d->value() : json::value("");
  auto qual = value_of(r.body, "qualification");
  if (qual.is_null() && view.ctx.req.method == "GET") qual = default_qualification();
  o["qualification"] = std::move(qual);
  return o;
}

// The organization a request acts on: the given one must be the caller's own.
Result<std::string> organization_of(Context& ctx, const std::optional<std::string>& given,
                                    const Permission& perm) {
  if (!given || given->empty()) return ctx.principal.organization_id;
  if (!is_uuid(*given))
    return api::fail(ApiError::invalid_argument("organization_id", ArgReason::kFormat,
                                                "value must be a valid UUID"));
  auto org = to_lower(*given);
  if (org != ctx.principal.organization_id)
    return api::fail(ApiError::permissions_denied(
        {{perm.access == Access::kRead ? "read" : "write", std::string(perm.resource)}}));
  return org;
}

// --- projects ---

std::optional<ApiError> create_project(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto description = b.str("description");
  if (auto e = b.error()) return e;
  tx.hold_quota("projects", r.organization_id, true);  // replicas check it in turn
  auto current = tx.count_owned(kProject, r.organization_id);
  if (current >= ctx.svc.config.quota_projects)
    return ApiError::quotas_exceeded(
        {{"projects", ctx.svc.config.quota_projects, current, r.organization_id, {}}});
  r.name = *name;
  r.body = json::object{{"description", description.value_or("")}, {"qualification", nullptr}};
  for (auto& hook : ctx.svc.on_project_create) hook(tx, r, r.created_at);
  return std::nullopt;
}

std::optional<ApiError> project_ids(const Context& ctx, store::ListQuery& q) {
  auto ids = ctx.query_all("project_ids", true);
  if (ids.empty()) return std::nullopt;
  for (auto& id : ids) {
    if (!is_uuid(id))
      return ApiError::invalid_argument("project_ids", ArgReason::kFormat,
                                        "value must be a valid UUID");
    id = to_lower(id);
  }
  q.filters.push_back({Column::kId, Op::kIn, std::move(ids), {}, false});
  return std::nullopt;
}

std::optional<ApiError> keep_default_project(Context&, store::Tx&, const store::Record& r) {
  if (r.id == r.organization_id)
    return ApiError::precondition_failed(
        "resource_still_in_use", "the default project of an organization cannot be deleted");
  return std::nullopt;
}

std::optional<ApiError> empty_project(Context& ctx, store::Tx& tx, const store::Record& r) {
  // Companions the platform created in the project go with it (rolled back if it stays).
  for (auto& hook : ctx.svc.on_project_delete) hook(tx, r.id);
  if (auto n = tx.count_in_project(r.id, kNotProjectResources); n > 0)
    return ApiError::precondition_failed(
        "resource_still_in_use", "project \"" + r.id + "\" still holds " + std::to_string(n) +
                                     " resource(s); delete them first");
  return std::nullopt;
}

std::shared_ptr<const resource::Spec> project_spec() {
  auto s =
      resource::named(kProject, "project", "/account/v3/projects", kProjects.read, kProjects.write);
  s.bad_id_help = "value must be a valid UUID";
  // The platform names the parameter, not the resource, in this not_found.
  s.missing = [](const Context&, std::string_view id, bool) {
    return ApiError::not_found("project_id", id);
  };
  s.render = render_project;
  // The real API answered a list of 42 projects in one page when no page_size was sent.
  s.default_page_size = 100;
  s.filters = {resource::custom("project_ids", project_ids)};
  s.scope_by_id = true;  // a project's id is its own project
  s.create = create_project;
  s.organization_level = true;
  s.patch = {{"name", resource::PatchField::As::kName},
             {"description", resource::PatchField::As::kString}};
  s.can_delete = keep_default_project;
  s.on_delete = empty_project;
  return std::make_shared<const resource::Spec>(std::move(s));
}

Result<json::object> read_qualification(const json::object& in) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kUseCases = {
      {"host_website",
       {"unknown_sub_use_case", "information_website", "ecommerce_website", "high_website",
        "other_sub_use_case"}},
      {"host_application", {"unknown_sub_use_case", "saas_app", "government_app"}},
      {"deploy_software", {"unknown_sub_use_case"}},
      {"set_scaleway_environment", {"unknown_sub_use_case"}},
      {"ai_machine", {"unknown_sub_use_case"}},
      {"container", {"unknown_sub_use_case"}},
      {"archive_data", {"unknown_sub_use_case"}},
      {"share_data", {"unknown_sub_use_case"}},
      {"other_use_case", {"unknown_sub_use_case"}},
  };
  codec::BodyReader b(in, "qualification");
  json::object out;
  auto arch = b.enumeration(
      "architecture_type",
      {"unknown_architecture_type", "object_storage", "web_hosting", "instance", "elastic",
       "kubernetes", "serverless", "dedicated_server", "other_architecture_type"});
  out["architecture_type"] = arch.value_or("unknown_architecture_type");
  int set = 0;
  for (auto& [key, subs] : kUseCases) {
    auto* o = b.object(key);
    if (!o) continue;
    ++set;
    codec::BodyReader sb(*o, "qualification." + std::string(key));
    auto sub = sb.str("sub_use_case");
    std::string value = sub.value_or("unknown_sub_use_case");
    if (std::find(subs.begin(), subs.end(), value) == subs.end())
      b.add(std::string(key) + ".sub_use_case", ArgReason::kConstraint,
            "unknown sub use case '" + value + "'");
    out[key] = json::object{{"sub_use_case", value}};
  }
  if (set > 1) b.add("use_case", ArgReason::kConstraint, "only one use case may be set");
  if (auto e = b.error()) return api::fail(*e);
  return out;
}

Result<Response> set_qualification(const resource::Spec& spec, Context& ctx) {
  if (auto id = resource::path_id(ctx, spec); !id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto* q = b.object("qualification");
  if (auto e = b.error()) return api::fail(*e);
  json::object qual;
  if (q) {
    auto parsed = read_qualification(*q);
    if (!parsed) return api::fail(parsed.error());
    qual = std::move(*parsed);
  } else {
    qual = default_qualification().as_object();
  }
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    r->body["qualification"] = qual;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, json::object{{"project_id", r->id}, {"qualification", qual}});
  });
}

// --- contracts ---

// The contract catalogue: one contract per (type, name), version 1, created on first use.
store::Record ensure_contract(store::Tx& tx, const std::string& type, const std::string& name,
                              Micros now) {
  std::string key = type + "/" + name;
  if (auto c = tx.get_by_key(kContract, key)) return std::move(*c);
  store::Record c;
  c.kind = std::string(kContract);
  c.id = new_uuid();
  c.name = name;
  c.created_at = c.updated_at = now;
  c.keys = {key};
  c.body = json::object{{"type", type}, {"version", 1}};
  tx.insert(c);
  return c;
}

json::object render_signature(const resource::View& view, const store::Record& s) {
  json::object o;
  o["id"] = s.id;
  o["organization_id"] = s.organization_id;
  o["created_at"] = format_time(s.created_at);
  o["signed_at"] = value_of(s.body, "signed_at");
  o["expires_at"] = value_of(s.body, "expires_at");
  json::value contract = nullptr;
  if (auto* c = view.related.find(kContract, s.parent_id)) {
    contract = json::object{{"id", c->id},
                            {"type", c->body.at("type")},
                            {"name", c->name},
                            {"version", c->body.at("version")},
                            {"created_at", format_time(c->created_at)},
                            {"updated_at", format_time(c->updated_at)}};
  }
  o["contract"] = std::move(contract);
  return o;
}

// Signatures are loaded and rendered through the resource layer, but their routes stay explicit:
// the API has no get or delete of one signature, and its writes are create-or-refuse and
// validate-once.
const resource::Spec& signatures() {
  static const resource::Spec spec = [] {
    resource::Spec s;
    s.kind = std::string(kSignature);
    s.resource = "contract_signature";
    s.id_param = "contract_signature_id";
    s.read = kContracts.read;
    s.write = kContracts.write;
    s.bad_id_help = "value must be a valid UUID";
    s.render = render_signature;
    s.related = {
        {std::string(kContract), [](const store::Record& r, std::vector<std::string>& ids) {
           ids.push_back(r.parent_id);
         }}};
    return s;
  }();
  return spec;
}

Result<Response> create_signature(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto type = b.str("contract_type");
  auto name = b.str("contract_name", true);
  auto validated = b.boolean("validated");
  auto org_in = b.str("organization_id");
  if (auto e = b.error()) return api::fail(*e);
  auto org = organization_of(ctx, org_in, kContracts.write);
  if (!org) return api::fail(org.error());
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto contract = ensure_contract(tx, type.value_or("unknown_type"), *name, now);
    store::Record s;
    s.kind = std::string(kSignature);
    s.id = new_uuid();
    s.organization_id = *org;
    s.parent_id = contract.id;
    s.name = contract.name;
    s.created_at = s.updated_at = now;
    s.keys = {*org + "/" + contract.id};
    json::value signed_at = nullptr;
    if (validated.value_or(false)) signed_at = format_time(now);
    s.body = json::object{{"signed_at", signed_at}, {"expires_at", nullptr}};
    try {
      tx.insert(s);
    } catch (const store::DuplicateKey&) {
      return api::fail(ApiError::already_exists("contract_signature", contract.id,
                                                "this organization already signed this contract"));
    }
    return Response::json(200, resource::answer(ctx, tx, signatures(), s));
  });
}

Result<Response> validate_signature(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, signatures(), true);
    if (!s) return api::fail(s.error());
    if (s->body["signed_at"].is_null()) {
      s->body["signed_at"] = format_time(ctx.now());
      s->updated_at = ctx.now();
      tx.update(*s);
    }
    return Response::json(200, resource::answer(ctx, tx, signatures(), *s));
  });
}

Result<Response> check_signature(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto type = b.str("contract_type");
  auto name = b.str("contract_name", true);
  auto org_in = b.str("organization_id");
  if (auto e = b.error()) return api::fail(*e);
  auto org = organization_of(ctx, org_in, kContracts.read);
  if (!org) return api::fail(org.error());
  // contract_type is a filter: absent or unknown_type matches a contract of any type.
  std::string want_type = type.value_or("unknown_type");
  auto tx = ctx.store().begin(store::TxMode::kRead);
  store::ListQuery q;
  q.kind = std::string(kSignature);
  q.filters.push_back({Column::kOrganization, Op::kEq, {*org}, {}, false});
  q.filters.push_back({Column::kName, Op::kEq, {*name}, {}, false});
  q.with_total = false;
  bool created = false, validated = false;
  auto items = tx->list(q).items;
  auto contracts = resource::prefetch(*tx, signatures(), items);
  for (auto& s : items) {
    auto* c = contracts.find(kContract, s.parent_id);
    if (!c) continue;
    if (want_type != "unknown_type" && value_of(c->body, "type") != json::value(want_type))
      continue;
    created = true;
    validated = validated || !s.body["signed_at"].is_null();
  }
  return Response::json(200, json::object{{"created", created}, {"validated", validated}});
}

Result<Response> list_signatures(Context& ctx) {
  auto org = organization_of(ctx, ctx.query_opt("organization_id"), kContracts.read);
  if (!org) return api::fail(org.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = paging::order(
      ctx.req, resource::published_orders(ctx.op, {{"signed_at", Column::kBody, "signed_at"},
                                                   {"expires_at", Column::kBody, "expires_at"}}));
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kSignature);
  q.filters.push_back({Column::kOrganization, Op::kEq, {*org}, {}, false});
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  auto related = resource::prefetch(*tx, signatures(), res.items);
  resource::View view{ctx, related};
  for (auto& s : res.items) items.push_back(render_signature(view, s));
  return Response::json(200, paging::list_body("contract_signatures", std::move(items), res.total));
}

// A small, valid PDF document stating the signature.
std::string contract_pdf(const std::string& text) {
  std::string safe;
  for (char c : text) {
    if (c == '(' || c == ')' || c == '\\') safe += '\\';
    safe += c;
  }
  std::string stream = "BT /F1 12 Tf 72 720 Td (" + safe + ") Tj ET";
  std::vector<std::string> objs = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << "
      "/Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
  for (auto off : offsets) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

Result<Response> download_signature(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, signatures());
  if (!s) return api::fail(s.error());
  auto signed_at = s->body["signed_at"];
  std::string text = "Contract " + s->name + " - organization " + s->organization_id + " - " +
                     (signed_at.is_string() ? "signed at " + std::string(signed_at.get_string())
                                            : std::string("not signed"));
  auto res = Response::raw(200, "application/pdf", contract_pdf(text));
  res.with_header("Content-Disposition", "attachment; filename=\"contract-" + s->name + ".pdf\"");
  return res;
}

class AccountModule final : public app::Module {
 public:
  std::string_view name() const override { return "account"; }
  void register_routes(app::Registry& r, app::Services&) override {
    auto projects = project_spec();
    resource::add_resource(r, projects);
    r.add("POST", "/account/v3/projects/{project_id}/project-qualification", kProjects.write,
          [projects](Context& ctx) { return set_qualification(*projects, ctx); });
    r.add("POST", "/account/v3/contract-signatures", kContracts.write, create_signature);
    r.add("GET", "/account/v3/contract-signatures", kContracts.read, list_signatures);
    r.add("POST", "/account/v3/contract-signatures/{contract_signature_id}/validate",
          kContracts.write, validate_signature);
    r.add("POST", "/account/v3/contract-signatures/check", kContracts.read, check_signature);
    r.add("GET", "/account/v3/contract-signatures/{contract_signature_id}/download",
          kContracts.read, download_signature);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<AccountModule>(); }

}  // namespace scwd::products::account

// Serverless Functions v1beta1: the runtimes catalogue, functions (settings, the presigned upload
// and download of their code, deploy with its checks), and what the module shares with the
// gateway (gateway.cpp) that runs them.
#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/codec/enum_extras.hpp"
#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/named.hpp"
#include "core/resource/records.hpp"
#include "core/sdk/catalog.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/function/function.hpp"
#include "products/function/zip.hpp"

namespace scwd::products::function {

namespace {

const Flavor& F() { return functions_flavor(); }

// Realistic durations (scaled by --lifecycle-speed).
constexpr Micros kDeploy = 90 * kSecond;     // pending -> ready, as a cold deploy was seen
constexpr Micros kDeployFail = 1 * kSecond;  // pending -> error
constexpr Micros kFunctionDelete = 5 * kSecond;
constexpr Micros kUrlLifetime = 3600 * kSecond;

// --- runtimes ---

struct RuntimeInfo {
  std::string_view name, language, version, handler, extension;
};

// The runtimes the pinned SDK names, and those newer clients name (the platform takes them).
const std::vector<RuntimeInfo>& runtime_table() {
  static const std::vector<RuntimeInfo> kTable = [] {
    std::vector<RuntimeInfo> t;
    for (auto [n, v] : {std::pair{"node26", "26"},
                        {"node24", "24"},
                        {"node22", "22"},
                        {"node20", "20"},
                        {"node19", "19"},
                        {"node18", "18"},
                        {"node17", "17"},
                        {"node16", "16"},
                        {"node14", "14"},
                        {"node10", "10"},
                        {"node8", "8"}})
      t.push_back({n, "Node", v, "handler.handle", "js"});
    for (auto [n, v] : {std::pair{"python314", "3.14"},
                        {"python313", "3.13"},
                        {"python312", "3.12"},
                        {"python311", "3.11"},
                        {"python310", "3.10"},
                        {"python39", "3.9"},
                        {"python38", "3.8"},
                        {"python37", "3.7"},
                        {"python3", ""},
                        {"python", "2.7"}})
      t.push_back({n, "Python", v, "handler.handle", "py"});
    for (auto [n, v] : {std::pair{"go126", "1.26"},
                        {"go125", "1.25"},
                        {"go124", "1.24"},
                        {"go123", "1.23"},
                        {"go122", "1.22"},
                        {"go121", "1.21"},
                        {"go120", "1.20"},
                        {"go119", "1.19"},
                        {"go118", "1.18"},
                        {"go117", "1.17"},
                        {"go113", "1.13"},
                        {"golang", ""}})
      t.push_back(
          {n, "Go", v,
           std::string_view(n) == "golang" || std::string_view(n) == "go113" ? "." : "Handle",
           "go"});
    for (auto [n, v] : {std::pair{"rust196", "1.96"},
                        {"rust185", "1.85"},
                        {"rust179", "1.79"},
                        {"rust165", "1.65"}})
      t.push_back({n, "Rust", v, "handle", "rs"});
    for (auto [n, v] :
         {std::pair{"php85", "8.5"}, {"php84", "8.4"}, {"php83", "8.3"}, {"php82", "8.2"}})
      t.push_back({n, "PHP", v, "handler.handle", "php"});
    return t;
  }();
  return kTable;
}

const RuntimeInfo* find_runtime(std::string_view name) {
  for (auto& r : runtime_table())
    if (r.name == name) return &r;
  return nullptr;
}

std::string code_sample(const RuntimeInfo& r) {
  if (r.language == "Node")
    return "export function handle(event, context) {\n  return { statusCode: 200, body: "
           "\"Hello from \" + event.path };\n}\n";
  if (r.language == "Python")
    return "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"Hello from "
           "\" + event[\"path\"]}\n";
  return "";
}

Response list_runtimes(Context&) {
  json::array out;
  for (auto& r : runtime_table()) {
    bool runs = !runtime_language(r.name).empty();
    out.push_back(
        json::object{{"name", r.name},
                     {"language", r.language},
                     {"version", r.version},
                     {"default_handler", r.handler},
                     {"code_sample", code_sample(r)},
                     {"status", "available"},
                     {"status_message", runs ? "" : "scwd deploys this runtime but cannot run it"},
                     {"extension", r.extension},
                     {"implementation", ""},
                     {"logo_url", ""}});
  }
  auto n = out.size();
  return Response::json(200, json::object{{"runtimes", std::move(out)}, {"total_count", n}});
}

// --- functions ---

json::value null_or(const json::object& body, std::string_view key) {
  auto s = str_of(body, key);
  return s.empty() ? json::value(nullptr) : json::value(s);
}

std::int64_t cpu_for(std::int64_t memory_mb) { return memory_mb * 70 / 128; }

json::object render_function(const store::Record& r) {
  auto ready_at = int_of(r.body, "ready_at");
  return {{"id", r.id},
          {"name", r.name},
          {"namespace_id", r.parent_id},
          {"status", r.state},
          {"environment_variables", value_of(r.body, "environment_variables")},
          {"min_scale", int_of(r.body, "min_scale")},
          {"max_scale", int_of(r.body, "max_scale")},
          {"runtime", str_of(r.body, "runtime")},
          {"memory_limit", int_of(r.body, "memory_limit")},
          {"cpu_limit", cpu_for(int_of(r.body, "memory_limit"))},
          {"timeout", format_duration(int_of(r.body, "timeout"))},
          {"handler", str_of(r.body, "handler")},
          {"error_message", null_or(r.body, "error_message")},
          {"build_message", null_or(r.body, "build_message")},
          {"privacy", str_of(r.body, "privacy")},
          {"description", str_of(r.body, "description")},
          {"domain_name", str_of(r.body, "domain_name")},
          {"secret_environment_variables", render_secrets(r.body)},
          {"region", r.locality},
          {"http_option", str_of(r.body, "http_option")},
          {"runtime_message", ""},
          {"sandbox", str_of(r.body, "sandbox")},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"ready_at", ready_at ? json::value(format_time(ready_at)) : json::value(nullptr)},
          {"tags", strings_json(r.tags)},
          {"private_network_id", null_or(r.body, "private_network_id")}};
}

bool is_set(const std::optional<std::string>& s, std::string_view zero) {
  return s && !s->empty() && *s != zero;
}

// Settings a create or update body sets (fields absent, null or at their enum's zero value keep
// the current ones).
std::optional<ApiError> apply_settings(Context& ctx, store::Record& r, bool creating) {
  codec::BodyReader b(ctx.body);
  auto min_scale = b.integer("min_scale");
  auto max_scale = b.integer("max_scale");
  auto runtime = b.str("runtime");
  auto memory = b.integer("memory_limit");
  auto timeout = b.str("timeout");
  auto handler = b.str("handler");
  auto privacy = b.str("privacy");
  auto description = b.str("description");
  auto http_option = b.str("http_option");
  auto sandbox = b.str("sandbox");
  auto pn = b.str("private_network_id");
  if (auto e = b.error()) return e;
  auto& body = r.body;
  if (auto e = check_env(ctx.body.if_contains("environment_variables"), "environment_variables"))
    return e;
  if (auto* env = ctx.body.if_contains("environment_variables"); env && env->is_object())
    body["environment_variables"] = *env;
  if (auto* s = ctx.body.if_contains("secret_environment_variables"); s && !s->is_null()) {
    auto& stored = body["secrets"];
    if (!stored.is_array()) stored = json::array{};
    if (auto e = apply_secrets(ctx, stored.as_array(), s, "secret_environment_variables")) return e;
  }
  if (min_scale) body["min_scale"] = *min_scale;
  if (max_scale) body["max_scale"] = *max_scale;
  if (int_of(body, "min_scale") < 0) return ApiError::constraint("min_scale", "must be 0 or more");
  if (int_of(body, "max_scale") < 1) return ApiError::constraint("max_scale", "must be 1 or more");
  if (int_of(body, "min_scale") > int_of(body, "max_scale"))
    return ApiError::constraint("min_scale", "min_scale must not exceed max_scale");
  if (is_set(runtime, "unknown_runtime")) {
    auto* info = find_runtime(*runtime);
    if (!info) return ApiError::constraint("runtime", "unknown runtime '" + *runtime + "'");
    body["runtime"] = *runtime;
    if (creating && !is_set(handler, "")) body["handler"] = std::string(info->handler);
  }
  if (creating && str_of(body, "runtime").empty())
    return ApiError::invalid_argument("runtime", ArgReason::kRequired, "runtime is required");
  if (memory && *memory != 0) {
    static const std::vector<std::int64_t> kSizes = {128, 256, 512, 1024, 2048, 3072, 4096};
    if (std::find(kSizes.begin(), kSizes.end(), *memory) == kSizes.end())
      return ApiError::constraint("memory_limit",
                                  "must be one of 128, 256, 512, 1024, 2048, 3072, 4096");
    body["memory_limit"] = *memory;
  }
  if (timeout && !timeout->empty()) {
    auto d = parse_duration(*timeout);
    if (!d) return ApiError::invalid_argument("timeout", ArgReason::kFormat, "invalid duration");
    if (*d < kSecond || *d > 900 * kSecond)
      return ApiError::constraint("timeout", "must be between 1s and 900s");
    body["timeout"] = *d;
  }
  if (is_set(handler, "")) body["handler"] = *handler;
  if (is_set(privacy, "unknown_privacy")) body["privacy"] = *privacy;
  if (description) body["description"] = *description;
  if (is_set(http_option, "unknown_http_option")) body["http_option"] = *http_option;
  if (is_set(sandbox, "unknown_sandbox")) body["sandbox"] = *sandbox;
  // An empty id detaches the function from its Private Network.
  if (pn && !pn->empty() && !is_uuid(*pn))
    return ApiError::invalid_argument("private_network_id", ArgReason::kFormat, "invalid UUID");
  if (pn) body["private_network_id"] = to_lower(*pn);
  if (auto* tags = ctx.body.if_contains("tags"); tags && tags->is_array()) {
    r.tags.clear();
    for (auto& t : tags->as_array())
      if (t.is_string()) r.tags.emplace_back(t.as_string());
  }
  return std::nullopt;
}

}  // namespace

// --- code storage ---

std::filesystem::path Functions::archive_path(std::string_view function_id) const {
  return data_ / "archives" / (std::string(function_id) + ".zip");
}
std::filesystem::path Functions::deployed_path(std::string_view function_id,
                                               std::string_view sha) const {
  return data_ / "code" / std::string(function_id) / (std::string(sha) + ".zip");
}

std::string Functions::sign(std::string_view method, std::string_view function_id,
                            std::int64_t length, Micros expires) const {
  return svc_->config.secrets.seal(std::string(method) + "|" + std::string(function_id) + "|" +
                                   std::to_string(length) + "|" + std::to_string(expires));
}

std::optional<std::string> Functions::verify(std::string_view signature, std::string_view method,
                                             std::string_view function_id,
                                             std::int64_t length) const {
  auto plain = svc_->config.secrets.open(signature);
  if (!plain) return "the signature does not match";
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto bar = plain->find('|', start);
    parts.push_back(plain->substr(start, bar == std::string::npos ? bar : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 4 || parts[0] != method || parts[1] != function_id)
    return "the signature does not match";
  if (length >= 0 && parts[2] != std::to_string(length))
    return "the body's length is not the one signed";
  if (std::stoll(parts[3]) < svc_->clock.now()) return "the URL has expired";
  return std::nullopt;
}

std::string Functions::code_url(const Context& ctx, std::string_view method,
                                std::string_view function_id, std::int64_t length) const {
  auto* host = ctx.req.header("Host");
  std::string base = "http://" + (host && !host->empty() ? *host : svc_->config.listen);
  auto expires = ctx.now() + kUrlLifetime;
  auto sig = sign(method, function_id, length, expires);
  std::string enc;
  for (unsigned char c : sig) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      enc += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      enc += buf;
    }
  }
  return base + std::string(kCodePrefix) + std::string(function_id) +
         ".zip?expires=" + std::to_string(expires / kSecond) + "&signature=" + enc;
}

// What deploy finds in the uploaded archive: the code to run, or why it cannot run.
struct CodeCheck {
  std::string error;
  std::string sha;
};

CodeCheck Functions::check_code(const store::Record& f) const {
  auto runtime = str_of(f.body, "runtime");
  auto lang = runtime_language(runtime);
  if (lang.empty())
    return {"runtime " + runtime + " cannot run here: scwd runs the node and python3 runtimes only",
            ""};
  std::ifstream in(archive_path(f.id), std::ios::binary);
  if (!in) return {"no code was uploaded for this function", ""};
  std::string data((std::istreambuf_iterator<char>(in)), {});
  std::string error;
  auto zip = ZipArchive::open(data, error);
  if (!zip) return {"the uploaded archive is not valid: " + error, ""};
  auto handler = str_of(f.body, "handler");
  auto [file, fn] = handler_parts(handler);
  if (file.empty()) return {"the handler '" + handler + "' is not of the form file.function", ""};
  std::vector<std::string> names;
  if (lang == "node")
    names = {file + ".js", file + ".mjs", file + ".cjs"};
  else
    names = {file + ".py"};
  const ZipArchive::Entry* entry = nullptr;
  for (auto& n : names)
    if ((entry = zip->find(n))) break;
  if (!entry) return {"the handler file " + names.front() + " is not in the archive", ""};
  auto text = zip->read(*entry, error);
  if (!text) return {"the uploaded archive is not valid: " + error, ""};
  if (text->find(fn) == std::string::npos)
    return {"the handler function " + fn + " is not defined in " + entry->name, ""};
  auto sha = sha256_hex(data);
  auto target = deployed_path(f.id, sha);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  std::filesystem::copy_file(archive_path(f.id), target,
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return {"the code could not be stored", ""};
  return {"", sha};
}

void Functions::start_deploy(Context& ctx, store::Record& f) const {
  auto check = check_code(f);
  f.body["build_message"] = "";
  if (!check.error.empty()) {
    f.body["deploy_error"] = check.error;
    ctx.svc.lifecycle.start(f, ctx.now(), {{"pending", 0, ""}, {"error", kDeployFail, ""}});
    return;
  }
  f.body["deploying"] = json::object{{"sha", check.sha}, {"generation", new_uuid()}};
  ctx.svc.lifecycle.start(f, ctx.now(), {{"pending", 0, ""}, {"ready", kDeploy, ""}});
}

std::optional<Deployment> Functions::deployment(const store::Record& f,
                                                const store::Record& ns) const {
  auto* dep = f.body.if_contains("deployed");
  if (!dep || !dep->is_object()) return std::nullopt;
  Deployment d;
  d.function_id = f.id;
  d.function_name = f.name;
  d.organization_id = f.organization_id;
  d.project_id = f.project_id;
  d.region = f.locality;
  d.generation = str_of(dep->as_object(), "generation");
  d.language = runtime_language(str_of(f.body, "runtime"));
  d.handler = str_of(f.body, "handler");
  d.archive = deployed_path(f.id, str_of(dep->as_object(), "sha"));
  for (auto* body : {&ns.body, &f.body})
    if (auto* env = body->if_contains("environment_variables"); env && env->is_object())
      for (auto& [k, v] : env->as_object())
        if (v.is_string()) d.env.emplace_back(std::string(k), std::string(v.as_string()));
  for (auto* body : {&ns.body, &f.body})
    for (auto& kv : open_secrets(svc_->config.secrets, *body)) d.env.push_back(std::move(kv));
  d.max_scale = static_cast<int>(int_of(f.body, "max_scale", 5));
  d.memory_mb = static_cast<int>(int_of(f.body, "memory_limit", 256));
  d.timeout = std::chrono::milliseconds(int_of(f.body, "timeout", 300 * kSecond) / 1000);
  return d;
}

// Runtimes newer than the pinned SDK: accepted wherever the SDK's runtime enum is validated.
void allow_newer_runtimes() {
  for (auto& op : sdk::operations()) {
    if (op.name != "createFunction") continue;
    for (auto& field : op.body)
      if (field.name == "runtime")
        codec::allow_enum_values(field.enum_values, {"node24", "node26", "go125", "go126", "php85",
                                                     "python314", "rust196"});
  }
}

void Functions::register_functions(app::Registry& reg) {
  allow_newer_runtimes();
  auto& f = F();
  svc_->lifecycle.on_enter(
      f.app_kind(), [this](store::Tx& tx, store::Record& r, const lifecycle::Step& s, Micros at) {
        if (s.state == "ready") {
          if (auto* d = r.body.if_contains("deploying"); d && d->is_object()) {
            r.body["deployed"] = *d;
            r.body.erase("deploying");
          }
          r.body["error_message"] = "";
          r.body["ready_at"] = at;
        } else if (s.state == "error") {
          r.body["error_message"] = str_of(r.body, "deploy_error");
          r.body.erase("deploy_error");
        } else if (s.state == lifecycle::kDeleted) {
          remove_app_children(tx, F(), r.id);
          if (runner_) runner_->stop(r.id);
          std::error_code ec;
          std::filesystem::remove(archive_path(r.id), ec);
          std::filesystem::remove_all(deployed_path(r.id, "x").parent_path(), ec);
        }
      });
  auto s = resource::named(f.app_kind(), "function", f.base + "/functions", f.read("function"),
                           f.write("function"));
  platform_404(s, "Function was not found");
  s.render = [](const resource::View&, const store::Record& r) { return render_function(r); };
  in_namespace(s, f);
  s.create_refs.not_refs = {"private_network_id"};
  s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    auto ns = new_app(ctx, tx, F(), r, false);
    if (!ns) return ns.error();
    r.body = {{"namespace_id", ns->id},
              {"environment_variables", json::object{}},
              {"secrets", json::array{}},
              {"min_scale", 0},
              {"max_scale", 5},
              {"runtime", ""},
              {"memory_limit", 256},
              {"timeout", 300 * kSecond},
              {"handler", ""},
              {"privacy", "public"},
              {"description", ""},
              {"http_option", "enabled"},
              {"sandbox", "v2"},
              {"error_message", ""},
              {"build_message", ""},
              {"ready_at", 0},
              {"private_network_id", ""},
              {"domain_name", app_domain(*ns, r.name)}};
    if (auto e = apply_settings(ctx, r, true)) return e;
    if (auto e = claim_host(tx, F(), r)) return e;
    r.state = "created";
    return std::nullopt;
  };
  s.update_refs.not_refs = {"private_network_id"};
  s.update = [this](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    if (r.state == "deleting" || r.state == "pending")
      return ApiError::transient_state("function", r.id, r.state);
    if (auto e = apply_settings(ctx, r, false)) return e;
    // Any update deploys the function again with its settings, as the platform does (one
    // never given code ends in error).
    start_deploy(ctx, r);
    return std::nullopt;
  };
  s.patch = {{"tags", resource::PatchField::As::kTags}};
  s.deletable = false;
  s.actions = {{"POST", "deploy",
                [this](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
                  if (r.state == "deleting" || r.state == "pending")
                    return ApiError::transient_state("function", r.id, r.state);
                  start_deploy(ctx, r);
                  return std::nullopt;
                }}};
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  const std::string one = f.base + "/functions/{function_id}";
  reg.add("DELETE", one, f.write("function"),
          [spec](Context& ctx) { return delete_with_status(*spec, ctx, kFunctionDelete); });
  reg.add("GET", f.base + "/runtimes", f.read("runtime"), list_runtimes);
  reg.add("GET", one + "/upload-url", f.write("function"),
          [this, spec](Context& ctx) -> Result<Response> {
            auto tx = ctx.store().begin(store::TxMode::kRead);
            auto fn = resource::load(ctx, *tx, *spec);
            if (!fn) return api::fail(fn.error());
            auto len = ctx.query_opt("content_length");
            std::int64_t n = -1;
            if (len) try {
                n = std::stoll(*len);
              } catch (...) {
              }
            if (n <= 0)
              return api::fail(ApiError::invalid_argument("content_length", ArgReason::kRequired,
                                                          "the archive's size is required"));
            if (static_cast<std::uint64_t>(n) > svc_->config.body_limit)
              return api::fail(ApiError::constraint(
                  "content_length", "archives up to " + std::to_string(svc_->config.body_limit) +
                                        " bytes can be uploaded (--body-limit)"));
            return Response::json(
                200,
                json::object{
                    {"url", code_url(ctx, "PUT", fn->id, n)},
                    {"headers",
                     json::object{{"content-length", json::array{std::to_string(n)}},
                                  {"content-type", json::array{"application/octet-stream"}}}}});
          })
      .reads_only();
  reg.add("GET", one + "/download-url", f.read("function"),
          [this, spec](Context& ctx) -> Result<Response> {
            auto tx = ctx.store().begin(store::TxMode::kRead);
            auto fn = resource::load(ctx, *tx, *spec);
            if (!fn) return api::fail(fn.error());
            if (!std::filesystem::exists(archive_path(fn->id)))
              return api::fail(ApiError(404, json::object{{"message", "Code was not found"}}));
            return Response::json(200, json::object{{"url", code_url(ctx, "GET", fn->id, -1)},
                                                    {"headers", json::object{}}});
          });
}

std::optional<http::Staged> Functions::serve_code(http::Request& req) {
  if (!req.path.starts_with(kCodePrefix)) return std::nullopt;
  auto file = std::string_view(req.path).substr(kCodePrefix.size());
  auto answer = [](int status, std::string message) {
    return http::Staged(Response::json(status, json::object{{"message", std::move(message)}}));
  };
  if (!file.ends_with(".zip")) return answer(404, "not found");
  auto id = std::string(file.substr(0, file.size() - 4));
  if (!is_uuid(id)) return answer(404, "not found");
  auto* sig = req.query_value("signature");
  if (!sig) return answer(403, "the URL is not signed");
  if (req.method == "PUT") {
    auto* length = req.header("Content-Length");
    std::int64_t n = -1;
    if (length) try {
        n = std::stoll(*length);
      } catch (...) {
      }
    if (n < 0 || static_cast<std::size_t>(n) != req.body.size())
      return answer(411, "Content-Length must give the archive's size");
    if (auto e = verify(*sig, "PUT", id, n)) return answer(403, *e);
    auto* type = req.header("Content-Type");
    if (!type || *type != "application/octet-stream")
      return answer(403, "Content-Type must be application/octet-stream, as signed");
    auto path = archive_path(id);
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    auto tmp = path;
    tmp += ".part";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
      if (!out) return answer(500, "the archive could not be stored");
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) return answer(500, "the archive could not be stored");
    return http::Staged(Response::raw(200, "text/plain", ""));
  }
  if (req.method == "GET") {
    if (auto e = verify(*sig, "GET", id, -1)) return answer(403, *e);
    std::ifstream in(archive_path(id), std::ios::binary);
    if (!in) return answer(404, "no code was uploaded");
    std::string data((std::istreambuf_iterator<char>(in)), {});
    return http::Staged(Response::raw(200, "application/zip", std::move(data)));
  }
  return answer(405, "method not allowed");
}

}  // namespace scwd::products::function

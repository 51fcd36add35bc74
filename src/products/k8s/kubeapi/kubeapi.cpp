#include "products/k8s/kubeapi/kubeapi.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>
#include <set>
#include <variant>
#include <vector>

#include "core/util/crypto.hpp"
#include "core/util/encoding.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/k8s/kubeapi/patch.hpp"
#include "products/k8s/kubeapi/protobuf.hpp"

namespace scwd::products::k8s {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------
// resources

struct Resource {
  std::string_view name;  // plural, as in paths
  std::string_view singular;
  std::string_view kind;
  bool namespaced;
  bool stored;  // kept in the store; nodes are read from the control plane
  std::string_view short_name;
};

constexpr Resource kConfigMaps{"configmaps", "configmap", "ConfigMap", true, true, "cm"};
constexpr Resource kNamespaces{"namespaces", "namespace", "Namespace", false, true, "ns"};
constexpr Resource kNodes{"nodes", "node", "Node", false, false, "no"};
constexpr Resource kSecrets{"secrets", "secret", "Secret", true, true, ""};
constexpr const Resource* kResources[] = {&kConfigMaps, &kNamespaces, &kNodes, &kSecrets};

const Resource* find_resource(std::string_view name) {
  for (auto* r : kResources)
    if (r->name == name) return r;
  return nullptr;
}

// Every cluster has them from the start (resourceVersions 1 to 4, in this order).
constexpr std::string_view kDefaultNamespaces[] = {"default", "kube-node-lease", "kube-public",
                                                   "kube-system"};
constexpr std::int64_t kInitialVersion = 4;
// The namespaces the platform refuses to delete.
constexpr std::string_view kImmortalNamespaces[] = {"default", "kube-public", "kube-system"};

// ---------------------------------------------------------------------------------------------
// answers

struct Failure {
  int code;
  std::string reason;
  std::string message;
  std::optional<json::object> details;
};

http::Response failure(const Failure& f) {
  json::object o{{"kind", "Status"},    {"apiVersion", "v1"},   {"metadata", json::object{}},
                 {"status", "Failure"}, {"message", f.message}, {"reason", f.reason}};
  if (f.details) o["details"] = *f.details;
  o["code"] = f.code;
  return http::Response::json(f.code, o);
}

Failure unknown_path() {
  return {404, "NotFound", "the server could not find the requested resource", json::object{}};
}

Failure not_allowed() {
  return {405, "MethodNotAllowed",
          "the server does not allow this method on the requested resource", json::object{}};
}

Failure bad_request(std::string message) { return {400, "BadRequest", std::move(message), {}}; }

Failure not_found(std::string_view resource, std::string_view name) {
  return {404, "NotFound", fmt::format("{} \"{}\" not found", resource, name),
          json::object{{"name", name}, {"kind", resource}}};
}

Failure already_exists(std::string_view resource, std::string_view name) {
  return {409, "AlreadyExists", fmt::format("{} \"{}\" already exists", resource, name),
          json::object{{"name", name}, {"kind", resource}}};
}

Failure conflict(std::string_view resource, std::string_view name) {
  return {409, "Conflict",
          fmt::format("Operation cannot be fulfilled on {} \"{}\": the object has been modified; "
                      "please apply your changes to the latest version and try again",
                      resource, name),
          json::object{{"name", name}, {"kind", resource}}};
}

// A field that fails validation (422).
struct FieldError {
  std::string field;
  std::string message;  // "Invalid value: ...", "Required value: ..."
};

Failure invalid(std::string_view kind, std::string_view name, const FieldError& e) {
  json::array causes{
      json::object{{"reason", e.message.starts_with("Required value") ? "FieldValueRequired"
                                                                      : "FieldValueInvalid"},
                   {"message", e.message},
                   {"field", e.field}}};
  return {422, "Invalid",
          fmt::format("{} \"{}\" is invalid: {}: {}", kind, name, e.field, e.message),
          json::object{{"name", name}, {"kind", kind}, {"causes", std::move(causes)}}};
}

Failure cannot_decode(const Resource& r, std::string_view why) {
  return bad_request(
      fmt::format("{} in version \"v1\" cannot be handled as a {}: {}", r.kind, r.kind, why));
}

// ---------------------------------------------------------------------------------------------
// small helpers

// RFC 3339 in whole seconds, as Kubernetes writes times.
std::string kube_time(Micros t) {
  std::time_t s = static_cast<std::time_t>(t / 1000000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// How long ago, as kubectl's AGE column shows it.
std::string human_duration(Micros d) {
  std::int64_t seconds = d / 1000000;
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return fmt::format("{}s", seconds);
  std::int64_t minutes = seconds / 60;
  if (minutes < 10) {
    auto s = seconds % 60;
    return s == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, s);
  }
  if (minutes < 180) return fmt::format("{}m", minutes);
  std::int64_t hours = seconds / 3600;
  if (hours < 8) {
    auto m = minutes % 60;
    return m == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, m);
  }
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8) {
    auto h = hours % 24;
    return h == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    auto dy = (hours / 24) % 365;
    return dy == 0 ? fmt::format("{}y", hours / 24 / 365)
                   : fmt::format("{}y{}d", hours / 24 / 365, dy);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

bool is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || !is_alnum_lower(s.front()) || !is_alnum_lower(s.back()))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum_lower(c) || c == '-'; });
}

bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t pos = 0;
  for (;;) {
    auto dot = s.find('.', pos);
    auto label = s.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (label.empty() || !is_alnum_lower(label.front()) || !is_alnum_lower(label.back()) ||
        !std::all_of(label.begin(), label.end(),
                     [](char c) { return is_alnum_lower(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    pos = dot + 1;
  }
}

constexpr std::string_view kSubdomainRule =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr std::string_view kLabelRule =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

// A label value, or the name part of a qualified name: 63 characters at most, alphanumeric at
// both ends, '-', '_' and '.' inside.
bool is_label_value(std::string_view s) {
  if (s.empty()) return true;
  auto an = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (s.size() > 63 || !an(s.front()) || !an(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return an(c) || c == '-' || c == '_' || c == '.'; });
}

bool is_qualified_name(std::string_view s) {
  auto slash = s.find('/');
  if (slash != std::string_view::npos) {
    if (!is_dns_subdomain(s.substr(0, slash))) return false;
    s = s.substr(slash + 1);
  }
  return !s.empty() && is_label_value(s);
}

bool is_config_key(std::string_view s) {
  if (s.empty() || s.size() > 253 || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

std::string jquote(std::string_view s) { return http::to_json(json::string(s)); }

const json::object* object_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::string meta_str(const json::object& obj, std::string_view key) {
  auto* m = object_at(obj, "metadata");
  return m ? str_of(*m, key) : std::string();
}

json::object& meta(json::object& obj) {
  auto* m = obj.if_contains("metadata");
  if (!m || !m->is_object()) obj["metadata"] = json::object{};
  return obj["metadata"].as_object();
}

// ---------------------------------------------------------------------------------------------
// selectors (list options)

struct LabelRequirement {
  std::string key;
  enum Op { kEq, kNe, kIn, kNotIn, kExists, kNotExists } op;
  std::vector<std::string> values;
};

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::optional<std::vector<LabelRequirement>> parse_label_selector(std::string_view sel,
                                                                  std::string& error) {
  std::vector<LabelRequirement> out;
  // Requirements split on commas outside parentheses.
  std::vector<std::string> parts;
  int depth = 0;
  std::string cur;
  for (char c : sel) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!sel.empty()) parts.push_back(cur);
  for (auto& raw : parts) {
    auto p = trim(raw);
    LabelRequirement r;
    auto set_values = [&](std::string_view list) -> bool {
      list = std::string_view(trim(list));
      if (list.size() < 2 || list.front() != '(' || list.back() != ')') return false;
      std::string inner(list.substr(1, list.size() - 2));
      std::size_t pos = 0;
      for (;;) {
        auto comma = inner.find(',', pos);
        r.values.push_back(trim(std::string_view(inner).substr(
            pos, comma == std::string::npos ? std::string::npos : comma - pos)));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
      return true;
    };
    std::size_t at = 0;
    if (!p.empty() && p[0] == '!') {
      r.key = trim(std::string_view(p).substr(1));
      r.op = LabelRequirement::kNotExists;
    } else if ((at = p.find("!=")) != std::string::npos) {
      r.key = trim(std::string_view(p).substr(0, at));
      r.op = LabelRequirement::kNe;
      r.values = {trim(std::string_view(p).substr(at + 2))};
    } else if ((at = p.find("==")) != std::string::npos) {
      r.key = trim(std::string_view(p).substr(0, at));
      r.op = LabelRequirement::kEq;
      r.values = {trim(std::string_view(p).substr(at + 2))};
    } else if ((at = p.find('=')) != std::string::npos) {
      r.key = trim(std::string_view(p).substr(0, at));
      r.op = LabelRequirement::kEq;
      r.values = {trim(std::string_view(p).substr(at + 1))};
    } else if ((at = p.find(" notin ")) != std::string::npos) {
      r.key = trim(std::string_view(p).substr(0, at));
      r.op = LabelRequirement::kNotIn;
      if (!set_values(std::string_view(p).substr(at + 7))) r.key.clear();
    } else if ((at = p.find(" in ")) != std::string::npos) {
      r.key = trim(std::string_view(p).substr(0, at));
      r.op = LabelRequirement::kIn;
      if (!set_values(std::string_view(p).substr(at + 4))) r.key.clear();
    } else {
      r.key = p;
      r.op = LabelRequirement::kExists;
    }
    bool ok = is_qualified_name(r.key);
    for (auto& v : r.values) ok = ok && is_label_value(v);
    if (!ok) {
      error = "unable to parse requirement: " + p;
      return std::nullopt;
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool labels_match(const json::object& obj, const std::vector<LabelRequirement>& reqs) {
  json::object empty;
  auto* m = object_at(obj, "metadata");
  const json::object* labels = m ? object_at(*m, "labels") : nullptr;
  if (!labels) labels = &empty;
  for (auto& r : reqs) {
    auto* v = labels->if_contains(r.key);
    std::string val = v && v->is_string() ? std::string(v->as_string()) : std::string();
    bool in = std::find(r.values.begin(), r.values.end(), val) != r.values.end();
    switch (r.op) {
      case LabelRequirement::kEq:
      case LabelRequirement::kIn:
        if (!v || !in) return false;
        break;
      case LabelRequirement::kNe:
      case LabelRequirement::kNotIn:
        if (v && in) return false;
        break;
      case LabelRequirement::kExists:
        if (!v) return false;
        break;
      case LabelRequirement::kNotExists:
        if (v) return false;
        break;
    }
  }
  return true;
}

struct FieldRequirement {
  std::string field;
  bool equal;
  std::string value;
};

std::string field_value(const json::object& obj, std::string_view field) {
  if (field == "metadata.name") return meta_str(obj, "name");
  if (field == "metadata.namespace") return meta_str(obj, "namespace");
  if (field == "type") return str_of(obj, "type");
  if (field == "status.phase") {
    auto* s = object_at(obj, "status");
    return s ? str_of(*s, "phase") : std::string();
  }
  return {};
}

std::optional<std::vector<FieldRequirement>> parse_field_selector(const Resource& r,
                                                                  std::string_view sel,
                                                                  Failure& fail) {
  std::vector<FieldRequirement> out;
  std::size_t pos = 0;
  while (pos < sel.size()) {
    auto comma = sel.find(',', pos);
    auto term = trim(
        sel.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    pos = comma == std::string_view::npos ? sel.size() : comma + 1;
    if (term.empty()) continue;
    FieldRequirement f;
    std::size_t at;
    if ((at = term.find("!=")) != std::string::npos) {
      f.equal = false;
      f.field = trim(std::string_view(term).substr(0, at));
      f.value = trim(std::string_view(term).substr(at + 2));
    } else if ((at = term.find("==")) != std::string::npos) {
      f.equal = true;
      f.field = trim(std::string_view(term).substr(0, at));
      f.value = trim(std::string_view(term).substr(at + 2));
    } else if ((at = term.find('=')) != std::string::npos) {
      f.equal = true;
      f.field = trim(std::string_view(term).substr(0, at));
      f.value = trim(std::string_view(term).substr(at + 1));
    } else {
      fail = bad_request("invalid selector: '" + std::string(sel) + "'; can't understand '" + term +
                         "'");
      return std::nullopt;
    }
    bool known = f.field == "metadata.name" || (f.field == "metadata.namespace" && r.namespaced) ||
                 (f.field == "type" && &r == &kSecrets) ||
                 (f.field == "status.phase" && &r == &kNamespaces);
    if (!known) {
      fail = bad_request("field label not supported: " + f.field);
      return std::nullopt;
    }
    out.push_back(std::move(f));
  }
  return out;
}

bool fields_match(const json::object& obj, const std::vector<FieldRequirement>& reqs) {
  for (auto& f : reqs)
    if ((field_value(obj, f.field) == f.value) != f.equal) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// tables (kubectl get)

json::object column(std::string_view name, std::string_view description, int priority = 0,
                    std::string_view format = "") {
  return json::object{{"name", name},
                      {"type", "string"},
                      {"format", format},
                      {"description", description},
                      {"priority", priority}};
}

json::array table_columns(const Resource& r) {
  json::array cols{column("Name", "Name must be unique within a namespace.", 0, "name")};
  if (&r == &kNodes) {
    cols.push_back(column("Status", "The status of the node"));
    cols.push_back(column("Roles", "The roles of the node"));
  } else if (&r == &kNamespaces) {
    cols.push_back(column("Status", "The status of the namespace"));
  } else if (&r == &kSecrets) {
    cols.push_back(column("Type", "The type of the secret"));
    cols.push_back(column("Data", "Number of items in the secret"));
  } else {
    cols.push_back(column("Data", "Number of items in the config map"));
  }
  cols.push_back(column("Age", "The time since the object was created."));
  if (&r == &kNodes) {
    cols.push_back(column("Version", "The kubelet's version"));
    cols.push_back(column("Internal-IP", "The node's internal address", 1));
    cols.push_back(column("External-IP", "The node's external address", 1));
    cols.push_back(column("OS-Image", "The node's operating system image", 1));
    cols.push_back(column("Kernel-Version", "The node's kernel version", 1));
    cols.push_back(column("Container-Runtime", "The node's container runtime", 1));
  }
  return cols;
}

std::size_t map_size(const json::object& obj, std::string_view key) {
  auto* m = object_at(obj, key);
  return m ? m->size() : 0;
}

json::array table_cells(const Resource& r, const json::object& obj, Micros now) {
  auto created = parse_time(meta_str(obj, "creationTimestamp"));
  std::string age = created ? human_duration(now - *created) : "<unknown>";
  json::array cells{json::string(meta_str(obj, "name"))};
  auto* status = object_at(obj, "status");
  if (&r == &kNodes) {
    std::string ready = "Unknown";
    if (status)
      if (auto* conds = status->if_contains("conditions"); conds && conds->is_array())
        for (auto& c : conds->as_array())
          if (c.is_object() && str_of(c.as_object(), "type") == "Ready")
            ready = str_of(c.as_object(), "status") == "True" ? "Ready" : "NotReady";
    cells.emplace_back(ready);
    cells.emplace_back("<none>");
    cells.emplace_back(age);
    std::string internal = "<none>", external = "<none>", os = "<unknown>", kernel = "<unknown>",
                runtime = "<unknown>", version;
    if (status) {
      if (auto* addrs = status->if_contains("addresses"); addrs && addrs->is_array())
        for (auto& a : addrs->as_array()) {
          if (!a.is_object()) continue;
          auto type = str_of(a.as_object(), "type");
          if (type == "InternalIP") internal = str_of(a.as_object(), "address");
          if (type == "ExternalIP") external = str_of(a.as_object(), "address");
        }
      if (auto* info = object_at(*status, "nodeInfo")) {
        version = str_of(*info, "kubeletVersion");
        if (auto v = str_of(*info, "osImage"); !v.empty()) os = v;
        if (auto v = str_of(*info, "kernelVersion"); !v.empty()) kernel = v;
        if (auto v = str_of(*info, "containerRuntimeVersion"); !v.empty()) runtime = v;
      }
    }
    cells.emplace_back(version);
    cells.emplace_back(internal);
    cells.emplace_back(external);
    cells.emplace_back(os);
    cells.emplace_back(kernel);
    cells.emplace_back(runtime);
    return cells;
  }
  if (&r == &kNamespaces) {
    cells.emplace_back(status ? str_of(*status, "phase") : std::string());
  } else if (&r == &kSecrets) {
    cells.emplace_back(str_of(obj, "type"));
    cells.emplace_back(static_cast<std::int64_t>(map_size(obj, "data")));
  } else {
    cells.emplace_back(
        static_cast<std::int64_t>(map_size(obj, "data") + map_size(obj, "binaryData")));
  }
  cells.emplace_back(age);
  return cells;
}

bool wants_table(const http::Request& req) {
  auto* accept = req.header("Accept");
  return accept && accept->find("as=Table") != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// objects

json::object namespace_object(std::string_view name, std::string uid, Micros created,
                              std::int64_t rv) {
  return json::object{
      {"kind", "Namespace"},
      {"apiVersion", "v1"},
      {"metadata", json::object{{"name", name},
                                {"uid", uid},
                                {"resourceVersion", std::to_string(rv)},
                                {"creationTimestamp", kube_time(created)},
                                {"labels", json::object{{"kubernetes.io/metadata.name", name}}}}},
      {"spec", json::object{{"finalizers", json::array{"kubernetes"}}}},
      {"status", json::object{{"phase", "Active"}}}};
}

std::string default_namespace_uid(std::string_view cluster_id, std::string_view name) {
  return name_uuid(fmt::format("k8s.kube_object/{}/namespaces/{}", cluster_id, name));
}

// The default namespaces as they are until the cluster's first write stores them.
std::vector<json::object> default_namespaces(const KubeCluster& c) {
  std::vector<json::object> out;
  std::int64_t rv = 0;
  for (auto name : kDefaultNamespaces)
    out.push_back(namespace_object(name, default_namespace_uid(c.id, name), c.created_at, ++rv));
  return out;
}

json::object node_object(const KubeCluster& c, const KubeNode& n, Micros now) {
  json::object labels{{"k8s.scaleway.com/pool-name", n.pool_name},
                      {"k8s.scaleway.com/pool", n.pool_id},
                      {"node.kubernetes.io/instance-type", n.node_type},
                      {"topology.kubernetes.io/zone", n.zone},
                      {"topology.kubernetes.io/region", n.region},
                      {"kubernetes.io/hostname", n.name},
                      {"kubernetes.io/os", "linux"},
                      {"kubernetes.io/arch", "amd64"}};
  json::array addresses;
  if (!n.internal_ip.empty())
    addresses.push_back(json::object{{"type", "InternalIP"}, {"address", n.internal_ip}});
  if (!n.external_ip.empty())
    addresses.push_back(json::object{{"type", "ExternalIP"}, {"address", n.external_ip}});
  addresses.push_back(json::object{{"type", "Hostname"}, {"address", n.name}});
  json::object ready{{"type", "Ready"},
                     {"status", n.ready ? "True" : "False"},
                     {"lastHeartbeatTime", kube_time(now)},
                     {"lastTransitionTime", kube_time(n.created_at)},
                     {"reason", n.ready ? "KubeletReady" : "KubeletNotReady"}};
  if (n.ready) ready["message"] = "kubelet is posting ready status";
  return json::object{
      {"kind", "Node"},
      {"apiVersion", "v1"},
      {"metadata", json::object{{"name", n.name},
                                {"uid", name_uuid(fmt::format("k8s.node/{}/{}", c.id, n.name))},
                                {"resourceVersion", "0"},
                                {"creationTimestamp", kube_time(n.created_at)},
                                {"labels", std::move(labels)}}},
      {"spec", json::object{{"providerID", n.provider_id}}},
      {"status", json::object{{"conditions", json::array{std::move(ready)}},
                              {"addresses", std::move(addresses)},
                              {"nodeInfo", json::object{{"machineID", ""},
                                                        {"systemUUID", ""},
                                                        {"bootID", ""},
                                                        {"kernelVersion", ""},
                                                        {"osImage", ""},
                                                        {"containerRuntimeVersion", ""},
                                                        {"kubeletVersion", n.kubelet_version},
                                                        {"kubeProxyVersion", ""},
                                                        {"operatingSystem", "linux"},
                                                        {"architecture", "amd64"}}}}}};
}

std::string object_key(std::string_view cluster, std::string_view resource, std::string_view ns,
                       std::string_view name) {
  return fmt::format("{}/{}/{}/{}", cluster, resource, ns, name);
}

// The query options every write takes.
struct WriteOptions {
  bool dry_run = false;
  std::string validation = "Warn";  // fieldValidation: Ignore, Warn, Strict
};

std::optional<Failure> write_options(const http::Request& req, WriteOptions& out) {
  for (auto& v : req.query_values("dryRun")) {
    if (v != "All") return bad_request("invalid dry run value: " + jquote(v) + ", must be \"All\"");
    out.dry_run = true;
  }
  if (auto* v = req.query_value("fieldValidation")) {
    if (*v != "Ignore" && *v != "Warn" && *v != "Strict")
      return bad_request("fieldValidation must be one of Ignore, Warn or Strict, not " +
                         jquote(*v));
    out.validation = *v;
  }
  if (auto* m = req.query_value("fieldManager")) {
    if (m->size() > 128)
      return Failure{422, "Invalid", "fieldManager: Too long: may not be more than 128 bytes",
                     json::object{}};
  }
  return std::nullopt;
}

// What an object may hold and what the server keeps of it.
struct Decoded {
  json::object obj;
  std::vector<std::string> warnings;  // unknown fields dropped (fieldValidation Warn)
};

// Checks and completes an object sent for `r` in namespace `ns` (empty for cluster-scoped):
// the fields the server keeps, defaults, validation. Identity fields (uid, resourceVersion,
// creationTimestamp) are left to the caller.
std::variant<Decoded, Failure> decode_object(const Resource& r, std::string_view ns,
                                             const json::object& in, const WriteOptions& opts) {
  Decoded out;
  json::object obj;
  std::vector<std::string> unknown;
  std::set<std::string_view> known{"apiVersion", "kind", "metadata"};
  if (&r == &kConfigMaps) known.insert({"data", "binaryData", "immutable"});
  if (&r == &kSecrets) known.insert({"data", "stringData", "type", "immutable"});
  if (&r == &kNamespaces) known.insert({"spec", "status"});
  for (auto& [k, v] : in) {
    if (known.count(k))
      obj[k] = v;
    else
      unknown.push_back(std::string(k));
  }
  if (auto* v = obj.if_contains("apiVersion"); v && !(v->is_string() && v->as_string() == "v1"))
    return bad_request(
        fmt::format("the API version in the data ({}) does not match the expected API version (v1)",
                    v->is_string() ? std::string(v->as_string()) : serialize(*v)));
  if (auto* v = obj.if_contains("kind"); v && !(v->is_string() && v->as_string() == r.kind))
    return bad_request(
        fmt::format("the kind in the data ({}) does not match the expected kind ({})",
                    v->is_string() ? std::string(v->as_string()) : serialize(*v), r.kind));
  obj["apiVersion"] = "v1";
  obj["kind"] = r.kind;

  if (auto* m = obj.if_contains("metadata"); m && !m->is_object())
    return cannot_decode(r, "metadata must be an object");
  auto& md = meta(obj);
  json::object kept;
  std::set<std::string_view> meta_kept{
      "name",        "generateName", "namespace",       "labels",
      "annotations", "uid",          "resourceVersion", "creationTimestamp"};
  std::set<std::string_view> meta_ignored{
      "selfLink",   "generation",      "deletionTimestamp", "deletionGracePeriodSeconds",
      "finalizers", "ownerReferences", "managedFields"};
  for (auto& [k, v] : md) {
    if (meta_kept.count(k))
      kept[k] = v;
    else if (!meta_ignored.count(k))
      unknown.push_back("metadata." + std::string(k));
  }
  for (auto key : {"name", "generateName", "namespace", "uid", "resourceVersion"})
    if (auto* v = kept.if_contains(key); v && !v->is_string() && !v->is_null())
      return cannot_decode(r, fmt::format("metadata.{} must be a string", key));
  for (auto key : {"labels", "annotations"}) {
    auto* v = kept.if_contains(key);
    if (!v || v->is_null()) {
      kept.erase(key);
      continue;
    }
    if (!v->is_object()) return cannot_decode(r, fmt::format("metadata.{} must be a map", key));
    for (auto& [lk, lv] : v->as_object())
      if (!lv.is_string())
        return cannot_decode(r, fmt::format("metadata.{}[{}] must be a string", key, jquote(lk)));
  }
  obj["metadata"] = std::move(kept);
  auto& m = meta(obj);

  // Name (generated from generateName when absent).
  std::string name = str_of(m, "name");
  if (name.empty()) {
    auto prefix = str_of(m, "generateName");
    if (prefix.empty())
      return invalid(r.kind, "",
                     {"metadata.name", "Required value: name or generateName is required"});
    static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    name = prefix;
    for (int i = 0; i < 5; ++i) name += kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
    m["name"] = name;
  }
  bool name_ok = &r == &kNamespaces ? is_dns_label(name) : is_dns_subdomain(name);
  if (!name_ok)
    return invalid(
        r.kind, name,
        {"metadata.name", fmt::format("Invalid value: {}: {}", jquote(name),
                                      &r == &kNamespaces ? kLabelRule : kSubdomainRule)});
  if (r.namespaced) {
    auto given = str_of(m, "namespace");
    if (!given.empty() && given != ns)
      return bad_request(
          "the namespace of the provided object does not match the namespace sent on the request");
    m["namespace"] = ns;
  } else {
    m.erase("namespace");
  }
  if (auto* labels = object_at(m, "labels"))
    for (auto& [k, v] : *labels) {
      if (!is_qualified_name(k))
        return invalid(
            r.kind, name,
            {"metadata.labels", fmt::format("Invalid value: {}: name part must consist of "
                                            "alphanumeric characters, '-', '_' or '.'",
                                            jquote(k))});
      if (!is_label_value(v.as_string()))
        return invalid(r.kind, name,
                       {"metadata.labels", fmt::format("Invalid value: {}: a valid label must be "
                                                       "an empty string or consist of alphanumeric "
                                                       "characters, '-', '_' or '.'",
                                                       jquote(v.as_string()))});
    }
  if (auto* ann = object_at(m, "annotations")) {
    std::size_t total = 0;
    for (auto& [k, v] : *ann) {
      if (!is_qualified_name(k))
        return invalid(r.kind, name,
                       {"metadata.annotations",
                        fmt::format("Invalid value: {}: name part must consist of alphanumeric "
                                    "characters, '-', '_' or '.'",
                                    jquote(k))});
      total += k.size() + v.as_string().size();
    }
    if (total > 256 * 1024)
      return invalid(r.kind, name,
                     {"metadata.annotations", "Too long: must have at most 262144 bytes"});
  }

  // What each kind holds.
  auto check_map = [&](std::string_view key, bool base64) -> std::optional<Failure> {
    auto* v = obj.if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_null()) {
      obj.erase(key);
      return std::nullopt;
    }
    if (!v->is_object()) return cannot_decode(r, fmt::format("{} must be a map", key));
    for (auto& [k, val] : v->as_object()) {
      if (!val.is_string())
        return cannot_decode(r, fmt::format("{}[{}] must be a string", key, jquote(k)));
      if (!is_config_key(k))
        return invalid(r.kind, name,
                       {fmt::format("{}[{}]", key, k),
                        fmt::format("Invalid value: {}: a valid config key must consist of "
                                    "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
                                    "or 'KEY_NAME',  or 'key-name', regex used for validation is "
                                    "'[-._a-zA-Z0-9]+')",
                                    jquote(k))});
      if (base64 && !from_base64(val.as_string()))
        return cannot_decode(r, fmt::format("{}[{}]: illegal base64 data", key, jquote(k)));
    }
    return std::nullopt;
  };
  if (auto* v = obj.if_contains("immutable"); v && !v->is_bool()) {
    if (!v->is_null()) return cannot_decode(r, "immutable must be a boolean");
    obj.erase("immutable");
  }
  std::size_t size = 0;
  if (&r == &kConfigMaps) {
    if (auto f = check_map("data", false)) return *f;
    if (auto f = check_map("binaryData", true)) return *f;
    if (auto* d = object_at(obj, "data"))
      if (auto* b = object_at(obj, "binaryData"))
        for (auto& [k, v] : *d)
          if (b->contains(k))
            return invalid(r.kind, name,
                           {fmt::format("data[{}]", k),
                            fmt::format("Invalid value: {}: duplicate of key present in binaryData",
                                        jquote(k))});
    for (auto key : {"data", "binaryData"})
      if (auto* d = object_at(obj, key))
        for (auto& [k, v] : *d) size += k.size() + v.as_string().size();
  }
  if (&r == &kSecrets) {
    if (auto* t = obj.if_contains("type"); t && !t->is_string() && !t->is_null())
      return cannot_decode(r, "type must be a string");
    if (str_of(obj, "type").empty()) obj["type"] = "Opaque";
    if (auto f = check_map("data", true)) return *f;
    if (auto f = check_map("stringData", false)) return *f;
    if (auto* sd = object_at(obj, "stringData")) {
      json::object data = object_at(obj, "data") ? *object_at(obj, "data") : json::object{};
      for (auto& [k, v] : *sd) data[k] = scwd::base64(v.as_string());
      obj["data"] = std::move(data);
      obj.erase("stringData");
    }
    if (auto* d = object_at(obj, "data"))
      for (auto& [k, v] : *d) size += k.size() + v.as_string().size() * 3 / 4;
  }
  if (size > 1024 * 1024)
    return invalid(r.kind, name, {"data", "Too long: must have at most 1048576 bytes"});
  if (&r == &kNamespaces) {
    obj["spec"] = json::object{{"finalizers", json::array{"kubernetes"}}};
    obj["status"] = json::object{{"phase", "Active"}};
    auto& labels = meta(obj)["labels"];  // inserts above may have moved the metadata
    if (!labels.is_object()) labels = json::object{};
    labels.as_object()["kubernetes.io/metadata.name"] = name;
  }

  if (!unknown.empty()) {
    if (opts.validation == "Strict") {
      std::string list;
      for (auto& u : unknown)
        list += (list.empty() ? "" : ", ") + fmt::format("unknown field {}", jquote(u));
      return cannot_decode(r, "strict decoding error: " + list);
    }
    if (opts.validation == "Warn")
      for (auto& u : unknown) out.warnings.push_back(fmt::format("unknown field {}", jquote(u)));
  }
  out.obj = std::move(obj);
  return out;
}

// Whether two versions of an object differ in anything but their resourceVersion.
bool same_content(json::object a, json::object b) {
  meta(a).erase("resourceVersion");
  meta(b).erase("resourceVersion");
  return a == b;
}

// ---------------------------------------------------------------------------------------------
// the store

struct Outcome {
  http::Response response;
  bool commit = false;
  explicit operator bool() const { return commit; }
};

Outcome fail_out(const Failure& f) { return {failure(f), false}; }

class Objects {
 public:
  Objects(store::Tx& tx, const KubeCluster& c, const SecretBox& box, Micros now)
      : tx_(tx), c_(c), box_(box), now_(now) {}

  // The cluster's resourceVersion counter, or nullopt before its first write.
  std::optional<std::int64_t> version() {
    auto st = tx_.get(kKubeStateKind, c_.id);
    if (!st) return std::nullopt;
    return int_of(st->body, "rv", kInitialVersion);
  }

  std::optional<store::Record> find(const Resource& r, std::string_view ns, std::string_view name) {
    return tx_.get_by_key(kKubeObjectKind, object_key(c_.id, r.name, ns, name));
  }

  // The stored object, or (namespaces before the first write) the default one.
  std::optional<json::object> get(const Resource& r, std::string_view ns, std::string_view name) {
    if (auto rec = find(r, ns, name)) return object_of(*rec);
    if (&r == &kNamespaces && !version())
      for (auto& d : default_namespaces(c_))
        if (meta_str(d, "name") == name) return d;
    return std::nullopt;
  }

  std::vector<json::object> list(const Resource& r, std::optional<std::string_view> ns) {
    if (&r == &kNamespaces && !version()) return default_namespaces(c_);
    store::ListQuery q;
    q.kind = std::string(kKubeObjectKind);
    q.filters.push_back({store::Column::kParent, store::Op::kEq, {std::string(c_.id)}});
    q.filters.push_back({store::Column::kBody, store::Op::kEq, {std::string(r.name)}, "resource"});
    if (ns)
      q.filters.push_back({store::Column::kBody, store::Op::kEq, {std::string(*ns)}, "namespace"});
    q.order = {{store::Column::kBody, false, "namespace"}, {store::Column::kName, false, ""}};
    q.with_total = false;
    std::vector<json::object> out;
    for (auto& rec : tx_.list(q).items) out.push_back(object_of(rec));
    return out;
  }

  json::object object_of(const store::Record& rec) {
    json::object obj;
    if (auto* o = rec.body.if_contains("object"); o && o->is_object()) obj = o->as_object();
    if (auto* s = rec.body.if_contains("sealed"); s && s->is_string())
      if (auto plain = box_.open(s->as_string())) {
        boost::system::error_code ec;
        auto data = json::parse(*plain, ec);
        if (!ec && data.is_object()) obj["data"] = std::move(data);
      }
    return obj;
  }

  // Before the first write of a cluster: its counter and its default namespaces.
  void ensure_started() {
    if (version()) return;
    try {
      store::Record st = base_record(kKubeStateKind, c_.id, "");
      st.body["rv"] = kInitialVersion;
      tx_.insert(st);
      for (auto& ns : default_namespaces(c_)) {
        auto rec = object_record(kNamespaces, "", ns, meta_str(ns, "uid"));
        rec.created_at = c_.created_at;
        tx_.insert(rec);
      }
    } catch (const store::DuplicateKey&) {
      // Another replica started the cluster at the same moment: run again on its state.
      throw store::Conflict("kube objects of a cluster initialised concurrently");
    }
  }

  std::int64_t next_version() {
    auto st = tx_.get(kKubeStateKind, c_.id);
    if (!st) throw store::Conflict("kube state vanished");
    auto rv = int_of(st->body, "rv", kInitialVersion) + 1;
    st->body["rv"] = rv;
    st->updated_at = now_;
    tx_.update(*st);
    return rv;
  }

  void insert(const Resource& r, std::string_view ns, const json::object& obj) {
    auto rec = object_record(r, ns, obj, meta_str(obj, "uid"));
    tx_.insert(rec);
  }

  void update(store::Record rec, const json::object& obj) {
    fill_body(rec, obj);
    rec.updated_at = now_;
    tx_.update(rec);
  }

  void remove(const store::Record& rec) { tx_.remove(kKubeObjectKind, rec.id); }

  // Every object in a namespace.
  void remove_namespace_contents(std::string_view ns) {
    store::ListQuery q;
    q.kind = std::string(kKubeObjectKind);
    q.filters.push_back({store::Column::kParent, store::Op::kEq, {std::string(c_.id)}});
    q.filters.push_back({store::Column::kBody, store::Op::kEq, {std::string(ns)}, "namespace"});
    q.with_total = false;
    for (auto& rec : tx_.list(q).items) tx_.remove(kKubeObjectKind, rec.id);
  }

 private:
  store::Record base_record(std::string_view kind, std::string id, std::string name) {
    store::Record rec;
    rec.kind = std::string(kind);
    rec.id = std::move(id);
    rec.organization_id = c_.organization_id;
    rec.project_id = c_.project_id;
    rec.locality = c_.region;
    rec.name = std::move(name);
    rec.parent_id = c_.id;
    rec.created_at = now_;
    rec.updated_at = now_;
    return rec;
  }

  store::Record object_record(const Resource& r, std::string_view ns, const json::object& obj,
                              std::string uid) {
    auto name = meta_str(obj, "name");
    auto rec = base_record(kKubeObjectKind, std::move(uid), name);
    rec.keys = {object_key(c_.id, r.name, ns, name)};
    rec.body["resource"] = r.name;
    rec.body["namespace"] = ns;
    fill_body(rec, obj);
    return rec;
  }

  // Secrets' data is sealed (the store never holds it in clear).
  void fill_body(store::Record& rec, json::object obj) {
    rec.body.erase("sealed");
    if (str_of(rec.body, "resource") == kSecrets.name) {
      json::value data = json::object{};
      if (auto* d = obj.if_contains("data")) data = std::move(*d);
      obj.erase("data");
      rec.body["sealed"] = box_.seal(json::serialize(data));
    }
    rec.body["object"] = std::move(obj);
  }

  store::Tx& tx_;
  const KubeCluster& c_;
  const SecretBox& box_;
  Micros now_;
};

// ---------------------------------------------------------------------------------------------
// requests

struct Target {
  const Resource* resource = nullptr;
  std::string ns;    // namespaced resources: the path's namespace; empty: every namespace
  std::string name;  // empty: the collection
};

std::vector<std::string> split_path(std::string_view path, bool& ok) {
  std::vector<std::string> out;
  ok = true;
  std::size_t pos = 0;
  while (pos < path.size()) {
    auto slash = path.find('/', pos);
    auto seg =
        path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    std::string dec;
    if (!http::percent_decode(seg, dec, false)) ok = false;
    out.push_back(std::move(dec));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

// /api/v1/... after the prefix: the resource, namespace and name it names.
std::optional<Target> parse_target(const std::vector<std::string>& segs) {
  // segs[0] == "api", segs[1] == "v1"
  Target t;
  std::size_t i = 2;
  if (segs.size() > i + 2 && segs[i] == "namespaces" && segs[i + 2] != "") {
    // /namespaces/{ns}/{resource}[/{name}]
    t.ns = segs[i + 1];
    t.resource = find_resource(segs[i + 2]);
    if (!t.resource || !t.resource->namespaced || t.ns.empty()) return std::nullopt;
    if (segs.size() == i + 4) t.name = segs[i + 3];
    if (segs.size() > i + 4 || (segs.size() == i + 4 && t.name.empty())) return std::nullopt;
    return t;
  }
  if (segs.size() < i + 1) return std::nullopt;
  t.resource = find_resource(segs[i]);
  if (!t.resource) return std::nullopt;
  if (segs.size() == i + 2) {
    if (t.resource->namespaced || segs[i + 1].empty()) return std::nullopt;
    t.name = segs[i + 1];
  }
  if (segs.size() > i + 2) return std::nullopt;
  return t;
}

bool is_watch(const http::Request& req) {
  auto* w = req.query_value("watch");
  return w && (*w == "true" || *w == "1");
}

http::Response with_warnings(http::Response res, const std::vector<std::string>& warnings) {
  for (auto& w : warnings) res.with_header("Warning", "299 - " + jquote(w));
  return res;
}

// The answer for one object of kind `r`, as JSON or as a Table.
http::Response render_one(const http::Request& req, const Resource& r, json::object obj, Micros now,
                          int code = 200) {
  if (!wants_table(req)) return http::Response::json(code, obj);
  json::object row{{"cells", table_cells(r, obj, now)}};
  auto include = req.query_value("includeObject");
  if (!include || *include == "Metadata") {
    row["object"] = json::object{{"kind", "PartialObjectMetadata"},
                                 {"apiVersion", "meta.k8s.io/v1"},
                                 {"metadata", obj["metadata"]}};
  } else if (*include == "Object") {
    row["object"] = obj;
  }
  return http::Response::json(
      code, json::object{
                {"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", json::object{{"resourceVersion", meta_str(obj, "resourceVersion")}}},
                {"columnDefinitions", table_columns(r)},
                {"rows", json::array{std::move(row)}}});
}

http::Response render_list(const http::Request& req, const Resource& r,
                           std::vector<json::object> items, std::string rv, Micros now,
                           std::string cont) {
  json::object meta{{"resourceVersion", rv}};
  if (!cont.empty()) meta["continue"] = cont;
  if (wants_table(req)) {
    json::array rows;
    auto include = req.query_value("includeObject");
    for (auto& obj : items) {
      json::object row{{"cells", table_cells(r, obj, now)}};
      if (!include || *include == "Metadata")
        row["object"] = json::object{{"kind", "PartialObjectMetadata"},
                                     {"apiVersion", "meta.k8s.io/v1"},
                                     {"metadata", obj["metadata"]}};
      else if (*include == "Object")
        row["object"] = obj;
      rows.push_back(std::move(row));
    }
    return http::Response::json(200, json::object{{"kind", "Table"},
                                                  {"apiVersion", "meta.k8s.io/v1"},
                                                  {"metadata", std::move(meta)},
                                                  {"columnDefinitions", table_columns(r)},
                                                  {"rows", std::move(rows)}});
  }
  json::array arr;
  for (auto& obj : items) {
    // Items of a typed list carry no kind of their own.
    obj.erase("kind");
    obj.erase("apiVersion");
    arr.push_back(std::move(obj));
  }
  return http::Response::json(200, json::object{{"kind", std::string(r.kind) + "List"},
                                                {"apiVersion", "v1"},
                                                {"metadata", std::move(meta)},
                                                {"items", std::move(arr)}});
}

json::object api_resource(const Resource& r) {
  json::array verbs;
  if (r.stored)
    verbs = {"create", "delete", "get", "list", "patch", "update"};
  else
    verbs = {"get", "list"};
  json::object o{{"name", r.name},
                 {"singularName", r.singular},
                 {"namespaced", r.namespaced},
                 {"kind", r.kind},
                 {"verbs", std::move(verbs)}};
  if (!r.short_name.empty()) o["shortNames"] = json::array{r.short_name};
  return o;
}

// The OpenAPI v3 document of the core group as far as it is served: the operations and their
// query parameters (what clients check before relying on server-side field validation); no
// schemas.
json::object openapi_v1() {
  json::object paths;
  auto param = [](std::string_view name) {
    return json::object{
        {"name", name}, {"in", "query"}, {"schema", json::object{{"type", "string"}}}};
  };
  auto op = [&](const Resource& r, std::string_view action, bool writes) {
    json::array params;
    if (writes)
      for (auto p : {"dryRun", "fieldManager", "fieldValidation"}) params.push_back(param(p));
    return json::object{{"x-kubernetes-action", action},
                        {"x-kubernetes-group-version-kind",
                         json::object{{"group", ""}, {"version", "v1"}, {"kind", r.kind}}},
                        {"parameters", std::move(params)},
                        {"responses", json::object{{"200", json::object{{"description", "OK"}}}}}};
  };
  for (auto* r : kResources) {
    std::string collection = r->namespaced
                                 ? fmt::format("/api/v1/namespaces/{{namespace}}/{}", r->name)
                                 : fmt::format("/api/v1/{}", r->name);
    std::string item = collection + "/{name}";
    json::object coll{{"get", op(*r, "list", false)}};
    json::object one{{"get", op(*r, "get", false)}};
    if (r->stored) {
      coll["post"] = op(*r, "post", true);
      one["put"] = op(*r, "put", true);
      one["patch"] = op(*r, "patch", true);
      one["delete"] = op(*r, "delete", false);
    }
    paths[collection] = std::move(coll);
    paths[item] = std::move(one);
  }
  return json::object{{"openapi", "3.0.0"},
                      {"info", json::object{{"title", "Kubernetes"}, {"version", "v1"}}},
                      {"paths", std::move(paths)}};
}

bool token_ok(const http::Request& req, const KubeCluster& c) {
  auto* h = req.header("Authorization");
  if (!h || h->size() < 7 || !http::iequals(std::string_view(*h).substr(0, 7), "Bearer "))
    return false;
  auto given = std::string_view(*h).substr(7);
  if (given.empty() || c.token.empty()) return false;
  // Digests compare in constant time whatever the lengths.
  return constant_time_equal(sha256_hex(given), sha256_hex(c.token));
}

class Call {
 public:
  Call(const http::Request& req, const KubeCluster& c, store::Store& store, const SecretBox& box,
       Micros now)
      : req_(req), c_(c), store_(store), box_(box), now_(now) {}

  http::Response run(const std::vector<std::string>& segs) {
    const auto& m = req_.method;
    if (segs.empty()) {
      if (m != "GET") return failure(not_allowed());
      json::array paths{"/api",        "/api/v1",     "/apis",   "/healthz", "/livez",
                        "/openapi/v2", "/openapi/v3", "/readyz", "/version"};
      return http::Response::json(200, json::object{{"paths", std::move(paths)}});
    }
    const auto& first = segs[0];
    if (segs.size() == 1 && (first == "healthz" || first == "readyz" || first == "livez")) {
      if (m != "GET") return failure(not_allowed());
      return http::Response::raw(200, "text/plain; charset=utf-8", "ok");
    }
    if (segs.size() == 1 && first == "version") {
      if (m != "GET") return failure(not_allowed());
      return version();
    }
    if (first == "apis" && (segs.size() == 1 || (segs.size() == 2 && segs[1].empty()))) {
      if (m != "GET") return failure(not_allowed());
      return http::Response::json(
          200,
          json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array{}}});
    }
    if (first == "openapi" && segs.size() == 2 && segs[1] == "v2") {
      if (m != "GET") return failure(not_allowed());
      return openapi_v2();
    }
    if (first == "openapi" && segs.size() >= 2 && segs[1] == "v3") {
      if (m != "GET") return failure(not_allowed());
      auto doc = json::serialize(openapi_v1());
      if (segs.size() == 2) {
        auto url = fmt::format("/openapi/v3/api/v1?hash={}", sha256_hex(doc));
        return http::Response::json(
            200, json::object{{"paths", json::object{{"api/v1",
                                                      json::object{{"serverRelativeURL", url}}}}}});
      }
      if (segs.size() == 4 && segs[2] == "api" && segs[3] == "v1")
        return http::Response::raw(200, "application/json", doc);
      return failure(unknown_path());
    }
    if (first != "api") return failure(unknown_path());
    if (segs.size() == 1 || (segs.size() == 2 && segs[1].empty())) {
      if (m != "GET") return failure(not_allowed());
      auto* host = req_.header("Host");
      return http::Response::json(
          200, json::object{{"kind", "APIVersions"},
                            {"versions", json::array{"v1"}},
                            {"serverAddressByClientCIDRs",
                             json::array{json::object{{"clientCIDR", "0.0.0.0/0"},
                                                      {"serverAddress", host ? *host : ""}}}}});
    }
    if (segs[1] != "v1") return failure(unknown_path());
    if (segs.size() == 2 || (segs.size() == 3 && segs[2].empty())) {
      if (m != "GET") return failure(not_allowed());
      json::array resources;
      for (auto* r : kResources) resources.push_back(api_resource(*r));
      return http::Response::json(200, json::object{{"kind", "APIResourceList"},
                                                    {"groupVersion", "v1"},
                                                    {"resources", std::move(resources)}});
    }
    auto t = parse_target(segs);
    if (!t) return failure(unknown_path());
    return resource(*t);
  }

 private:
  http::Response version() {
    auto dot1 = c_.version.find('.');
    auto dot2 = c_.version.find('.', dot1 == std::string::npos ? 0 : dot1 + 1);
    std::string major = c_.version.substr(0, dot1);
    std::string minor =
        dot1 == std::string::npos ? "" : c_.version.substr(dot1 + 1, dot2 - dot1 - 1);
    return http::Response::json(200, json::object{{"major", major},
                                                  {"minor", minor},
                                                  {"gitVersion", "v" + c_.version},
                                                  {"gitTreeState", "clean"},
                                                  {"compiler", "gc"},
                                                  {"platform", "linux/amd64"}});
  }

  // The OpenAPI v2 document: its header, no paths or definitions (clients that find no schema
  // for a kind skip their own validation and leave it to the server). Older clients read it as
  // protocol buffers only.
  http::Response openapi_v2() {
    std::string version = "v" + c_.version;
    auto* accept = req_.header("Accept");
    if (accept && accept->find("protobuf") != std::string::npos) {
      // Document{swagger = 1: "2.0", info = 2: Info{title = 1, version = 2}}. The media type is
      // named with dots only: clients parse it, and '@' is not valid in one.
      auto field = [](char tag, std::string_view v) {
        return std::string(1, tag) + static_cast<char>(v.size()) + std::string(v);
      };
      std::string info = field('\x0a', "Kubernetes") + field('\x12', version);
      return http::Response::raw(200, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                                 field('\x0a', "2.0") + field('\x12', info));
    }
    return http::Response::json(
        200, json::object{{"swagger", "2.0"},
                          {"info", json::object{{"title", "Kubernetes"}, {"version", version}}},
                          {"paths", json::object{}}});
  }

  http::Response resource(const Target& t) {
    const auto& m = req_.method;
    const Resource& r = *t.resource;
    bool collection = t.name.empty();
    if (m == "GET") {
      if (is_watch(req_))
        return failure({405, "MethodNotAllowed",
                        "watch is not supported by this server: list or get again instead",
                        json::object{}});
      return collection ? list(t) : get(t);
    }
    if (!r.stored) return failure(not_allowed());
    if (m == "POST" && collection && (!r.namespaced || !t.ns.empty())) return create(t);
    if (m == "PUT" && !collection) return write_existing(t, false);
    if (m == "PATCH" && !collection) return write_existing(t, true);
    if (m == "DELETE" && !collection) return remove(t);
    return failure(not_allowed());
  }

  http::Response get(const Target& t) {
    const Resource& r = *t.resource;
    if (&r == &kNodes) {
      for (auto& n : c_.nodes)
        if (n.name == t.name) return render_one(req_, r, node_object(c_, n, now_), now_);
      return failure(not_found(r.name, t.name));
    }
    auto obj = store_.transact(store::TxMode::kRead, [&](store::Tx& tx) {
      return Objects(tx, c_, box_, now_).get(r, t.ns, t.name);
    });
    if (!obj) return failure(not_found(r.name, t.name));
    return render_one(req_, r, std::move(*obj), now_);
  }

  http::Response list(const Target& t) {
    const Resource& r = *t.resource;
    std::vector<LabelRequirement> labels;
    std::vector<FieldRequirement> fields;
    if (auto* sel = req_.query_value("labelSelector")) {
      std::string error;
      auto parsed = parse_label_selector(*sel, error);
      if (!parsed) return failure(bad_request(error));
      labels = std::move(*parsed);
    }
    if (auto* sel = req_.query_value("fieldSelector")) {
      Failure f;
      auto parsed = parse_field_selector(r, *sel, f);
      if (!parsed) return failure(f);
      fields = std::move(*parsed);
    }
    std::int64_t limit = 0, offset = 0;
    if (auto* l = req_.query_value("limit"); l && !l->empty()) {
      auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
      if (ec != std::errc() || p != l->data() + l->size() || limit < 0)
        return failure(bad_request("limit must be a non-negative integer"));
    }
    if (auto* c = req_.query_value("continue"); c && !c->empty()) {
      auto [p, ec] = std::from_chars(c->data(), c->data() + c->size(), offset);
      if (ec != std::errc() || p != c->data() + c->size() || offset < 0)
        return failure(bad_request("continue key is not valid"));
    }

    std::vector<json::object> items;
    std::string rv;
    if (&r == &kNodes) {
      for (auto& n : c_.nodes) items.push_back(node_object(c_, n, now_));
      rv = "0";
    } else {
      store_.transact(store::TxMode::kRead, [&](store::Tx& tx) {
        Objects objs(tx, c_, box_, now_);
        rv = std::to_string(objs.version().value_or(kInitialVersion));
        items = objs.list(r, t.ns.empty() ? std::nullopt : std::optional<std::string_view>(t.ns));
        return true;
      });
    }
    std::vector<json::object> kept;
    for (auto& obj : items)
      if (labels_match(obj, labels) && fields_match(obj, fields)) kept.push_back(std::move(obj));
    std::string cont;
    if (offset > 0)
      kept.erase(kept.begin(),
                 kept.begin() +
                     std::min<std::ptrdiff_t>(offset, static_cast<std::ptrdiff_t>(kept.size())));
    if (limit > 0 && static_cast<std::int64_t>(kept.size()) > limit) {
      kept.resize(static_cast<std::size_t>(limit));
      cont = std::to_string(offset + limit);
    }
    return render_list(req_, r, std::move(kept), rv, now_, cont);
  }

  bool protobuf_body() const {
    auto* ct = req_.header("Content-Type");
    return ct && std::string_view(*ct).substr(0, ct->find(';')) == kubeapi::kProtobufType;
  }

  // The request's object, sent as JSON or in the protobuf encoding; `kind` names its message.
  std::optional<json::object> body_object(Failure& f, const Resource& r,
                                          std::string_view kind = {}) {
    if (protobuf_body()) {
      std::string error;
      auto obj = kubeapi::decode_protobuf(kind.empty() ? r.kind : kind, req_.body, error);
      if (!obj) f = cannot_decode(r, error);
      return obj;
    }
    boost::system::error_code ec;
    auto v = json::parse(req_.body, ec);
    if (ec) {
      f = bad_request("couldn't get version/kind; json parse error: " + ec.message());
      return std::nullopt;
    }
    if (!v.is_object()) {
      f = cannot_decode(r, "the body must be a JSON object");
      return std::nullopt;
    }
    return std::move(v.as_object());
  }

  http::Response create(const Target& t) {
    const Resource& r = *t.resource;
    WriteOptions opts;
    if (auto f = write_options(req_, opts)) return failure(*f);
    Failure f;
    auto in = body_object(f, r);
    if (!in) return failure(f);
    auto decoded = decode_object(r, t.ns, *in, opts);
    if (auto* fail = std::get_if<Failure>(&decoded)) return failure(*fail);
    auto d = std::get<Decoded>(std::move(decoded));
    auto name = meta_str(d.obj, "name");
    auto out = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Outcome {
      Objects objs(tx, c_, box_, now_);
      objs.ensure_started();
      if (r.namespaced && !objs.find(kNamespaces, "", t.ns))
        return fail_out(not_found("namespaces", t.ns));
      if (objs.find(r, t.ns, name)) return fail_out(already_exists(r.name, name));
      auto obj = d.obj;
      auto& md = meta(obj);
      md["uid"] = new_uuid();
      md["resourceVersion"] = std::to_string(objs.next_version());
      md["creationTimestamp"] = kube_time(now_);
      md.erase("generateName");
      objs.insert(r, t.ns, obj);
      return {http::Response::json(201, obj), !opts.dry_run};
    });
    return with_warnings(std::move(out.response), d.warnings);
  }

  // PUT (replace) and PATCH.
  http::Response write_existing(const Target& t, bool patch) {
    const Resource& r = *t.resource;
    WriteOptions opts;
    if (auto f = write_options(req_, opts)) return failure(*f);
    std::string type;
    if (patch) {
      auto* ct = req_.header("Content-Type");
      type = ct ? ct->substr(0, ct->find(';')) : "";
      if (type != "application/merge-patch+json" && type != "application/json-patch+json" &&
          type != "application/strategic-merge-patch+json")
        return failure({415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types "
                        "include: application/json-patch+json, application/merge-patch+json, "
                        "application/strategic-merge-patch+json",
                        json::object{}});
    }
    json::value body;
    if (patch) {
      boost::system::error_code ec;
      body = json::parse(req_.body, ec);
      if (ec)
        return failure(bad_request("couldn't get version/kind; json parse error: " + ec.message()));
    } else {
      Failure f;
      auto obj = body_object(f, r);
      if (!obj) return failure(f);
      body = std::move(*obj);
    }
    std::vector<std::string> warnings;
    auto out = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Outcome {
      warnings.clear();
      Objects objs(tx, c_, box_, now_);
      objs.ensure_started();
      auto rec = objs.find(r, t.ns, t.name);
      if (!rec) return fail_out(not_found(r.name, t.name));
      auto current = objs.object_of(*rec);
      json::object wanted;
      if (patch) {
        json::value doc = current;
        std::string error;
        if (type == "application/merge-patch+json") {
          if (!body.is_object())
            return fail_out(bad_request("a merge patch must be a JSON object"));
          doc = kubeapi::merge_patch(std::move(doc), body);
        } else if (type == "application/strategic-merge-patch+json") {
          if (!body.is_object())
            return fail_out(bad_request("a strategic merge patch must be a JSON object"));
          auto merged = kubeapi::strategic_merge_patch(std::move(doc), body, error);
          if (!merged) return fail_out(bad_request(error));
          doc = std::move(*merged);
        } else {
          bool bad = false;
          if (!kubeapi::json_patch(doc, body, error, bad))
            return fail_out(bad ? bad_request(error)
                                : Failure{422, "Invalid", error, json::object{}});
        }
        if (!doc.is_object())
          return fail_out(cannot_decode(r, "the patched object is not a JSON object"));
        wanted = std::move(doc.as_object());
      } else {
        wanted = body.as_object();
      }
      auto decoded = decode_object(r, t.ns, wanted, opts);
      if (auto* fail = std::get_if<Failure>(&decoded)) return fail_out(*fail);
      auto d = std::get<Decoded>(std::move(decoded));
      warnings = d.warnings;
      auto& md = meta(d.obj);
      if (str_of(md, "name") != t.name)
        return fail_out(bad_request(
            fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                        str_of(md, "name"), t.name)));
      auto given_rv = str_of(md, "resourceVersion");
      if (!given_rv.empty() && given_rv != meta_str(current, "resourceVersion"))
        return fail_out(conflict(r.name, t.name));
      auto given_uid = str_of(md, "uid");
      if (!given_uid.empty() && given_uid != meta_str(current, "uid"))
        return fail_out(conflict(r.name, t.name));
      md["uid"] = meta_str(current, "uid");
      md["creationTimestamp"] = meta_str(current, "creationTimestamp");
      md["resourceVersion"] = meta_str(current, "resourceVersion");
      md.erase("generateName");
      if (&r == &kSecrets && str_of(current, "type") != str_of(d.obj, "type"))
        return fail_out(invalid(r.kind, t.name,
                                {"type", fmt::format("Invalid value: {}: field is immutable",
                                                     jquote(str_of(d.obj, "type")))}));
      if (bool_of(current, "immutable")) {
        for (auto key : {"data", "binaryData", "immutable"})
          if (value_of(current, key) != value_of(d.obj, key))
            return fail_out(invalid(
                r.kind, t.name, {key, "Forbidden: field is immutable when `immutable` is set"}));
      }
      if (same_content(current, d.obj))
        return {render_one(req_, r, std::move(current), now_), false};
      md["resourceVersion"] = std::to_string(objs.next_version());
      objs.update(std::move(*rec), d.obj);
      return {render_one(req_, r, d.obj, now_), !opts.dry_run};
    });
    return with_warnings(std::move(out.response), warnings);
  }

  http::Response remove(const Target& t) {
    const Resource& r = *t.resource;
    WriteOptions opts;
    if (auto f = write_options(req_, opts)) return failure(*f);
    // DeleteOptions may carry preconditions.
    std::string want_rv, want_uid;
    if (!req_.body.empty()) {
      Failure f;
      auto v = body_object(f, r, "DeleteOptions");
      if (!v) return failure(bad_request("the body must be DeleteOptions"));
      if (auto* p = object_at(*v, "preconditions")) {
        want_rv = str_of(*p, "resourceVersion");
        want_uid = str_of(*p, "uid");
      }
    }
    if (&r == &kNamespaces &&
        std::find(std::begin(kImmortalNamespaces), std::end(kImmortalNamespaces), t.name) !=
            std::end(kImmortalNamespaces))
      return failure(
          {403, "Forbidden",
           fmt::format("namespaces \"{}\" is forbidden: this namespace may not be deleted", t.name),
           json::object{{"name", t.name}, {"kind", "namespaces"}}});
    auto out = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Outcome {
      Objects objs(tx, c_, box_, now_);
      objs.ensure_started();
      auto rec = objs.find(r, t.ns, t.name);
      if (!rec) return fail_out(not_found(r.name, t.name));
      auto current = objs.object_of(*rec);
      if (!want_uid.empty() && want_uid != meta_str(current, "uid"))
        return fail_out({409, "Conflict",
                         fmt::format("Precondition failed: UID in precondition: {}, UID in object "
                                     "meta: {}",
                                     want_uid, meta_str(current, "uid")),
                         json::object{{"name", t.name}, {"kind", r.name}}});
      if (!want_rv.empty() && want_rv != meta_str(current, "resourceVersion"))
        return fail_out({409, "Conflict",
                         fmt::format("Precondition failed: ResourceVersion in precondition: {}, "
                                     "ResourceVersion in object meta: {}",
                                     want_rv, meta_str(current, "resourceVersion")),
                         json::object{{"name", t.name}, {"kind", r.name}}});
      objs.next_version();
      objs.remove(*rec);
      if (&r == &kNamespaces) {
        objs.remove_namespace_contents(t.name);
        // Its contents are gone at once: the namespace is answered as it ends.
        meta(current)["deletionTimestamp"] = kube_time(now_);
        current["status"] = json::object{{"phase", "Terminating"}};
        return {http::Response::json(200, current), !opts.dry_run};
      }
      json::object details{{"name", t.name}, {"kind", r.name}, {"uid", meta_str(current, "uid")}};
      return {http::Response::json(200, json::object{{"kind", "Status"},
                                                     {"apiVersion", "v1"},
                                                     {"metadata", json::object{}},
                                                     {"status", "Success"},
                                                     {"details", std::move(details)}}),
              !opts.dry_run};
    });
    return std::move(out.response);
  }

  const http::Request& req_;
  const KubeCluster& c_;
  store::Store& store_;
  const SecretBox& box_;
  Micros now_;
};

}  // namespace

std::optional<KubeCluster> cluster_for_host(const ClusterDirectory& clusters,
                                            std::string_view server_name) {
  auto dot = server_name.find('.');
  if (dot == std::string_view::npos || !is_uuid(server_name.substr(0, dot))) return std::nullopt;
  auto id = to_lower(server_name.substr(0, dot));
  auto c = clusters.find(id);
  if (!c || !http::iequals(cluster_host(c->id, c->region), server_name)) return std::nullopt;
  return c;
}

void remove_kube_objects(store::Tx& tx, std::string_view cluster_id) {
  for (auto kind : {kKubeObjectKind, kKubeStateKind}) {
    store::ListQuery q;
    q.kind = std::string(kind);
    q.filters.push_back({store::Column::kParent, store::Op::kEq, {std::string(cluster_id)}});
    q.with_total = false;
    for (auto& rec : tx.list(q).items) tx.remove(kind, rec.id);
  }
}

http::Response KubeApi::transport_error(int status, std::string_view detail) {
  std::string_view reason;
  switch (status) {
    case 400:
      reason = "BadRequest";
      break;
    case 413:
      reason = "RequestEntityTooLarge";
      break;
    case 500:
      reason = "InternalError";
      break;
    case 503:
      reason = "ServiceUnavailable";
      break;
    default:
      reason = "";  // the Status reason "unknown"
  }
  std::string message = detail.empty() ? fmt::format("the request was refused (HTTP {})", status)
                                       : std::string(detail);
  return failure({status, std::string(reason), std::move(message), std::nullopt});
}

bool KubeApi::writes(const http::Request& req) {
  return req.method != "GET" && req.method != "HEAD";
}

http::Response KubeApi::handle(const http::Request& req) const {
  static const std::string prefix = cluster_path("");  // the path before a cluster's id
  std::string_view path = req.path;
  if (!path.starts_with(prefix)) return failure(unknown_path());
  path.remove_prefix(prefix.size());
  auto slash = path.find('/');
  auto id = path.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? "" : path.substr(slash + 1);
  if (!is_uuid(id)) return failure(unknown_path());
  auto cluster = clusters_.find(to_lower(id));
  if (!cluster) return failure(unknown_path());
  if (!token_ok(req, *cluster)) return failure({401, "Unauthorized", "Unauthorized", std::nullopt});
  bool ok = true;
  auto segs = split_path(rest, ok);
  if (!ok) return failure(bad_request("malformed path"));
  if (!segs.empty() && segs.back().empty() && segs.size() == 1) segs.clear();  // "/"
  Call call(req, *cluster, store_, secrets_, clock_.now());
  return call.run(segs);
}

}  // namespace scwd::products::k8s

#include "products/k8s/catalog.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/util/json.hpp"
#include "products/catalogue/server_types.hpp"

namespace scwd::products::k8s {

namespace {

const std::vector<std::string> kCnis = {"cilium", "cilium_native", "calico", "kilo", "none"};
const std::vector<std::string> kPlugins = {"AlwaysPullImages", "PodNodeSelector",
                                           "PodTolerationRestriction"};
const std::vector<std::string> kGates = {"HPAScaleToZero", "CPUManagerPolicyAlphaOptions",
                                         "ImageVolume", "MutatingAdmissionPolicy"};

// (major, minor, patch) of "1.35.3"; zeros when malformed.
std::array<int, 3> parts(std::string_view v) {
  std::array<int, 3> out{0, 0, 0};
  std::size_t i = 0;
  for (auto& n : out) {
    int value = 0;
    bool digits = false;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
      value = value * 10 + (v[i++] - '0');
      digits = true;
    }
    if (!digits) return {0, 0, 0};
    n = value;
    if (i < v.size() && v[i] == '.') ++i;
  }
  return i == v.size() ? out : std::array<int, 3>{0, 0, 0};
}

}  // namespace

const std::vector<Version>& versions() {
  static const std::vector<Version> v = {
      {"1.36.1", kCnis, kGates, kPlugins, "2026-07-07T00:00:00Z", "2027-07-07T00:00:00Z",
       "2027-09-07T00:00:00Z"},
      {"1.35.3", kCnis, kGates, kPlugins, "2026-01-19T00:00:00Z", "2027-01-19T00:00:00Z",
       "2027-03-19T00:00:00Z"},
      {"1.34.6", kCnis, kGates, kPlugins, "2025-09-29T00:00:00Z", "2026-09-29T00:00:00Z",
       "2026-11-29T00:00:00Z"},
      {"1.33.10",
       {"cilium", "calico", "kilo", "none"},
       {"HPAScaleToZero", "DRAAdminAccess", "DynamicResourceAllocation", "PodLevelResources",
        "CPUManagerPolicyAlphaOptions", "ImageVolume"},
       kPlugins,
       "2025-09-04T00:00:00Z",
       "2026-09-04T00:00:00Z",
       "2026-11-04T00:00:00Z"},
  };
  return v;
}

// Earlier patches of the listed minors, which the platform released and clusters created then
// still name (as recorded): accepted by a create and answered by a get, never listed.
const std::vector<Version>& superseded() {
  static const std::vector<Version> v = [] {
    std::vector<Version> out;
    for (auto name :
         {"1.36.0", "1.35.0", "1.35.1", "1.35.2", "1.34.1", "1.34.2", "1.34.3", "1.34.4", "1.34.5",
          "1.33.4", "1.33.5", "1.33.6", "1.33.7", "1.33.8", "1.33.9"}) {
      std::string_view n(name);
      auto minor = n.substr(0, n.rfind('.'));
      for (auto& listed : versions())
        if (std::string_view(listed.name).substr(0, listed.name.rfind('.')) == minor) {
          auto copy = listed;
          copy.name = name;
          out.push_back(std::move(copy));
        }
    }
    return out;
  }();
  return v;
}

const Version* find_version(std::string_view name) {
  for (auto& v : versions())
    if (v.name == name) return &v;
  for (auto& v : superseded())
    if (v.name == name) return &v;
  return nullptr;
}

const std::vector<std::pair<std::string, std::string>>& kubelet_args() {
  static const std::vector<std::pair<std::string, std::string>> args = {
      {"containerLogMaxFiles", "uint16"},
      {"containerLogMaxSize", "quantity"},
      {"cpuCFSQuota", "bool"},
      {"cpuCFSQuotaPeriod", "duration"},
      {"cpuManagerPolicy", "enum:none|static"},
      {"cpuManagerPolicyOptions", "map[string]string"},
      {"enableDebuggingHandlers", "bool"},
      {"evictionHard", "map[string]string"},
      {"evictionMinimumReclaim", "map[string]string"},
      {"imageGCHighThresholdPercent", "uint32"},
      {"imageGCLowThresholdPercent", "uint32"},
      {"maxParallelImagePulls", "int32"},
      {"maxPods", "uint16"},
      {"registryBurst", "int32"},
      {"registryPullQPS", "int32"},
      {"serializeImagePulls", "bool"},
  };
  return args;
}

boost::json::object render_version(const Version& v, std::string_view region) {
  boost::json::object args;
  for (auto& [k, kind] : kubelet_args()) args[k] = kind;
  return {{"region", region},
          {"name", v.name},
          {"label", "Kubernetes " + v.name},
          {"available_cnis", strings_json(v.cnis)},
          {"available_container_runtimes", boost::json::array{"containerd"}},
          {"available_feature_gates", strings_json(v.feature_gates)},
          {"available_admission_plugins", strings_json(v.admission_plugins)},
          {"available_kubelet_args", std::move(args)},
          {"deprecated_at", v.deprecated_at},
          {"end_of_life_at", v.end_of_life_at},
          {"released_at", v.released_at}};
}

std::vector<const Version*> upgrades_from(std::string_view current) {
  auto c = parts(current);
  std::vector<const Version*> out;
  for (auto& v : versions()) {
    auto p = parts(v.name);
    bool newer_patch = p[0] == c[0] && p[1] == c[1] && p[2] > c[2];
    bool next_minor = p[0] == c[0] && p[1] == c[1] + 1;
    if (newer_patch || next_minor) out.push_back(&v);
  }
  return out;
}

const std::vector<ClusterType>& cluster_types() {
  static const std::vector<ClusterType> t = {
      {"kapsule", 150, 0, 0, "standard", 4000000000, false, false, 55000000, false},
      {"kapsule-dedicated-4", 250, 30, 99.5, "high_availability", 4000000000, true, true, 200000000,
       false},
      {"kapsule-dedicated-8", 500, 30, 99.5, "high_availability", 8000000000, true, true, 200000000,
       false},
      {"kapsule-dedicated-16", 500, 30, 99.5, "high_availability", 16000000000, true, true,
       200000000, false},
      {"multicloud", 150, 0, 0, "standard", 4000000000, false, false, 55000000, true},
      {"multicloud-dedicated-4", 250, 30, 99.5, "high_availability", 4000000000, true, true,
       200000000, true},
      {"multicloud-dedicated-8", 500, 30, 99.5, "high_availability", 8000000000, true, true,
       200000000, true},
      {"multicloud-dedicated-16", 500, 30, 99.5, "high_availability", 16000000000, true, true,
       200000000, true},
  };
  return t;
}

const ClusterType* find_cluster_type(std::string_view name) {
  for (auto& t : cluster_types())
    if (t.name == name) return &t;
  return nullptr;
}

boost::json::object render_cluster_type(const ClusterType& t) {
  return {{"name", t.name},
          {"region", ""},
          {"availability", "available"},
          {"max_nodes", t.max_nodes},
          {"commitment_delay", std::to_string(t.commitment_days * 86400) + "s"},
          {"sla", t.sla},
          {"resiliency", t.resiliency},
          {"memory", t.memory},
          {"dedicated", t.dedicated},
          {"audit_logs_supported", t.audit_logs},
          {"max_etcd_size", t.max_etcd_size}};
}

std::string instance_type_of(std::string_view zone, std::string_view node_type) {
  std::string name(node_type);
  for (auto& c : name) c = c == '_' ? '-' : static_cast<char>(std::toupper(c));
  // Too small to run the node's system pods.
  if (name == "DEV1-S" || name == "PLAY2-PICO" || name.starts_with("STARDUST")) return {};
  auto* t = catalogue::find_server_type(zone, name);
  if (!t || t->end_of_service) return {};
  return name;
}

std::string pool_node_type(std::string_view instance_type) {
  std::string out(instance_type);
  for (auto& c : out) c = c == '-' ? '_' : static_cast<char>(std::tolower(c));
  return out;
}

RootVolume default_root_volume(std::string_view zone, std::string_view node_type) {
  auto* t = catalogue::find_server_type(zone, instance_type_of(zone, node_type));
  if (t && t->local_max > 0) return {"l_ssd", t->local_max};
  return {"sbs_5k", 20000000000};
}

}  // namespace scwd::products::k8s

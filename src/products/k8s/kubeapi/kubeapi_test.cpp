#include "products/k8s/kubeapi/kubeapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <random>

#include "core/store/sqlite/sqlite_store.hpp"
#include "testing/temp_dir.hpp"

namespace scwd::products::k8s {
namespace {

namespace json = boost::json;

constexpr std::string_view kId = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

// The control plane as the API server sees it, set by each test.
class FakeDirectory : public ClusterDirectory {
 public:
  std::optional<KubeCluster> find(std::string_view id) const override {
    std::lock_guard lock(mu_);
    auto it = clusters_.find(std::string(id));
    if (it == clusters_.end()) return std::nullopt;
    return it->second;
  }
  void put(KubeCluster c) {
    std::lock_guard lock(mu_);
    clusters_[c.id] = std::move(c);
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, KubeCluster> clusters_;
};

KubeNode node(std::string name, bool ready, std::string external_ip) {
  KubeNode n;
  n.name = std::move(name);
  n.pool_name = "default";
  n.pool_id = "11111111-2222-4333-8444-555555555555";
  n.node_type = "pro2_xxs";
  n.zone = "fr-par-1";
  n.region = "fr-par";
  n.provider_id = "scaleway://instance/fr-par-1/" + std::string(kId);
  n.internal_ip = "172.16.0.5";
  n.external_ip = std::move(external_ip);
  n.kubelet_version = "v1.34.6";
  n.ready = ready;
  n.created_at = system_now() - 600LL * 1000000;
  return n;
}

struct Reply {
  int status;
  json::value json;
  http::Response raw;
};

class KubeApiTest : public ::testing::Test {
 protected:
  KubeApiTest() {
    open();
    KubeCluster c;
    c.id = kId;
    c.name = "mycluster";
    c.region = "fr-par";
    c.organization_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    c.project_id = c.organization_id;
    c.version = "1.34.6";
    c.token = "token-one";
    c.created_at = clock_.now() - 3600LL * 1000000;
    c.nodes = {node("scw-mycluster-default-0a", true, "51.15.0.10"),
               node("scw-mycluster-default-0b", false, "")};
    dir_.put(c);
  }

  void open() {
    store_ = store::open_sqlite({(tmp_.path() / "scwd.db").string()});
    api_ = std::make_unique<KubeApi>(dir_, *store_, clock_, box_);
  }
  void reopen() {
    api_.reset();
    store_->close();
    open();
  }

  Reply call(std::string method, std::string path, std::string body = {},
             std::string content_type = "application/json", std::string token = "token-one",
             std::string accept = "application/json") {
    http::Request req;
    req.method = std::move(method);
    req.target = cluster_path(kId) + path;
    http::parse_target(req.target, req.path, req.query);
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    req.headers.emplace_back("Accept", accept);
    if (!body.empty()) req.headers.emplace_back("Content-Type", content_type);
    req.body = std::move(body);
    auto res = api_->handle(req);
    Reply r{res.status, nullptr, res};
    if (res.content_type == "application/json") r.json = json::parse(res.body);
    return r;
  }

  static std::string str(const json::value& v, std::initializer_list<std::string_view> path) {
    const json::value* cur = &v;
    for (auto p : path) {
      if (!cur->is_object() || !cur->as_object().contains(p)) return "<absent>";
      cur = &cur->as_object().at(p);
    }
    return cur->is_string() ? std::string(cur->as_string()) : json::serialize(*cur);
  }

  static std::vector<std::string> names(const json::value& list) {
    std::vector<std::string> out;
    for (auto& i : list.at("items").as_array()) out.push_back(str(i, {"metadata", "name"}));
    return out;
  }

  testing::TempDir tmp_;
  Clock clock_;
  SecretBox box_;
  FakeDirectory dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<KubeApi> api_;
};

void expect_status(const Reply& r, int code, std::string_view reason) {
  EXPECT_EQ(r.status, code) << r.raw.body;
  ASSERT_TRUE(r.json.is_object()) << r.raw.body;
  EXPECT_EQ(r.json.at("kind"), "Status");
  EXPECT_EQ(r.json.at("apiVersion"), "v1");
  EXPECT_EQ(r.json.at("status"), "Failure");
  EXPECT_EQ(std::string_view(r.json.at("reason").as_string()), reason);
  EXPECT_EQ(r.json.at("code"), code);
}

TEST_F(KubeApiTest, TokensAreCheckedAndAResetTokenInvalidatesTheOldOne) {
  expect_status(call("GET", "/version", {}, {}, ""), 401, "Unauthorized");
  expect_status(call("GET", "/api/v1/nodes", {}, {}, "token-two"), 401, "Unauthorized");
  EXPECT_EQ(call("GET", "/version").status, 200);
  auto c = *dir_.find(kId);
  c.token = "token-two";
  dir_.put(c);
  expect_status(call("GET", "/version"), 401, "Unauthorized");
  EXPECT_EQ(call("GET", "/version", {}, {}, "token-two").status, 200);
}

TEST_F(KubeApiTest, UnknownClustersAndPathsAreNotFound) {
  http::Request req;
  req.method = "GET";
  req.target = cluster_path("99999999-9999-4999-8999-999999999999") + "/version";
  http::parse_target(req.target, req.path, req.query);
  req.headers.emplace_back("Authorization", "Bearer token-one");
  EXPECT_EQ(api_->handle(req).status, 404);
  expect_status(call("GET", "/api/v1/pods"), 404, "NotFound");
  expect_status(call("GET", "/apis/apps/v1"), 404, "NotFound");
  expect_status(call("GET", "/api/v2"), 404, "NotFound");
  expect_status(call("DELETE", "/api/v1/nodes/scw-mycluster-default-0a"), 405, "MethodNotAllowed");
  expect_status(call("GET", "/api/v1/configmaps?watch=true"), 405, "MethodNotAllowed");
}

TEST_F(KubeApiTest, VersionHealthAndDiscovery) {
  auto v = call("GET", "/version");
  EXPECT_EQ(v.json.at("gitVersion"), "v1.34.6");
  EXPECT_EQ(v.json.at("major"), "1");
  EXPECT_EQ(v.json.at("minor"), "34");
  EXPECT_EQ(v.json.at("platform"), "linux/amd64");
  for (auto p : {"/healthz", "/readyz", "/livez"}) {
    auto h = call("GET", p);
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.raw.body, "ok");
  }
  auto api = call("GET", "/api");
  EXPECT_EQ(api.json.at("kind"), "APIVersions");
  EXPECT_EQ(api.json.at("versions"), json::array{"v1"});
  auto apis = call("GET", "/apis");
  EXPECT_EQ(apis.json.at("kind"), "APIGroupList");
  auto v1 = call("GET", "/api/v1");
  EXPECT_EQ(v1.json.at("kind"), "APIResourceList");
  std::map<std::string, json::value> by_name;
  for (auto& r : v1.json.at("resources").as_array())
    by_name[std::string(r.at("name").as_string())] = r;
  ASSERT_EQ(by_name.size(), 4u);
  EXPECT_EQ(by_name["nodes"].at("namespaced"), false);
  EXPECT_EQ(by_name["nodes"].at("verbs"), (json::array{"get", "list"}));
  EXPECT_EQ(by_name["configmaps"].at("namespaced"), true);
  EXPECT_EQ(by_name["configmaps"].at("kind"), "ConfigMap");
  EXPECT_EQ(by_name["namespaces"].at("shortNames"), json::array{"ns"});
  auto root = call("GET", "/openapi/v3");
  auto url = str(root.json, {"paths", "api/v1", "serverRelativeURL"});
  ASSERT_TRUE(url.starts_with("/openapi/v3/api/v1?hash=")) << url;
  auto doc = call("GET", url);
  EXPECT_EQ(doc.status, 200);
  auto& patch =
      doc.json.at("paths").at("/api/v1/namespaces/{namespace}/configmaps/{name}").at("patch");
  EXPECT_EQ(patch.at("x-kubernetes-group-version-kind").at("kind"), "ConfigMap");
}

TEST_F(KubeApiTest, NodesMirrorTheControlPlane) {
  auto list = call("GET", "/api/v1/nodes");
  EXPECT_EQ(list.json.at("kind"), "NodeList");
  EXPECT_EQ(names(list.json),
            (std::vector<std::string>{"scw-mycluster-default-0a", "scw-mycluster-default-0b"}));
  auto n = call("GET", "/api/v1/nodes/scw-mycluster-default-0a").json;
  EXPECT_EQ(str(n, {"metadata", "labels", "k8s.scaleway.com/pool-name"}), "default");
  EXPECT_EQ(str(n, {"metadata", "labels", "node.kubernetes.io/instance-type"}), "pro2_xxs");
  EXPECT_EQ(str(n, {"metadata", "labels", "topology.kubernetes.io/zone"}), "fr-par-1");
  EXPECT_EQ(str(n, {"spec", "providerID"}), "scaleway://instance/fr-par-1/" + std::string(kId));
  EXPECT_EQ(str(n, {"status", "nodeInfo", "kubeletVersion"}), "v1.34.6");
  EXPECT_EQ(str(n.at("status").at("conditions").at(0), {"status"}), "True");
  auto addrs = n.at("status").at("addresses").as_array();
  ASSERT_EQ(addrs.size(), 3u);
  EXPECT_EQ(str(addrs[1], {"address"}), "51.15.0.10");
  expect_status(call("GET", "/api/v1/nodes/nope"), 404, "NotFound");

  auto table = call("GET", "/api/v1/nodes", {}, {}, "token-one",
                    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  EXPECT_EQ(table.json.at("kind"), "Table");
  std::vector<std::string> cols;
  for (auto& c : table.json.at("columnDefinitions").as_array())
    if (c.at("priority") == 0) cols.push_back(std::string(c.at("name").as_string()));
  EXPECT_EQ(cols, (std::vector<std::string>{"Name", "Status", "Roles", "Age", "Version"}));
  auto& rows = table.json.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("cells").at(1), "Ready");
  EXPECT_EQ(rows[0].at("cells").at(3), "10m");
  EXPECT_EQ(rows[0].at("cells").at(4), "v1.34.6");
  EXPECT_EQ(rows[1].at("cells").at(1), "NotReady");
  EXPECT_EQ(rows[1].at("cells").at(6), "<none>");  // no external IP
  EXPECT_EQ(rows[0].at("object").at("kind"), "PartialObjectMetadata");

  auto selected =
      call("GET", "/api/v1/nodes?labelSelector=kubernetes.io/hostname%3Dscw-mycluster-default-0b");
  EXPECT_EQ(names(selected.json), std::vector<std::string>{"scw-mycluster-default-0b"});
}

TEST_F(KubeApiTest, DefaultNamespacesCreateGetListDelete) {
  EXPECT_EQ(names(call("GET", "/api/v1/namespaces").json),
            (std::vector<std::string>{"default", "kube-node-lease", "kube-public", "kube-system"}));
  auto def = call("GET", "/api/v1/namespaces/default");
  EXPECT_EQ(str(def.json, {"status", "phase"}), "Active");
  auto created = call("POST", "/api/v1/namespaces",
                      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}})");
  EXPECT_EQ(created.status, 201) << created.raw.body;
  EXPECT_EQ(str(created.json, {"metadata", "labels", "kubernetes.io/metadata.name"}), "team-a");
  // The defaults keep their identity once the cluster is written to.
  EXPECT_EQ(str(call("GET", "/api/v1/namespaces/default").json, {"metadata", "uid"}),
            str(def.json, {"metadata", "uid"}));
  EXPECT_EQ(names(call("GET", "/api/v1/namespaces").json).size(), 5u);
  expect_status(call("POST", "/api/v1/namespaces", R"({"metadata":{"name":"team-a"}})"), 409,
                "AlreadyExists");
  expect_status(call("POST", "/api/v1/namespaces", R"({"metadata":{"name":"Team_A"}})"), 422,
                "Invalid");
  expect_status(call("DELETE", "/api/v1/namespaces/default"), 403, "Forbidden");

  ASSERT_EQ(
      call("POST", "/api/v1/namespaces/team-a/configmaps", R"({"metadata":{"name":"c"}})").status,
      201);
  auto del = call("DELETE", "/api/v1/namespaces/team-a");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(str(del.json, {"status", "phase"}), "Terminating");
  expect_status(call("GET", "/api/v1/namespaces/team-a"), 404, "NotFound");
  EXPECT_TRUE(names(call("GET", "/api/v1/configmaps").json).empty());
  // Its objects went with it: a namespace of the same name starts empty.
  call("POST", "/api/v1/namespaces", R"({"metadata":{"name":"team-a"}})");
  expect_status(call("GET", "/api/v1/namespaces/team-a/configmaps/c"), 404, "NotFound");
  expect_status(call("POST", "/api/v1/namespaces/nope/configmaps", R"({"metadata":{"name":"c"}})"),
                404, "NotFound");
}

TEST_F(KubeApiTest, ConfigMapsCrudWithResourceVersions) {
  auto c = call(
      "POST", "/api/v1/namespaces/default/configmaps",
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app","labels":{"tier":"web"}},"data":{"a":"1"}})");
  ASSERT_EQ(c.status, 201) << c.raw.body;
  auto rv1 = str(c.json, {"metadata", "resourceVersion"});
  EXPECT_EQ(str(c.json, {"metadata", "namespace"}), "default");
  EXPECT_NE(str(c.json, {"metadata", "uid"}), "<absent>");

  auto got = call("GET", "/api/v1/namespaces/default/configmaps/app");
  EXPECT_EQ(got.json, c.json);
  EXPECT_EQ(names(call("GET", "/api/v1/namespaces/default/configmaps").json),
            std::vector<std::string>{"app"});
  EXPECT_EQ(names(call("GET", "/api/v1/configmaps?labelSelector=tier%3Dweb").json),
            std::vector<std::string>{"app"});
  EXPECT_TRUE(names(call("GET", "/api/v1/configmaps?labelSelector=tier%3Ddb").json).empty());
  EXPECT_TRUE(
      names(
          call("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dx").json)
          .empty());
  expect_status(call("GET", "/api/v1/configmaps?fieldSelector=data.a%3D1"), 400, "BadRequest");

  // Replace with the current version, then with the stale one.
  json::value upd = c.json;
  upd.at("data").as_object()["a"] = "2";
  auto put = call("PUT", "/api/v1/namespaces/default/configmaps/app", json::serialize(upd));
  ASSERT_EQ(put.status, 200) << put.raw.body;
  auto rv2 = str(put.json, {"metadata", "resourceVersion"});
  EXPECT_GT(std::stoll(rv2), std::stoll(rv1));
  EXPECT_EQ(str(put.json, {"data", "a"}), "2");
  expect_status(call("PUT", "/api/v1/namespaces/default/configmaps/app", json::serialize(upd)), 409,
                "Conflict");
  // The same content again changes nothing, not even the version.
  auto again = call("PUT", "/api/v1/namespaces/default/configmaps/app", json::serialize(put.json));
  EXPECT_EQ(str(again.json, {"metadata", "resourceVersion"}), rv2);
  expect_status(call("PUT", "/api/v1/namespaces/default/configmaps/missing",
                     R"({"metadata":{"name":"missing"}})"),
                404, "NotFound");
  expect_status(
      call("PUT", "/api/v1/namespaces/default/configmaps/app", R"({"metadata":{"name":"other"}})"),
      400, "BadRequest");

  // The three patch formats.
  auto merge = call("PATCH", "/api/v1/namespaces/default/configmaps/app",
                    R"({"data":{"b":"x","a":null}})", "application/merge-patch+json");
  ASSERT_EQ(merge.status, 200) << merge.raw.body;
  EXPECT_EQ(json::serialize(merge.json.at("data")), R"({"b":"x"})");
  auto smp = call("PATCH", "/api/v1/namespaces/default/configmaps/app",
                  R"({"metadata":{"annotations":{"k":"v"}},"data":{"c":"y"}})",
                  "application/strategic-merge-patch+json");
  ASSERT_EQ(smp.status, 200) << smp.raw.body;
  EXPECT_EQ(str(smp.json, {"metadata", "annotations", "k"}), "v");
  EXPECT_EQ(str(smp.json, {"data", "c"}), "y");
  auto jp = call(
      "PATCH", "/api/v1/namespaces/default/configmaps/app",
      R"([{"op":"test","path":"/data/b","value":"x"},{"op":"replace","path":"/data/b","value":"z"}])",
      "application/json-patch+json");
  ASSERT_EQ(jp.status, 200) << jp.raw.body;
  EXPECT_EQ(str(jp.json, {"data", "b"}), "z");
  expect_status(
      call("PATCH", "/api/v1/namespaces/default/configmaps/app",
           R"([{"op":"test","path":"/data/b","value":"nope"}])", "application/json-patch+json"),
      422, "Invalid");
  expect_status(call("PATCH", "/api/v1/namespaces/default/configmaps/app",
                     R"({"metadata":{"resourceVersion":"1"},"data":{"q":"1"}})",
                     "application/merge-patch+json"),
                409, "Conflict");
  expect_status(call("PATCH", "/api/v1/namespaces/default/configmaps/app", R"({})",
                     "application/apply-patch+yaml"),
                415, "UnsupportedMediaType");

  auto del = call("DELETE", "/api/v1/namespaces/default/configmaps/app");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.json.at("status"), "Success");
  EXPECT_EQ(str(del.json, {"details", "name"}), "app");
  expect_status(call("GET", "/api/v1/namespaces/default/configmaps/app"), 404, "NotFound");
  expect_status(call("DELETE", "/api/v1/namespaces/default/configmaps/app"), 404, "NotFound");
}

TEST_F(KubeApiTest, DryRunAndFieldValidation) {
  auto dry = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All",
                  R"({"metadata":{"name":"dry"},"data":{"a":"1"}})");
  EXPECT_EQ(dry.status, 201);
  expect_status(call("GET", "/api/v1/namespaces/default/configmaps/dry"), 404, "NotFound");
  expect_status(call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                     R"({"metadata":{"name":"s"},"spec":{}})"),
                400, "BadRequest");
  auto warn = call("POST", "/api/v1/namespaces/default/configmaps",
                   R"({"metadata":{"name":"w"},"spec":{}})");
  EXPECT_EQ(warn.status, 201);
  ASSERT_FALSE(warn.raw.headers.empty());
  EXPECT_EQ(warn.raw.headers[0].first, "Warning");
  EXPECT_EQ(warn.raw.headers[0].second, R"(299 - "unknown field \"spec\"")");
  EXPECT_FALSE(warn.json.as_object().contains("spec"));
  expect_status(call("POST", "/api/v1/namespaces/default/configmaps",
                     R"({"metadata":{"name":"m","namespace":"kube-system"}})"),
                400, "BadRequest");
  expect_status(call("POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{}})"), 422,
                "Invalid");
  auto gen = call("POST", "/api/v1/namespaces/default/configmaps",
                  R"({"metadata":{"generateName":"gen-"}})");
  EXPECT_EQ(gen.status, 201);
  EXPECT_EQ(str(gen.json, {"metadata", "name"}).size(), 9u);
}

TEST_F(KubeApiTest, SecretsAreStoredSealed) {
  auto s = call("POST", "/api/v1/namespaces/default/secrets",
                R"({"metadata":{"name":"db"},"stringData":{"password":"hunter2-very-secret"}})");
  ASSERT_EQ(s.status, 201) << s.raw.body;
  EXPECT_EQ(str(s.json, {"type"}), "Opaque");
  EXPECT_EQ(str(s.json, {"data", "password"}), "aHVudGVyMi12ZXJ5LXNlY3JldA==");
  EXPECT_FALSE(s.json.as_object().contains("stringData"));
  EXPECT_EQ(str(call("GET", "/api/v1/namespaces/default/secrets/db").json, {"data", "password"}),
            "aHVudGVyMi12ZXJ5LXNlY3JldA==");
  store_->transact(store::TxMode::kRead, [&](store::Tx& tx) {
    auto all = tx.list({.kind = std::string(kKubeObjectKind)});
    bool seen = false;
    for (auto& r : all.items) {
      auto text = json::serialize(r.body);
      EXPECT_EQ(text.find("aHVudGVyMi12ZXJ5LXNlY3JldA"), std::string::npos);
      EXPECT_EQ(text.find("hunter2"), std::string::npos);
      seen = seen || r.name == "db";
    }
    EXPECT_TRUE(seen);
    return true;
  });
  expect_status(call("POST", "/api/v1/namespaces/default/secrets",
                     R"({"metadata":{"name":"bad"},"data":{"k":"not base64!"}})"),
                400, "BadRequest");
  expect_status(call("PATCH", "/api/v1/namespaces/default/secrets/db",
                     R"({"type":"kubernetes.io/basic-auth"})", "application/merge-patch+json"),
                422, "Invalid");
}

TEST_F(KubeApiTest, ObjectsSurviveARestartAndGoWithTheCluster) {
  ASSERT_EQ(call("POST", "/api/v1/namespaces/default/configmaps",
                 R"({"metadata":{"name":"keep"},"data":{"a":"1"}})")
                .status,
            201);
  ASSERT_EQ(call("POST", "/api/v1/namespaces/default/secrets",
                 R"({"metadata":{"name":"s"},"data":{"a":"MQ=="}})")
                .status,
            201);
  reopen();
  EXPECT_EQ(str(call("GET", "/api/v1/namespaces/default/configmaps/keep").json, {"data", "a"}),
            "1");
  EXPECT_EQ(str(call("GET", "/api/v1/namespaces/default/secrets/s").json, {"data", "a"}), "MQ==");
  store_->transact(store::TxMode::kWrite, [&](store::Tx& tx) {
    remove_kube_objects(tx, kId);
    return true;
  });
  store_->transact(store::TxMode::kRead, [&](store::Tx& tx) {
    EXPECT_EQ(tx.list({.kind = std::string(kKubeObjectKind)}).items.size(), 0u);
    EXPECT_EQ(tx.list({.kind = std::string(kKubeStateKind)}).items.size(), 0u);
    return true;
  });
  expect_status(call("GET", "/api/v1/namespaces/default/configmaps/keep"), 404, "NotFound");
  EXPECT_EQ(names(call("GET", "/api/v1/namespaces").json).size(), 4u);
}

TEST_F(KubeApiTest, TablesForNamespacedObjects) {
  call("POST", "/api/v1/namespaces/default/configmaps",
       R"({"metadata":{"name":"t"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}})");
  auto table = call("GET", "/api/v1/namespaces/default/configmaps", {}, {}, "token-one",
                    "application/json;as=Table;v=v1;g=meta.k8s.io");
  ASSERT_EQ(table.json.at("kind"), "Table");
  auto& cells = table.json.at("rows").at(0).at("cells").as_array();
  EXPECT_EQ(cells.at(0), "t");
  EXPECT_EQ(cells.at(1), 3);
  EXPECT_EQ(cells.at(2), "0s");
  auto ns = call("GET", "/api/v1/namespaces/kube-system", {}, {}, "token-one",
                 "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_EQ(ns.json.at("rows").at(0).at("cells").at(1), "Active");
  EXPECT_EQ(ns.json.at("rows").at(0).at("cells").at(2), "60m");
}

// A length-delimited protobuf field (lengths below 128).
std::string pb(int field, std::string_view bytes) {
  return std::string(1, static_cast<char>(field << 3 | 2)) + static_cast<char>(bytes.size()) +
         std::string(bytes);
}

TEST_F(KubeApiTest, ProtobufBodiesAsKubectlSendsThem) {
  std::string meta = pb(1, "pb") + pb(11, pb(1, "app") + pb(2, "web"));
  std::string cm = pb(1, meta) + pb(2, pb(1, "k") + pb(2, "v")) +
                   pb(3, pb(1, "b") + pb(2, std::string("\x00\x01", 2))) + "\x20\x01";
  std::string body = std::string("k8s\0", 4) + pb(1, pb(1, "v1") + pb(2, "ConfigMap")) + pb(2, cm);
  auto r = call("POST", "/api/v1/namespaces/default/configmaps", body,
                "application/vnd.kubernetes.protobuf");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(str(r.json, {"metadata", "name"}), "pb");
  EXPECT_EQ(str(r.json, {"metadata", "labels", "app"}), "web");
  EXPECT_EQ(str(r.json, {"data", "k"}), "v");
  EXPECT_EQ(str(r.json, {"binaryData", "b"}), "AAE=");
  EXPECT_EQ(r.json.at("immutable"), true);
  // Immutable: its data stays.
  expect_status(call("PATCH", "/api/v1/namespaces/default/configmaps/pb", R"({"data":{"k":"w"}})",
                     "application/merge-patch+json"),
                422, "Invalid");
  expect_status(call("POST", "/api/v1/namespaces/default/configmaps", "k8s\0\x0a\x7f",
                     "application/vnd.kubernetes.protobuf"),
                400, "BadRequest");
  // Bytes changed at random: refused or read, never a failure of the server.
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    auto mutated = body;
    for (int k = 0; k < 3; ++k)
      mutated[4 + rng() % (mutated.size() - 4)] = static_cast<char>(rng() % 256);
    auto m = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", mutated,
                  "application/vnd.kubernetes.protobuf");
    EXPECT_TRUE(m.status == 400 || m.status == 409 || m.status == 422 || m.status == 201)
        << i << ": " << m.raw.body;
  }
  // Every truncation of a valid body is refused or read as what it still holds, never more.
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto t = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", body.substr(0, n),
                  "application/vnd.kubernetes.protobuf");
    EXPECT_TRUE(t.status == 400 || t.status == 409 || t.status == 422 || t.status == 201)
        << n << ": " << t.raw.body;
  }
}

TEST(ClusterNames, HostAndPath) {
  EXPECT_EQ(cluster_host(kId, "nl-ams"), std::string(kId) + ".api.k8s.nl-ams.scw.cloud");
  EXPECT_EQ(cluster_path(kId), "/clusters/" + std::string(kId));
  FakeDirectory dir;
  KubeCluster c;
  c.id = kId;
  c.region = "nl-ams";
  dir.put(c);
  EXPECT_TRUE(cluster_for_host(dir, cluster_host(kId, "nl-ams")));
  EXPECT_FALSE(cluster_for_host(dir, cluster_host(kId, "fr-par")));
  EXPECT_FALSE(cluster_for_host(dir, "example.com"));
}

}  // namespace
}  // namespace scwd::products::k8s

// kubectl against the API server in process: the HTTPS listener, the handler and a cluster of a
// fake control plane, with a kubeconfig of the shape the control plane renders. Skipped where no
// kubectl is installed (tests/sdk/kubectl.test.mjs covers the whole product with it).
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>

#include "core/http/server.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "products/k8s/kubeapi/kubeapi.hpp"
#include "testing/temp_dir.hpp"

namespace scwd::products::k8s {
namespace {

constexpr std::string_view kId = "3c9e2b1a-7d4f-4e8a-9b6c-5d4e3f2a1b0c";

class OneCluster : public ClusterDirectory {
 public:
  std::optional<KubeCluster> find(std::string_view id) const override {
    std::lock_guard lock(mu);
    if (id != cluster.id) return std::nullopt;
    return cluster;
  }
  mutable std::mutex mu;
  KubeCluster cluster;
};

std::string base64(const std::string& s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

struct Ran {
  int status;
  std::string out;  // stdout and stderr
};

Ran sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

std::string kubectl_bin() {
  const char* k = std::getenv("KUBECTL");
  return k && *k ? k : "kubectl";
}

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sh(kubectl_bin() + " version --client").status != 0) GTEST_SKIP() << "no kubectl";
    auto& c = dir_.cluster;
    c.id = kId;
    c.name = "inproc";
    c.region = "fr-par";
    c.organization_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    c.project_id = c.organization_id;
    c.version = "1.34.6";
    c.token = "in-process-token";
    c.created_at = clock_.now();
    auto pki = make_cluster_pki({cluster_host(kId, "fr-par"), "127.0.0.1"}, clock_.now());
    c.server_cert_pem = pki.server_cert_pem;
    c.server_key_pem = pki.server_key_pem;
    KubeNode n;
    n.name = "scw-inproc-default-0";
    n.pool_name = "default";
    n.kubelet_version = "v1.34.6";
    n.ready = true;
    n.internal_ip = "172.16.0.2";
    n.created_at = clock_.now();
    c.nodes = {n};
    store_ = store::open_sqlite({(tmp_.path() / "scwd.db").string()});
    api_ = std::make_unique<KubeApi>(dir_, *store_, clock_, box_);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 1;
    so.workers = 2;
    so.tls = http::TlsOptions{[this](std::string_view name) -> std::optional<http::TlsCredentials> {
      auto c = cluster_for_host(dir_, name);
      if (!c) return std::nullopt;
      return http::TlsCredentials{c->server_cert_pem, c->server_key_pem};
    }};
    server_ = std::make_unique<http::Server>(
        so,
        [this](http::Request& req) -> http::Staged {
          if (!KubeApi::writes(req)) return api_->handle(req);
          http::Staged s;
          s.rest = [this, &req] { return api_->handle(req); };
          return s;
        },
        [](int status, std::string_view, std::string_view detail) {
          return KubeApi::transport_error(status, detail);
        },
        nullptr);
    server_->start();
    kubeconfig_ = (tmp_.path() / "kubeconfig").string();
    std::ofstream f(kubeconfig_);
    f << "apiVersion: v1\nkind: Config\nclusters:\n- name: inproc\n  cluster:\n"
      << "    server: https://127.0.0.1:" << server_->port() << cluster_path(kId) << "\n"
      << "    tls-server-name: " << cluster_host(kId, "fr-par") << "\n"
      << "    certificate-authority-data: " << base64(pki.ca_cert_pem) << "\n"
      << "contexts:\n- name: admin@inproc\n  context:\n    cluster: inproc\n    user: admin\n"
      << "current-context: admin@inproc\nusers:\n- name: admin\n  user:\n"
      << "    token: " << c.token << "\n";
  }

  Ran kubectl(const std::string& args) {
    return sh(kubectl_bin() + " --kubeconfig " + kubeconfig_ + " --cache-dir " +
              (tmp_.path() / "cache").string() + " --request-timeout 20s " + args);
  }

  testing::TempDir tmp_;
  Clock clock_;
  SecretBox box_;
  OneCluster dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<KubeApi> api_;
  std::unique_ptr<http::Server> server_;
  std::string kubeconfig_;
};

TEST_F(KubectlTest, VersionNodesNamespacesAndApply) {
  auto v = kubectl("version -o json");
  EXPECT_NE(v.out.find("\"gitVersion\": \"v1.34.6\""), std::string::npos) << v.out;

  auto nodes = kubectl("get nodes");
  ASSERT_EQ(nodes.status, 0) << nodes.out;
  EXPECT_NE(nodes.out.find("NAME                   STATUS   ROLES    AGE"), std::string::npos)
      << nodes.out;
  EXPECT_NE(nodes.out.find("scw-inproc-default-0   Ready    <none>"), std::string::npos)
      << nodes.out;

  auto ns = kubectl("create ns team-a");
  ASSERT_EQ(ns.status, 0) << ns.out;
  EXPECT_NE(kubectl("get ns").out.find("team-a"), std::string::npos);

  // Typed clients send protobuf bodies.
  auto cm = kubectl("create configmap literal -n team-a --from-literal=a=1");
  ASSERT_EQ(cm.status, 0) << cm.out;
  auto secret = kubectl("create secret generic creds -n team-a --from-literal=password=s3cr3t");
  ASSERT_EQ(secret.status, 0) << secret.out;
  auto read = kubectl("get secret creds -n team-a -o jsonpath={.data.password}");
  EXPECT_EQ(read.out, "czNjcjN0") << read.out;

  auto file = (tmp_.path() / "cm.yaml").string();
  std::ofstream(file) << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                         "  namespace: team-a\ndata:\n  color: blue\n";
  auto first = kubectl("apply -f " + file);
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find("configmap/settings created"), std::string::npos) << first.out;
  auto second = kubectl("apply -f " + file);
  ASSERT_EQ(second.status, 0) << second.out;
  EXPECT_NE(second.out.find("configmap/settings unchanged"), std::string::npos) << second.out;
  std::ofstream(file) << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                         "  namespace: team-a\ndata:\n  color: green\n";
  auto third = kubectl("apply -f " + file);
  EXPECT_NE(third.out.find("configmap/settings configured"), std::string::npos) << third.out;
  auto yaml = kubectl("get cm settings -n team-a -o yaml");
  EXPECT_NE(yaml.out.find("color: green"), std::string::npos) << yaml.out;

  auto del = kubectl("delete cm settings -n team-a");
  EXPECT_EQ(del.status, 0) << del.out;
  auto gone = kubectl("get cm settings -n team-a");
  EXPECT_NE(gone.status, 0);
  EXPECT_NE(gone.out.find("NotFound"), std::string::npos) << gone.out;
  EXPECT_EQ(kubectl("delete ns team-a").status, 0);

  {
    std::lock_guard lock(dir_.mu);
    dir_.cluster.token = "reset";
  }
  auto stale = kubectl("get ns");
  EXPECT_NE(stale.status, 0);
  EXPECT_NE(stale.out.find("Unauthorized"), std::string::npos) << stale.out;
}

}  // namespace
}  // namespace scwd::products::k8s

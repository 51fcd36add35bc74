// The HTTPS listener (core/http/server with TLS options) with a cluster's certificates: a client
// that trusts the cluster's CA and names its host (SNI) gets through; other names do not.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "core/http/server.hpp"
#include "products/k8s/kube.hpp"

namespace scwd::products::k8s {
namespace {

const std::string kHost = cluster_host("0f3b8e4c-2a59-4d1e-9b7a-6c2d1e0f9a8b", "fr-par");

// One request over TLS: the response text, or "" when the handshake or verification failed.
std::string https_get(std::uint16_t port, const std::string& ca_pem, const char* sni,
                      const std::string& verify_host) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
  X509_free(ca);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (sni) SSL_set_tlsext_host_name(ssl, sni);
    SSL_set1_host(ssl, verify_host.c_str());
    if (SSL_connect(ssl) == 1) {
      std::string req = "GET /x HTTP/1.1\r\nHost: " + kHost + "\r\nConnection: close\r\n\r\n";
      SSL_write(ssl, req.data(), static_cast<int>(req.size()));
      char buf[4096];
      int n;
      while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    ERR_clear_error();
    SSL_free(ssl);
  }
  ::close(fd);
  SSL_CTX_free(ctx);
  return out;
}

TEST(TlsListener, ServesTheCertificateChosenByServerName) {
  auto pki = make_cluster_pki({kHost, "127.0.0.1"}, system_now());
  http::ServerOptions so;
  so.port = 0;
  so.threads = 1;
  so.workers = 0;
  so.tls = http::TlsOptions{[&](std::string_view name) -> std::optional<http::TlsCredentials> {
    if (name != kHost) return std::nullopt;
    return http::TlsCredentials{pki.server_cert_pem, pki.server_key_pem};
  }};
  http::Server server(
      so,
      [](http::Request& req) {
        return http::Staged(http::Response::raw(200, "text/plain", "hello " + req.path));
      },
      [](int status, std::string_view, std::string_view) {
        return http::Response::raw(status, "text/plain", "error");
      },
      nullptr);
  server.start();

  auto ok = https_get(server.port(), pki.ca_cert_pem, kHost.c_str(), kHost);
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200")) << ok;
  EXPECT_NE(ok.find("hello /x"), std::string::npos) << ok;
  // The IP SAN verifies too, as long as the client names the host.
  EXPECT_TRUE(https_get(server.port(), pki.ca_cert_pem, kHost.c_str(), "127.0.0.1")
                  .starts_with("HTTP/1.1 200"));
  // No name, or an unknown one: no certificate, no handshake.
  EXPECT_EQ(https_get(server.port(), pki.ca_cert_pem, nullptr, kHost), "");
  EXPECT_EQ(https_get(server.port(), pki.ca_cert_pem, "other.example", "other.example"), "");
  // A client that trusts another CA refuses the certificate.
  auto other = make_cluster_pki({kHost}, system_now());
  EXPECT_EQ(https_get(server.port(), other.ca_cert_pem, kHost.c_str(), kHost), "");
}

}  // namespace
}  // namespace scwd::products::k8s

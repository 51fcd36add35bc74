#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "products/k8s/kube.hpp"

namespace scwd::products::k8s {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr read_cert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr x(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return x;
}

EVP_PKEY* read_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return k;
}

// The verification result of `leaf` against `ca` for a DNS name or an IP literal.
int verify(X509* ca, X509* leaf, const std::string& host, bool ip) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (ip)
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  else
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  int ok = X509_verify_cert(ctx);
  int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return err;
}

const std::string kHost = cluster_host("0f3b8e4c-2a59-4d1e-9b7a-6c2d1e0f9a8b", "fr-par");

TEST(ClusterPki, ServerCertificateVerifiesAgainstTheCaForItsHosts) {
  auto pki = make_cluster_pki({kHost, "127.0.0.1"}, system_now());
  auto ca = read_cert(pki.ca_cert_pem);
  auto server = read_cert(pki.server_cert_pem);
  ASSERT_TRUE(ca && server);
  EXPECT_EQ(verify(ca.get(), server.get(), kHost, false), X509_V_OK);
  EXPECT_EQ(verify(ca.get(), server.get(), "127.0.0.1", true), X509_V_OK);
  EXPECT_EQ(verify(ca.get(), server.get(), "other.api.k8s.fr-par.scw.cloud", false),
            X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(ca.get(), server.get(), "127.0.0.2", true), X509_V_ERR_IP_ADDRESS_MISMATCH);

  // Another cluster's CA does not vouch for this certificate.
  auto other = make_cluster_pki({kHost}, system_now());
  auto other_ca = read_cert(other.ca_cert_pem);
  EXPECT_NE(verify(other_ca.get(), server.get(), kHost, false), X509_V_OK);
}

TEST(ClusterPki, CaIsASelfSignedP256CaNamedKubernetesForTenYears) {
  auto pki = make_cluster_pki({kHost}, system_now());
  auto ca = read_cert(pki.ca_cert_pem);
  ASSERT_TRUE(ca);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(ca.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "kubernetes");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(ca.get()), X509_get_issuer_name(ca.get())), 0);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_TRUE(X509_get_key_usage(ca.get()) & KU_KEY_CERT_SIGN);
  EVP_PKEY* pub = X509_get0_pubkey(ca.get());
  EXPECT_TRUE(EVP_PKEY_is_a(pub, "EC"));
  char group[32] = {};
  std::size_t len = 0;
  EVP_PKEY_get_utf8_string_param(pub, "group", group, sizeof group, &len);
  EXPECT_STREQ(group, "prime256v1");
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca.get()), X509_get0_notAfter(ca.get()));
  EXPECT_GE(days, 3650);
  EXPECT_LE(days, 3653);
}

TEST(ClusterPki, ServerCertificateIsForServersOnlyAndMatchesItsKey) {
  auto pki = make_cluster_pki({kHost, "127.0.0.1"}, system_now());
  auto server = read_cert(pki.server_cert_pem);
  ASSERT_TRUE(server);
  EXPECT_EQ(X509_check_ca(server.get()), 0);
  EXPECT_TRUE(X509_get_extended_key_usage(server.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(server.get()) & XKU_SSL_CLIENT);
  EVP_PKEY* key = read_key(pki.server_key_pem);
  ASSERT_TRUE(key);
  EXPECT_EQ(X509_check_private_key(server.get(), key), 1);
  EVP_PKEY_free(key);
  EVP_PKEY* ca_key = read_key(pki.ca_key_pem);
  auto ca = read_cert(pki.ca_cert_pem);
  ASSERT_TRUE(ca_key);
  EXPECT_EQ(X509_check_private_key(ca.get(), ca_key), 1);
  EVP_PKEY_free(ca_key);
}

TEST(ClusterPki, ValidFromTheRealClockWhenTheVirtualOneRunsAhead) {
  auto ahead = system_now() + 30LL * 24 * 3600 * 1000000;
  auto pki = make_cluster_pki({kHost}, ahead);
  auto server = read_cert(pki.server_cert_pem);
  ASSERT_TRUE(server);
  EXPECT_LE(X509_cmp_current_time(X509_get0_notBefore(server.get())), 0);
}

}  // namespace
}  // namespace scwd::products::k8s

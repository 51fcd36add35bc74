// A cluster's certificates (kube.hpp): OpenSSL 3's EVP and X509 APIs.
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "products/k8s/kube.hpp"

namespace scwd::products::k8s {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("cluster certificates: ") + what);
}

PkeyPtr new_p256_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("EC key generation failed");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) fail("bad extension");
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (!ok) fail("cannot add extension");
}

// A certificate for `key`'s public half with a random 128-bit serial, subject CN=`cn`, valid
// from `not_before` (seconds since the epoch) for ten years.
X509Ptr new_cert(EVP_PKEY* key, const char* cn, std::int64_t not_before) {
  X509Ptr cert(X509_new());
  if (!cert || !X509_set_version(cert.get(), X509_VERSION_3)) fail("X509_new failed");
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> serial(BN_new());
  if (!serial || !BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    fail("serial number");
  constexpr std::int64_t kTenYears = 10LL * 365 * 24 * 3600 + 3 * 24 * 3600;  // with leap days
  if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_before + kTenYears)))
    fail("validity");
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>(cn), -1, -1, 0))
    fail("subject");
  if (!X509_set_pubkey(cert.get(), key)) fail("public key");
  return cert;
}

std::string cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_X509(bio.get(), cert)) fail("PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
    fail("PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

bool is_ip(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

ClusterPki make_cluster_pki(const std::vector<std::string>& hosts, Micros now) {
  // Clients check validity against the real clock, and the virtual clock may run ahead of it:
  // a certificate dated by the virtual clock alone would not be valid yet.
  std::int64_t not_before = std::min(now, system_now()) / 1000000;

  PkeyPtr ca_key = new_p256_key();
  X509Ptr ca = new_cert(ca_key.get(), "kubernetes", not_before);
  if (!X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()))) fail("issuer");
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(ca.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign");
  add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  if (!X509_sign(ca.get(), ca_key.get(), EVP_sha256())) fail("CA signature");

  PkeyPtr server_key = new_p256_key();
  X509Ptr server = new_cert(server_key.get(), "kube-apiserver", not_before);
  if (!X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get()))) fail("issuer");
  add_ext(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_ext(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  std::string sans;
  for (auto& h : hosts) {
    if (h.empty() || h.find_first_of(",\n\r") != std::string::npos) fail("bad host name");
    if (!sans.empty()) sans += ",";
    sans += (is_ip(h) ? "IP:" : "DNS:") + h;
  }
  if (!sans.empty()) add_ext(server.get(), ca.get(), NID_subject_alt_name, sans);
  if (!X509_sign(server.get(), ca_key.get(), EVP_sha256())) fail("server signature");

  return ClusterPki{cert_pem(ca.get()), key_pem(ca_key.get()), cert_pem(server.get()),
                    key_pem(server_key.get())};
}

}  // namespace scwd::products::k8s

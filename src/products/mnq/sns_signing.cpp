#include "products/mnq/sns_signing.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "core/util/json.hpp"
#include "products/mnq/crypto.hpp"

namespace scwd::products::mnq {

namespace {

constexpr std::string_view kKind = "mnq.sns_signer";

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Free<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

std::string bio_text(BIO* b) {
  char* data = nullptr;
  auto n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

SnsSigner make_signer() {
  Key key(EVP_RSA_gen(2048));
  Cert cert(X509_new());
  if (!key || !cert) throw std::runtime_error("cannot make the SNS signing key");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  auto* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.mnq.scwd"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    throw std::runtime_error("cannot sign the SNS certificate");
  Bio kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cb.get(), cert.get());
  return {bio_text(kb.get()), bio_text(cb.get())};
}

// Parsed keys, by their PEM text (parsing costs more than signing).
EVP_PKEY* parsed(const std::string& pem) {
  static std::mutex m;
  static std::map<std::string, Key, std::less<>> cache;
  std::lock_guard lock(m);
  auto it = cache.find(pem);
  if (it == cache.end()) {
    Bio b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Key k(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
    if (!k) throw std::runtime_error("the SNS signing key cannot be read");
    it = cache.emplace(pem, std::move(k)).first;
  }
  return it->second.get();
}

}  // namespace

SnsSigner ensure_sns_signer(store::Tx& tx, const SecretBox& secrets) {
  if (auto r = tx.get(kKind, "signer")) {
    auto key = secrets.open(str_of(r->body, "key"));
    if (!key) throw std::runtime_error("the SNS signing key cannot be opened (secrets key?)");
    return {*key, str_of(r->body, "cert")};
  }
  auto s = make_signer();
  store::Record r{.kind = std::string(kKind), .id = "signer"};
  r.body = {{"key", secrets.seal(s.key_pem)}, {"cert", s.cert_pem}};
  tx.insert(r);
  return s;
}

std::optional<std::string> sns_certificate(store::Tx& tx) {
  auto r = tx.get(kKind, "signer");
  if (!r) return std::nullopt;
  return str_of(r->body, "cert");
}

void sign_sns_message(boost::json::object& m, const SnsSigner& signer,
                      const std::string& cert_url) {
  auto type = str_of(m, "Type");
  std::vector<std::string_view> fields =
      type == "Notification"
          ? std::vector<std::string_view>{"Message",   "MessageId", "Subject",
                                          "Timestamp", "TopicArn",  "Type"}
          : std::vector<std::string_view>{"Message", "MessageId", "SubscribeURL", "Timestamp",
                                          "Token",   "TopicArn",  "Type"};
  std::string text;
  for (auto f : fields) {
    if (!m.contains(f)) continue;  // a Notification without Subject
    text += std::string(f) + "\n" + str_of(m, f) + "\n";
  }
  std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>> ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha1(), nullptr, parsed(signer.key_pem)) != 1 ||
      EVP_DigestSignUpdate(ctx.get(), text.data(), text.size()) != 1 ||
      EVP_DigestSignFinal(ctx.get(), nullptr, &len) != 1)
    throw std::runtime_error("cannot sign an SNS message");
  std::string sig(len, '\0');
  if (EVP_DigestSignFinal(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len) != 1)
    throw std::runtime_error("cannot sign an SNS message");
  sig.resize(len);
  m["SignatureVersion"] = "1";
  m["Signature"] = base64(sig);
  m["SigningCertURL"] = cert_url;
}

}  // namespace scwd::products::mnq

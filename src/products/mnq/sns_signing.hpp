// The signatures of SNS messages (SignatureVersion 1: SHA1withRSA over the message's fields) and
// the certificate subscribers check them with, served at the SigningCertURL the messages name.
// The key and its self-signed certificate are made once and kept in the store, the key sealed.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "core/store/store.hpp"
#include "core/util/secretbox.hpp"

namespace scwd::products::mnq {

struct SnsSigner {
  std::string key_pem;  // private key (never answered)
  std::string cert_pem;
};

SnsSigner ensure_sns_signer(store::Tx& tx, const SecretBox& secrets);
// The certificate alone, for its URL (nullopt before any message was signed).
std::optional<std::string> sns_certificate(store::Tx& tx);

// Adds SignatureVersion, Signature and SigningCertURL to a Notification or
// SubscriptionConfirmation envelope, signing the fields AWS documents for its type.
void sign_sns_message(boost::json::object& message, const SnsSigner& signer,
                      const std::string& cert_url);

}  // namespace scwd::products::mnq

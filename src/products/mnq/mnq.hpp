// Messaging and Queuing: what the module's files share. The control plane (control.cpp) serves
// mnq v1beta1; the SQS and SNS endpoints (sqs.cpp, sns.cpp) are served on the API's listener
// under their own path prefixes by a front (front.hpp) that sees requests before the API's
// pipeline; NATS accounts and users are served by a nats-server that scwd runs (nats.hpp).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/app/context.hpp"
#include "core/store/store.hpp"

namespace scwd::products::mnq {

inline constexpr std::string_view kNatsAccountKind = "mnq.nats_account";
inline constexpr std::string_view kNatsCredentialsKind = "mnq.nats_credentials";
inline constexpr std::string_view kNatsOperatorKind = "mnq.nats_operator";
inline constexpr std::string_view kSqsCredentialsKind = "mnq.sqs_credentials";
inline constexpr std::string_view kSnsCredentialsKind = "mnq.sns_credentials";
inline constexpr std::string_view kSqsNamespaceKind = "mnq.sqs_namespace";
inline constexpr std::string_view kSnsNamespaceKind = "mnq.sns_namespace";
inline constexpr std::string_view kQueueKind = "mnq.sqs_queue";
inline constexpr std::string_view kMessageKind = "mnq.sqs_message";
inline constexpr std::string_view kTopicKind = "mnq.sns_topic";
inline constexpr std::string_view kSubscriptionKind = "mnq.sns_subscription";

inline constexpr std::string_view kFamily = "MessagingAndQueuing";

// Path prefixes of the SQS and SNS endpoints on the API's listener: "/mnq-sqs/<region>".
inline constexpr std::string_view kSqsPrefix = "/mnq-sqs/";
inline constexpr std::string_view kSnsPrefix = "/mnq-sns/";

// The unique key of a project's activation of SQS or SNS in a region.
inline std::string namespace_key(std::string_view project_id, std::string_view region) {
  return std::string(project_id) + "/" + std::string(region);
}
// The unique key of credentials by access key.
inline std::string access_key_key(std::string_view access_key) {
  return "ak/" + std::string(access_key);
}

// The operator scwd signs NATS accounts with, and the system account nats-server requires:
// created on first need, their seeds sealed.
struct Operator {
  std::string seed;
  std::string jwt;
  std::string system_account;
  std::string system_account_jwt;
  std::string system_account_seed;  // signs the user scwd pushes account changes as
};
Operator ensure_operator(store::Tx& tx, const SecretBox& secrets);

// The account JWT of a NATS account record (signed by the operator), with its revocations.
std::string account_jwt(const store::Record& account, const Operator& op, const SecretBox& secrets);

// A user of NATS account `account` (its record), signed by the account's signing key; `pub` and
// `sub` are its permissions (empty objects: every subject). nullopt when the signing key cannot
// be opened.
struct NatsUser {
  std::string public_key;
  std::string seed;
  std::string jwt;
};
std::optional<NatsUser> sign_nats_user(const store::Record& account, std::string_view name,
                                       boost::json::object pub, boost::json::object sub,
                                       const SecretBox& secrets);
// Revokes the user of NATS credentials record `credentials` in its account's JWT (the caller
// tells the server, nats_link().accounts_changed(), once committed).
void revoke_nats_user(store::Tx& tx, const store::Record& credentials, const SecretBox& secrets);

// Where NATS clients connect (--nats-listen), and the server's supervisor to tell of changes.
class NatsLink {
 public:
  virtual ~NatsLink() = default;
  virtual std::string endpoint() const = 0;
  // Accounts or revocations changed in the store: the server loads them again.
  virtual void accounts_changed() = 0;
  // Why no server can be reached (empty: one is run). NATS triggers then deliver nothing.
  virtual std::string unavailable() const = 0;
};
// The process's link (a supervisor registers itself); the default names 127.0.0.1:4222 and
// tells nobody.
NatsLink& nats_link();
void set_nats_link(NatsLink* link);

// Counts one request to the `service` ("sqs", "sns") endpoint in the usage ledger (meters.cpp).
void count_request(store::Tx& tx, std::string_view organization_id, std::string_view project_id,
                   std::string_view region, std::string_view service, Micros at);

}  // namespace scwd::products::mnq

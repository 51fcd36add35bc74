// One SNS call, once authenticated (query protocol input, flattened names resolved): topics,
// subscriptions to SQS queues and HTTP endpoints, publishing. Deliveries to queues are written in
// the call's transaction; HTTP deliveries (confirmation requests, notifications) are collected
// for after the commit.
#pragma once

#include <boost/json.hpp>
#include <set>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "core/store/store.hpp"
#include "core/util/secretbox.hpp"
#include "core/util/time.hpp"
#include "products/mnq/queues.hpp"
#include "products/mnq/sns_signing.hpp"

namespace scwd::products::mnq {

namespace json = boost::json;

// An HTTP POST to make once the call's writes are durable.
struct Delivery {
  std::string url;
  std::string message_type;  // x-amz-sns-message-type
  std::string message_id;
  std::string topic_arn;
  std::string body;
};

struct Sns {
  std::string organization_id;
  std::string project_id;
  std::string region;
  std::string base;                    // the endpoint's URL, as the caller reached it
  const SecretBox* secrets = nullptr;  // opens the signing key
  Micros now = 0;

  std::set<std::string> touched;  // queues given messages
  std::vector<Delivery> deliveries;

  using Outcome = tl::expected<json::object, AwsError>;
  Outcome create_topic(store::Tx& tx, const json::object& in);
  Outcome delete_topic(store::Tx& tx, const json::object& in);
  Outcome list_topics(store::Tx& tx, const json::object& in);
  Outcome get_topic_attributes(store::Tx& tx, const json::object& in);
  Outcome set_topic_attributes(store::Tx& tx, const json::object& in);
  Outcome subscribe(store::Tx& tx, const json::object& in);
  Outcome confirm_subscription(store::Tx& tx, const json::object& in);
  Outcome unsubscribe(store::Tx& tx, const json::object& in);
  Outcome list_subscriptions(store::Tx& tx, const json::object& in);
  Outcome list_subscriptions_by_topic(store::Tx& tx, const json::object& in);
  Outcome get_subscription_attributes(store::Tx& tx, const json::object& in);
  Outcome set_subscription_attributes(store::Tx& tx, const json::object& in);
  Outcome publish(store::Tx& tx, const json::object& in);
  Outcome publish_batch(store::Tx& tx, const json::object& in);

 private:
  tl::expected<store::Record, AwsError> topic_of(store::Tx& tx, const json::object& in);
  tl::expected<store::Record, AwsError> subscription_of(store::Tx& tx, const json::object& in);
  tl::expected<std::string, AwsError> publish_one(store::Tx& tx, store::Record& topic,
                                                  const json::object& in);
  std::vector<store::Record> subscriptions(store::Tx& tx, const std::string& topic_id);
  json::object render_subscription(const store::Record& s, const store::Record* topic);
  void sign(store::Tx& tx, json::object& message);
  std::optional<SnsSigner> signer;
};

struct SnsAction {
  enum class Needs { kManage, kPublish, kReceive, kNone };
  std::string_view name;
  Needs needs;
  bool writes;
  Sns::Outcome (Sns::*run)(store::Tx&, const json::object&);
};

const SnsAction* sns_action(std::string_view name);

// The query protocol's flattened SNS fields ("Attributes.entry.1.key",
// "MessageAttributes.entry.1.Value.StringValue", "PublishBatchRequestEntries.member.1.Id") as
// nested objects and arrays.
json::object sns_query_to_json(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace scwd::products::mnq

// One SQS call, once authenticated: the caller's project and permissions, and the operations,
// each working in the given transaction on input in the JSON protocol's shape.
#pragma once

#include <boost/json.hpp>
#include <set>
#include <string>
#include <tl/expected.hpp>

#include "core/store/store.hpp"
#include "core/util/time.hpp"
#include "products/mnq/queues.hpp"

namespace scwd::products::mnq {

namespace json = boost::json;

using Outcome = tl::expected<json::object, AwsError>;

struct Sqs {
  std::string organization_id;
  std::string project_id;
  std::string region;
  std::string base;        // the endpoint's URL, as the caller reached it
  std::string path_queue;  // the queue URL a query-protocol request was posted to
  std::string access_key;
  Micros now = 0;

  // What the call did that others wait for: queues given visible messages, and a receive's
  // wait (seconds), queue and number of messages received.
  std::set<std::string> touched;
  std::int64_t wait_seconds = 0;
  std::string waiting_queue;
  std::size_t received = 0;

  Outcome create_queue(store::Tx& tx, const json::object& in);
  Outcome delete_queue(store::Tx& tx, const json::object& in);
  Outcome list_queues(store::Tx& tx, const json::object& in);
  Outcome get_queue_url(store::Tx& tx, const json::object& in);
  Outcome get_queue_attributes(store::Tx& tx, const json::object& in);
  Outcome set_queue_attributes(store::Tx& tx, const json::object& in);
  Outcome purge_queue(store::Tx& tx, const json::object& in);
  Outcome send(store::Tx& tx, const json::object& in);
  Outcome send_batch(store::Tx& tx, const json::object& in);
  Outcome receive(store::Tx& tx, const json::object& in);
  Outcome delete_message(store::Tx& tx, const json::object& in);
  Outcome delete_batch(store::Tx& tx, const json::object& in);
  Outcome change_visibility(store::Tx& tx, const json::object& in);
  Outcome change_visibility_batch(store::Tx& tx, const json::object& in);

 private:
  tl::expected<store::Record, AwsError> queue_of(store::Tx& tx, const json::object& in);
  tl::expected<store::Record, AwsError> message_of(store::Tx& tx, const store::Record& q,
                                                   std::string_view handle);
  std::optional<AwsError> check_dead_letter(store::Tx& tx, const std::string& policy, bool fifo);
  std::optional<AwsError> change_one(store::Tx& tx, const store::Record& q, const json::object& in);
  std::int64_t count_messages(store::Tx& tx, const std::string& queue_id, store::Op op);
  static void remove_messages(store::Tx& tx, const std::string& queue_id);
};

struct SqsAction {
  enum class Needs { kManage, kPublish, kReceive, kAny };
  std::string_view name;
  Needs needs;
  bool writes;
  Outcome (Sqs::*run)(store::Tx&, const json::object&);
};

// The action named (e.g. "SendMessage"); nullptr for one the endpoint does not serve.
const SqsAction* sqs_action(std::string_view name);

}  // namespace scwd::products::mnq

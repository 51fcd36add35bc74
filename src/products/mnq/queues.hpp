// SQS queues and messages in the store, shared by the SQS endpoint and SNS deliveries.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::mnq {

// An error in AWS's terms: the code of the JSON protocol (`type`, "QueueDoesNotExist"), the
// code of the query protocol ("AWS.SimpleQueueService.NonExistentQueue"), the status, and whose
// fault it is.
struct AwsError {
  int status = 400;
  std::string type;
  std::string code;
  std::string message;
  bool sender = true;
};

AwsError aws_error(std::string_view type, std::string message, int status = 400,
                   std::string_view code = {});

// A queue of a project in a region, by name; nullopt when none.
std::optional<store::Record> find_queue(store::Tx& tx, std::string_view project_id,
                                        std::string_view region, std::string_view name);

// ARN and URL of a queue ("arn:scw:sqs:<region>:project-<id>:<name>";
// "<base>/project-<id>/<name>").
std::string queue_arn(const store::Record& queue);
std::string queue_url(std::string_view base_url, const store::Record& queue);

// What a send stored: the message id, digests and FIFO sequence number.
struct Sent {
  std::string message_id;
  std::string md5_body;
  std::string md5_attributes;   // empty without attributes
  std::string sequence_number;  // FIFO only
};

// Enqueues a message (the SendMessage input's fields: MessageBody, DelaySeconds,
// MessageAttributes, MessageDeduplicationId, MessageGroupId); `queue` is written back when a
// FIFO queue's sequence or deduplication state changes.
tl::expected<Sent, AwsError> send_message(store::Tx& tx, store::Record& queue,
                                          const boost::json::object& in, std::string_view sender,
                                          Micros now);

// A message's parent is its queue and the time it becomes visible ("<queue id>/<time>"), so that
// the messages a receive may take are one range of the store's parent index, in the order they
// became visible, however many others are in flight or delayed.
std::string message_parent(std::string_view queue_id, Micros visible_at);
// Parent ranges [first, last]: a queue's messages visible at `now`; all of its messages.
std::pair<std::string, std::string> visible_range(std::string_view queue_id, Micros now);
std::pair<std::string, std::string> queue_range(std::string_view queue_id);
// The queue a message is in.
std::string_view queue_of_message(const store::Record& m);
// Puts the message in `queue_id`, visible from `at`.
void set_visible(store::Record& m, std::string_view queue_id, Micros at);

// AWS's MD5 of message attributes (names sorted; lengths, types and values encoded).
std::string md5_of_attributes(const boost::json::object& attributes);

}  // namespace scwd::products::mnq

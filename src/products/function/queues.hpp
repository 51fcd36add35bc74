// What delivering a trigger's messages to its function needs from Messaging and Queuing: the
// messages of one of its SQS queues, taken as a receive takes them and deleted once handled.
// Messaging implements it; products.cpp (or Messaging's module) hands it over with
// set_message_queues, so that neither product reads the other's records.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/util/time.hpp"

namespace scwd::products::function {

struct QueueMessage {
  std::string receipt;  // what `done` names it by
  std::string body;
};

class MessageQueues {
 public:
  virtual ~MessageQueues() = default;
  // Up to `max` messages visible now in queue `queue` of the project in `region`, hidden from
  // other receivers for `hold` (as an SQS ReceiveMessage with that visibility timeout). None when
  // the queue does not exist.
  virtual std::vector<QueueMessage> take(std::string_view project_id, std::string_view region,
                                         std::string_view queue, int max, Micros hold) = 0;
  // The function handled the message: it is deleted.
  virtual void done(std::string_view project_id, std::string_view region, std::string_view queue,
                    std::string_view receipt) = 0;
};

// The process's queues (nullptr: none, triggers deliver nothing). Set before serving.
void set_message_queues(MessageQueues* queues);
MessageQueues* message_queues();

}  // namespace scwd::products::function

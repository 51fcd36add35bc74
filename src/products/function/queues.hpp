// What delivering a trigger's messages to its function needs from Messaging and Queuing: the
// messages of one of its SQS queues, taken as a receive takes them and deleted once handled; the
// messages published on a subject of one of its NATS accounts; and the Messaging credentials the
// platform makes for each trigger. Messaging implements them and hands them over (set_*) in its
// module, so that neither product reads or writes the other's records.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "core/store/store.hpp"
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

// One subject of a NATS account that a trigger listens to.
struct NatsWatch {
  std::string id;  // the trigger's id: what `take` names it by
  std::string project_id;
  std::string region;
  std::string account_id;
  std::string subject;
};

// Core NATS delivers a message to the subscribers present when it is published: messages are
// kept from the moment a subject is watched until taken (a bounded number, as a NATS client
// keeps for a slow consumer), and lost when no one watches.
class NatsSubjects {
 public:
  virtual ~NatsSubjects() = default;
  // The subjects to listen to from now on: those not named any more are unsubscribed.
  virtual void watch(std::vector<NatsWatch> wanted) = 0;
  // Up to `max` bodies of the messages received for watch `id`, oldest first.
  virtual std::vector<std::string> take(std::string_view id, int max) = 0;
};

// What a trigger's Messaging credentials are for: an SQS queue (subject empty) or a NATS subject
// of an account, in the Messaging project and region the trigger names.
struct CredentialRequest {
  std::string organization_id;
  std::string project_id;
  std::string region;
  std::string name;
  std::string queue;       // SQS
  std::string account_id;  // NATS
  std::string subject;     // NATS
};

class TriggerCredentials {
 public:
  virtual ~TriggerCredentials() = default;
  // Makes the credentials in `tx` (the trigger's transaction): their id, or why they cannot be
  // made (a project or account that is not the organization's).
  virtual tl::expected<std::string, std::string> create(store::Tx& tx,
                                                        const CredentialRequest& what) = 0;
  // Deletes credentials made by create (nothing when they are gone already).
  virtual void remove(store::Tx& tx, std::string_view credential_id) = 0;
};

// The process's Messaging parts (nullptr: none; triggers then deliver nothing, and SQS and NATS
// triggers end in error when ready, having no credentials). Set before serving.
void set_message_queues(MessageQueues* queues);
MessageQueues* message_queues();
void set_nats_subjects(NatsSubjects* subjects);
NatsSubjects* nats_subjects();
void set_trigger_credentials(TriggerCredentials* credentials);
TriggerCredentials* trigger_credentials();

}  // namespace scwd::products::function

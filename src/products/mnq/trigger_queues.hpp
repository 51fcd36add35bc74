// What Serverless triggers use of Messaging and Queuing (products/function/queues.hpp): SQS
// messages taken as an SQS receive takes them (visibility timeout, receive counts, dead-letter
// queues, FIFO groups) and deleted once the function handled them; messages published on NATS
// subjects, received by a client of scwd's nats-server signed in as a user of the subject's
// account; and the credentials each trigger is given.
#pragma once

#include <memory>

#include "core/app/context.hpp"
#include "products/function/queues.hpp"

namespace scwd::products::mnq {

std::unique_ptr<function::MessageQueues> make_trigger_queues(app::Services& svc);
std::unique_ptr<function::NatsSubjects> make_trigger_subjects(app::Services& svc);
std::unique_ptr<function::TriggerCredentials> make_trigger_credentials(app::Services& svc);

}  // namespace scwd::products::mnq

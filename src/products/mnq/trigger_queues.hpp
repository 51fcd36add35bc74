// What Serverless triggers read of SQS (function::MessageQueues): their messages taken as an SQS
// receive takes them (visibility timeout, receive counts, dead-letter queues, FIFO groups) and
// deleted once the function handled them.
#pragma once

#include <memory>

#include "core/app/context.hpp"
#include "products/function/queues.hpp"

namespace scwd::products::mnq {

std::unique_ptr<function::MessageQueues> make_trigger_queues(app::Services& svc);

}  // namespace scwd::products::mnq

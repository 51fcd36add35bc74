#include "products/mnq/trigger_queues.hpp"

#include <algorithm>

#include "core/util/json.hpp"
#include "products/mnq/sqs.hpp"

namespace scwd::products::mnq {

namespace {

class TriggerQueues final : public function::MessageQueues {
 public:
  explicit TriggerQueues(app::Services& svc) : svc_(svc) {}

  std::vector<function::QueueMessage> take(std::string_view project_id, std::string_view region,
                                           std::string_view queue, int max, Micros hold) override {
    std::vector<function::QueueMessage> out;
    auto hold_s = std::clamp<std::int64_t>((hold + 999'999) / 1'000'000, 0, 43200);
    json::object in{{"QueueUrl", url(project_id, queue)},
                    {"MaxNumberOfMessages", std::clamp(max, 1, 10)},
                    {"VisibilityTimeout", hold_s}};
    svc_.store.write([&](store::Tx& tx) {
      auto s = sqs(project_id, region);
      auto r = s.receive(tx, in);
      if (!r) return false;  // no such queue: nothing to deliver
      if (auto* ms = r->if_contains("Messages"); ms && ms->is_array())
        for (auto& m : ms->get_array())
          out.push_back({str_of(m.as_object(), "ReceiptHandle"), str_of(m.as_object(), "Body")});
      return true;
    });
    return out;
  }

  void done(std::string_view project_id, std::string_view region, std::string_view queue,
            std::string_view receipt) override {
    json::object in{{"QueueUrl", url(project_id, queue)}, {"ReceiptHandle", receipt}};
    svc_.store.write([&](store::Tx& tx) {
      auto s = sqs(project_id, region);
      return static_cast<bool>(s.delete_message(tx, in));
    });
  }

 private:
  // Only the path of a queue URL names the queue; the host is whoever reached the listener.
  static std::string url(std::string_view project_id, std::string_view queue) {
    return "http://127.0.0.1/project-" + std::string(project_id) + "/" + std::string(queue);
  }

  Sqs sqs(std::string_view project_id, std::string_view region) const {
    Sqs s;
    s.project_id = std::string(project_id);
    s.region = std::string(region);
    s.now = svc_.clock.now();
    return s;
  }

  app::Services& svc_;
};

}  // namespace

std::unique_ptr<function::MessageQueues> make_trigger_queues(app::Services& svc) {
  return std::make_unique<TriggerQueues>(svc);
}

}  // namespace scwd::products::mnq

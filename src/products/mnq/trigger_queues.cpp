#include "products/mnq/trigger_queues.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "core/auth/auth.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/mnq/crypto.hpp"
#include "products/mnq/mnq.hpp"
#include "products/mnq/nats_client.hpp"
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

// A trigger's NATS user may only subscribe to its subject, and publishes nothing.
json::object no_publish() { return {{"deny", json::array{">"}}}; }
json::object only(std::string_view subject) {
  return {{"allow", json::array{json::value(subject)}}};
}

class TriggerSubjects final : public function::NatsSubjects {
 public:
  explicit TriggerSubjects(app::Services& svc) : svc_(svc) {}

  void watch(std::vector<function::NatsWatch> wanted) override {
    std::lock_guard lock(mu_);
    if (wanted.empty() && !subscriber_) return;
    if (auto why = nats_link().unavailable(); !why.empty()) {
      if (!wanted.empty() && !warned_) spdlog::warn("NATS triggers deliver nothing: {}", why);
      warned_ = !wanted.empty();
      return;
    }
    if (!subscriber_)
      subscriber_ = std::make_unique<nats::Subscriber>([] {
        auto e = nats_link().endpoint();
        return e.starts_with("nats://") ? e.substr(7) : e;
      });
    std::vector<nats::Subscription> subs;
    for (auto& w : wanted) {
      // A queue group per trigger: of replicas sharing the store, one gets each message.
      subs.push_back({w.id, w.subject, "scwd-trigger-" + w.id, [this, w] { return sign_in(w); }});
    }
    subscriber_->set(std::move(subs));
  }

  std::vector<std::string> take(std::string_view id, int max) override {
    std::lock_guard lock(mu_);
    if (!subscriber_ || max <= 0) return {};
    return subscriber_->take(id, static_cast<std::size_t>(max));
  }

 private:
  // A user made for each connection, signed by the account's signing key: nothing to keep, and
  // a deleted account refuses it like any of its users.
  std::optional<nats::User> sign_in(const function::NatsWatch& w) {
    auto tx = svc_.store.begin(store::TxMode::kRead);
    auto a = tx->get(kNatsAccountKind, w.account_id);
    if (!a || a->project_id != w.project_id || a->locality != w.region)
      throw std::runtime_error("NATS account " + w.account_id + " is not in project " +
                               w.project_id + " (" + w.region + ")");
    auto user =
        sign_nats_user(*a, "trigger " + w.id, no_publish(), only(w.subject), svc_.config.secrets);
    if (!user) throw std::runtime_error("the account's signing key cannot be opened");
    return nats::User{user->jwt, user->seed};
  }

  app::Services& svc_;
  std::mutex mu_;
  bool warned_ = false;
  std::unique_ptr<nats::Subscriber> subscriber_;
};

class TriggerCredentials final : public function::TriggerCredentials {
 public:
  explicit TriggerCredentials(app::Services& svc) : svc_(svc) {}

  tl::expected<std::string, std::string> create(store::Tx& tx,
                                                const function::CredentialRequest& w) override {
    auto project = tx.get(auth::kProjectKind, w.project_id);
    if (!project || project->organization_id != w.organization_id)
      return tl::unexpected("Messaging and Queuing project " + w.project_id + " was not found");
    const auto& secrets = svc_.config.secrets;
    auto now = svc_.clock.now();
    store::Record r{.organization_id = w.organization_id,
                    .project_id = w.project_id,
                    .locality = w.region,
                    .name = w.name,
                    .created_at = now,
                    .updated_at = now};
    r.id = new_uuid();
    if (w.account_id.empty()) {
      // What receiving and deleting the queue's messages needs, nothing more.
      auto access_key = random_alnum(20);
      auto secret = new_uuid();
      r.kind = std::string(kSqsCredentialsKind);
      r.keys = {access_key_key(access_key)};
      r.body = {{"access_key", access_key},
                {"secret", secrets.seal(secret)},
                {"secret_checksum", sha1_hex(secret)},
                {"can_publish", false},
                {"can_receive", true},
                {"can_manage", false}};
    } else {
      auto a = tx.get(kNatsAccountKind, w.account_id);
      if (!a || a->organization_id != w.organization_id || a->project_id != w.project_id ||
          a->locality != w.region)
        return tl::unexpected("NATS account " + w.account_id + " was not found in project " +
                              w.project_id + " (" + w.region + ")");
      auto user = sign_nats_user(*a, w.name, no_publish(), only(w.subject), secrets);
      if (!user) return tl::unexpected(std::string("the NATS account's key cannot be opened"));
      r.kind = std::string(kNatsCredentialsKind);
      r.parent_id = a->id;
      r.body = {{"checksum", sha1_hex(creds_file(user->jwt, user->seed))},
                {"user", user->public_key}};
    }
    tx.insert(r);
    return r.id;
  }

  void remove(store::Tx& tx, std::string_view id) override {
    if (auto c = tx.get(kSqsCredentialsKind, id)) {
      tx.remove(c->kind, c->id);
    } else if (auto n = tx.get(kNatsCredentialsKind, id)) {
      revoke_nats_user(tx, *n, svc_.config.secrets);
      tx.remove(n->kind, n->id);
      nats_link().accounts_changed();
    }
  }

 private:
  app::Services& svc_;
};

}  // namespace

std::unique_ptr<function::MessageQueues> make_trigger_queues(app::Services& svc) {
  return std::make_unique<TriggerQueues>(svc);
}

std::unique_ptr<function::NatsSubjects> make_trigger_subjects(app::Services& svc) {
  return std::make_unique<TriggerSubjects>(svc);
}

std::unique_ptr<function::TriggerCredentials> make_trigger_credentials(app::Services& svc) {
  return std::make_unique<TriggerCredentials>(svc);
}

}  // namespace scwd::products::mnq

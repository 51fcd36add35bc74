// The SNS endpoint's operations: topics (standard and FIFO), subscriptions of SQS queues (raw or
// in the SNS JSON envelope) and of HTTP endpoints (confirmed by the endpoint), and publishing,
// which fans a message out to every confirmed subscription.
#include "products/mnq/sns.hpp"

#include <algorithm>
#include <map>
#include <span>

#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/mnq/crypto.hpp"
#include "products/mnq/mnq.hpp"

namespace scwd::products::mnq {

namespace {

using Outcome = Sns::Outcome;

AwsError not_found(std::string message) { return aws_error("NotFound", std::move(message), 404); }
AwsError invalid(std::string message) { return aws_error("InvalidParameter", std::move(message)); }

std::string string_of(const json::value* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  if (v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

bool valid_topic_name(std::string_view name, bool fifo) {
  auto base = name;
  if (fifo) {
    if (!base.ends_with(".fifo")) return false;
    base.remove_suffix(5);
  }
  if (base.empty() || name.size() > 256) return false;
  return std::all_of(base.begin(), base.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::string topic_arn(const store::Record& t) {
  return "arn:scw:sns:" + t.locality + ":project-" + t.project_id + ":" + t.name;
}

std::string subscription_arn(const store::Record& s, const store::Record& topic) {
  return topic_arn(topic) + ":" + s.id;
}

// "arn:scw:<service>:<region>:project-<id>:<name>[:<sub>]" -> {region, project, name, sub}
struct Arn {
  std::string region, project, name, sub;
};
std::optional<Arn> parse_arn(std::string_view arn, std::string_view service) {
  std::vector<std::string> parts;
  while (true) {
    auto c = arn.find(':');
    parts.emplace_back(arn.substr(0, c));
    if (c == std::string_view::npos) break;
    arn = arn.substr(c + 1);
  }
  if (parts.size() < 6 || parts[0] != "arn" || parts[1] != "scw" || parts[2] != service ||
      !parts[4].starts_with("project-"))
    return std::nullopt;
  return Arn{parts[3], parts[4].substr(8), parts[5], parts.size() > 6 ? parts[6] : ""};
}

std::string iso_millis(Micros t) {
  auto s = format_time(t);  // ...T..:..:..[.ffffff]Z
  auto dot = s.find('.');
  if (dot == std::string::npos) return s.substr(0, s.size() - 1) + ".000Z";
  return s.substr(0, std::min(dot + 4, s.size() - 1)) + "Z";
}

}  // namespace

tl::expected<store::Record, AwsError> Sns::topic_of(store::Tx& tx, const json::object& in) {
  auto arn = string_of(in.if_contains("TopicArn"));
  if (arn.empty()) return tl::unexpected(invalid("Invalid parameter: TopicArn"));
  auto a = parse_arn(arn, "sns");
  if (!a || !a->sub.empty())
    return tl::unexpected(
        invalid("Invalid parameter: TopicArn Reason: An ARN must have a valid format"));
  if (a->project != project_id || a->region != region)
    return tl::unexpected(not_found("Topic does not exist"));
  auto t = tx.get_by_key(kTopicKind, namespace_key(project_id, region) + "/" + a->name);
  if (!t) return tl::unexpected(not_found("Topic does not exist"));
  return std::move(*t);
}

tl::expected<store::Record, AwsError> Sns::subscription_of(store::Tx& tx, const json::object& in) {
  auto arn = string_of(in.if_contains("SubscriptionArn"));
  auto a = parse_arn(arn, "sns");
  if (!a || a->sub.empty() || !is_uuid(a->sub))
    return tl::unexpected(invalid("Invalid parameter: SubscriptionArn"));
  auto s = tx.get(kSubscriptionKind, to_lower(a->sub));
  if (!s || s->project_id != project_id || s->locality != region)
    return tl::unexpected(not_found("Subscription does not exist"));
  return std::move(*s);
}

std::vector<store::Record> Sns::subscriptions(store::Tx& tx, const std::string& topic_id) {
  store::ListQuery q;
  q.kind = std::string(kSubscriptionKind);
  q.filters = {{store::Column::kParent, store::Op::kEq, {topic_id}, {}, false}};
  q.order = {{store::Column::kCreatedAt, false}};
  q.with_total = false;
  return tx.list(q).items;
}

void Sns::sign(store::Tx& tx, json::object& message) {
  if (!signer) signer = ensure_sns_signer(tx, *secrets);
  sign_sns_message(message, *signer, base + "/SimpleNotificationService.pem");
}

Outcome Sns::create_topic(store::Tx& tx, const json::object& in) {
  auto name = string_of(in.if_contains("Name"));
  json::object attrs;
  if (auto* a = in.if_contains("Attributes"); a && a->is_object()) attrs = a->as_object();
  bool fifo = string_of(attrs.if_contains("FifoTopic")) == "true";
  if (!valid_topic_name(name, fifo))
    return tl::unexpected(invalid("Invalid parameter: Topic Name"));
  json::object body{{"fifo", fifo}};
  for (auto& [k, v] : attrs) {
    if (k == "FifoTopic") continue;
    if (k == "ContentBasedDeduplication" && fifo) {
      body["ContentBasedDeduplication"] = string_of(&v) == "true";
      continue;
    }
    return tl::unexpected(
        invalid("Invalid parameter: Attributes Reason: Unknown attribute " + std::string(k)));
  }
  if (auto t = tx.get_by_key(kTopicKind, namespace_key(project_id, region) + "/" + name))
    return json::object{{"TopicArn", topic_arn(*t)}};
  store::Record t{.kind = std::string(kTopicKind),
                  .id = new_uuid(),
                  .organization_id = organization_id,
                  .project_id = project_id,
                  .locality = region,
                  .name = name,
                  .created_at = now,
                  .updated_at = now,
                  .keys = {namespace_key(project_id, region) + "/" + name}};
  t.body = std::move(body);
  tx.insert(t);
  return json::object{{"TopicArn", topic_arn(t)}};
}

Outcome Sns::delete_topic(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) {
    if (t.error().type == "NotFound") return json::object{};  // deleting twice is no error
    return tl::unexpected(t.error());
  }
  for (auto& s : subscriptions(tx, t->id)) tx.remove(s.kind, s.id);
  tx.remove(t->kind, t->id);
  return json::object{};
}

Outcome Sns::list_topics(store::Tx& tx, const json::object&) {
  store::ListQuery q;
  q.kind = std::string(kTopicKind);
  q.filters = {{store::Column::kProject, store::Op::kEq, {project_id}, {}, false},
               {store::Column::kLocality, store::Op::kEq, {region}, {}, false}};
  q.order = {{store::Column::kName, false}};
  q.with_total = false;
  json::array topics;
  for (auto& t : tx.list(q).items) topics.push_back(json::object{{"TopicArn", topic_arn(t)}});
  return json::object{{"Topics", std::move(topics)}};
}

Outcome Sns::get_topic_attributes(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) return tl::unexpected(t.error());
  std::int64_t confirmed = 0, pending = 0;
  for (auto& s : subscriptions(tx, t->id)) (bool_of(s.body, "confirmed") ? confirmed : pending)++;
  json::object a{{"TopicArn", topic_arn(*t)},
                 {"Owner", "project-" + project_id},
                 {"SubscriptionsConfirmed", std::to_string(confirmed)},
                 {"SubscriptionsPending", std::to_string(pending)},
                 {"SubscriptionsDeleted", "0"}};
  if (bool_of(t->body, "fifo")) {
    a["FifoTopic"] = "true";
    a["ContentBasedDeduplication"] =
        bool_of(t->body, "ContentBasedDeduplication") ? "true" : "false";
  }
  return json::object{{"Attributes", std::move(a)}};
}

Outcome Sns::set_topic_attributes(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) return tl::unexpected(t.error());
  auto name = string_of(in.if_contains("AttributeName"));
  auto value = string_of(in.if_contains("AttributeValue"));
  if (name != "ContentBasedDeduplication" || !bool_of(t->body, "fifo") ||
      (value != "true" && value != "false"))
    return tl::unexpected(invalid("Invalid parameter: AttributeName"));
  t->body[name] = value == "true";
  t->updated_at = now;
  tx.update(*t);
  return json::object{};
}

json::object Sns::render_subscription(const store::Record& s, const store::Record* topic) {
  bool confirmed = bool_of(s.body, "confirmed");
  return {{"SubscriptionArn",
           confirmed && topic ? subscription_arn(s, *topic) : std::string("PendingConfirmation")},
          {"Owner", "project-" + s.project_id},
          {"Protocol", str_of(s.body, "protocol")},
          {"Endpoint", str_of(s.body, "endpoint")},
          {"TopicArn", topic ? topic_arn(*topic) : std::string()}};
}

Outcome Sns::subscribe(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) return tl::unexpected(t.error());
  auto protocol = string_of(in.if_contains("Protocol"));
  auto endpoint = string_of(in.if_contains("Endpoint"));
  json::object attrs;
  if (auto* a = in.if_contains("Attributes"); a && a->is_object()) attrs = a->as_object();
  bool raw = false;
  for (auto& [k, v] : attrs) {
    if (k != "RawMessageDelivery")
      return tl::unexpected(
          invalid("Invalid parameter: Attributes Reason: Unknown attribute " + std::string(k)));
    raw = string_of(&v) == "true";
  }
  if (protocol == "sqs") {
    auto a = parse_arn(endpoint, "sqs");
    if (!a || a->project != project_id || a->region != region ||
        !find_queue(tx, project_id, region, a->name))
      return tl::unexpected(invalid("Invalid parameter: SQS endpoint ARN"));
  } else if (protocol == "http" || protocol == "https") {
    if (!endpoint.starts_with(protocol + "://"))
      return tl::unexpected(
          invalid("Invalid parameter: Endpoint must match the specified protocol"));
  } else {
    return tl::unexpected(invalid("Invalid parameter: Protocol"));
  }
  // The same endpoint again is the same subscription.
  for (auto& s : subscriptions(tx, t->id))
    if (str_of(s.body, "protocol") == protocol && str_of(s.body, "endpoint") == endpoint) {
      bool ret = string_of(in.if_contains("ReturnSubscriptionArn")) == "true";
      return json::object{{"SubscriptionArn", bool_of(s.body, "confirmed") || ret
                                                  ? subscription_arn(s, *t)
                                                  : std::string("pending confirmation")}};
    }
  store::Record s{.kind = std::string(kSubscriptionKind),
                  .id = new_uuid(),
                  .organization_id = organization_id,
                  .project_id = project_id,
                  .locality = region,
                  .parent_id = t->id,
                  .created_at = now,
                  .updated_at = now};
  bool confirmed = protocol == "sqs";
  s.body = {{"protocol", protocol}, {"endpoint", endpoint}, {"raw", raw}, {"confirmed", confirmed}};
  if (!confirmed) {
    auto token = hex(random_alnum(64));
    s.body["token"] = token;
    auto arn = topic_arn(*t);
    auto message_id = new_uuid();
    json::object m{
        {"Type", "SubscriptionConfirmation"},
        {"MessageId", message_id},
        {"Token", token},
        {"TopicArn", arn},
        {"Message", "You have chosen to subscribe to the topic " + arn +
                        ".\nTo confirm the subscription, visit the SubscribeURL "
                        "included in this message."},
        {"SubscribeURL", base + "/?Action=ConfirmSubscription&TopicArn=" + arn + "&Token=" + token},
        {"Timestamp", iso_millis(now)}};
    sign(tx, m);
    deliveries.push_back(
        {endpoint, "SubscriptionConfirmation", message_id, arn, json::serialize(m)});
  }
  tx.insert(s);
  bool ret = string_of(in.if_contains("ReturnSubscriptionArn")) == "true";
  return json::object{{"SubscriptionArn", confirmed || ret ? subscription_arn(s, *t)
                                                           : std::string("pending confirmation")}};
}

Outcome Sns::confirm_subscription(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) return tl::unexpected(t.error());
  auto token = string_of(in.if_contains("Token"));
  for (auto& s : subscriptions(tx, t->id)) {
    if (token.empty() || str_of(s.body, "token") != token) continue;
    if (!bool_of(s.body, "confirmed")) {
      s.body["confirmed"] = true;
      s.updated_at = now;
      tx.update(s);
    }
    return json::object{{"SubscriptionArn", subscription_arn(s, *t)}};
  }
  return tl::unexpected(invalid("Invalid token"));
}

Outcome Sns::unsubscribe(store::Tx& tx, const json::object& in) {
  auto s = subscription_of(tx, in);
  if (!s) {
    if (s.error().type == "NotFound") return json::object{};
    return tl::unexpected(s.error());
  }
  tx.remove(s->kind, s->id);
  return json::object{};
}

Outcome Sns::list_subscriptions(store::Tx& tx, const json::object&) {
  store::ListQuery q;
  q.kind = std::string(kSubscriptionKind);
  q.filters = {{store::Column::kProject, store::Op::kEq, {project_id}, {}, false},
               {store::Column::kLocality, store::Op::kEq, {region}, {}, false}};
  q.order = {{store::Column::kCreatedAt, false}};
  q.with_total = false;
  json::array out;
  std::map<std::string, std::optional<store::Record>> topics;
  for (auto& s : tx.list(q).items) {
    auto& t = topics[s.parent_id];
    if (!t) t = tx.get(kTopicKind, s.parent_id);
    out.push_back(render_subscription(s, t ? &*t : nullptr));
  }
  return json::object{{"Subscriptions", std::move(out)}};
}

Outcome Sns::list_subscriptions_by_topic(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) return tl::unexpected(t.error());
  json::array out;
  for (auto& s : subscriptions(tx, t->id)) out.push_back(render_subscription(s, &*t));
  return json::object{{"Subscriptions", std::move(out)}};
}

Outcome Sns::get_subscription_attributes(store::Tx& tx, const json::object& in) {
  auto s = subscription_of(tx, in);
  if (!s) return tl::unexpected(s.error());
  auto t = tx.get(kTopicKind, s->parent_id);
  if (!t) return tl::unexpected(not_found("Subscription does not exist"));
  bool confirmed = bool_of(s->body, "confirmed");
  return json::object{
      {"Attributes",
       json::object{{"SubscriptionArn", subscription_arn(*s, *t)},
                    {"TopicArn", topic_arn(*t)},
                    {"Owner", "project-" + project_id},
                    {"Protocol", str_of(s->body, "protocol")},
                    {"Endpoint", str_of(s->body, "endpoint")},
                    {"PendingConfirmation", confirmed ? "false" : "true"},
                    {"ConfirmationWasAuthenticated", "false"},
                    {"RawMessageDelivery", bool_of(s->body, "raw") ? "true" : "false"}}}};
}

Outcome Sns::set_subscription_attributes(store::Tx& tx, const json::object& in) {
  auto s = subscription_of(tx, in);
  if (!s) return tl::unexpected(s.error());
  auto name = string_of(in.if_contains("AttributeName"));
  auto value = string_of(in.if_contains("AttributeValue"));
  if (name != "RawMessageDelivery" || (value != "true" && value != "false"))
    return tl::unexpected(invalid("Invalid parameter: AttributeName"));
  s->body["raw"] = value == "true";
  s->updated_at = now;
  tx.update(*s);
  return json::object{};
}

tl::expected<std::string, AwsError> Sns::publish_one(store::Tx& tx, store::Record& topic,
                                                     const json::object& in) {
  auto message = string_of(in.if_contains("Message"));
  if (message.empty()) return tl::unexpected(invalid("Invalid parameter: Empty message"));
  if (message.size() > 262144)
    return tl::unexpected(invalid("Invalid parameter: Message too long"));
  json::object attrs;
  if (auto* a = in.if_contains("MessageAttributes"); a && a->is_object()) attrs = a->as_object();
  bool fifo = bool_of(topic.body, "fifo");
  auto group = string_of(in.if_contains("MessageGroupId"));
  auto dedup = string_of(in.if_contains("MessageDeduplicationId"));
  if (fifo) {
    if (group.empty())
      return tl::unexpected(
          invalid("Invalid parameter: The MessageGroupId parameter is required for FIFO topics"));
    if (dedup.empty()) {
      if (!bool_of(topic.body, "ContentBasedDeduplication"))
        return tl::unexpected(invalid(
            "Invalid parameter: The topic should either have ContentBasedDeduplication enabled "
            "or MessageDeduplicationId provided explicitly"));
      dedup = hex(sha256_raw(message));
    }
  }
  auto message_id = new_uuid();
  auto arn = topic_arn(topic);
  auto subject = string_of(in.if_contains("Subject"));
  for (auto& s : subscriptions(tx, topic.id)) {
    if (!bool_of(s.body, "confirmed")) continue;
    bool raw = bool_of(s.body, "raw");
    json::object envelope{{"Type", "Notification"}, {"MessageId", message_id}, {"TopicArn", arn}};
    if (!subject.empty()) envelope["Subject"] = subject;
    envelope["Message"] = message;
    envelope["Timestamp"] = iso_millis(now);
    envelope["UnsubscribeURL"] =
        base + "/?Action=Unsubscribe&SubscriptionArn=" + subscription_arn(s, topic);
    if (!attrs.empty()) {
      json::object ma;
      for (auto& [k, v] : attrs) {
        if (!v.is_object()) continue;
        auto type = str_of(v.as_object(), "DataType");
        ma[k] = json::object{
            {"Type", type},
            {"Value",
             str_of(v.as_object(), type.starts_with("Binary") ? "BinaryValue" : "StringValue")}};
      }
      envelope["MessageAttributes"] = std::move(ma);
    }
    if (!raw) sign(tx, envelope);
    auto protocol = str_of(s.body, "protocol");
    if (protocol == "sqs") {
      auto a = parse_arn(str_of(s.body, "endpoint"), "sqs");
      auto q = a ? find_queue(tx, a->project, a->region, a->name) : std::nullopt;
      if (!q) continue;  // the queue is gone: nothing to deliver to
      json::object send{{"MessageBody", raw ? message : json::serialize(envelope)}};
      if (raw && !attrs.empty()) send["MessageAttributes"] = attrs;
      if (bool_of(q->body, "fifo")) {
        send["MessageGroupId"] = group.empty() ? std::string("default") : group;
        send["MessageDeduplicationId"] = dedup.empty() ? message_id : dedup;
      }
      auto sent = send_message(tx, *q, send, "sns", now);
      if (sent) touched.insert(q->id);
    } else {
      deliveries.push_back({str_of(s.body, "endpoint"), "Notification", message_id, arn,
                            raw ? message : json::serialize(envelope)});
    }
  }
  return message_id;
}

Outcome Sns::publish(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) return tl::unexpected(t.error());
  auto id = publish_one(tx, *t, in);
  if (!id) return tl::unexpected(id.error());
  return json::object{{"MessageId", *id}};
}

Outcome Sns::publish_batch(store::Tx& tx, const json::object& in) {
  auto t = topic_of(tx, in);
  if (!t) return tl::unexpected(t.error());
  auto* entries = in.if_contains("PublishBatchRequestEntries");
  if (!entries || !entries->is_array() || entries->as_array().empty())
    return tl::unexpected(
        aws_error("EmptyBatchRequest", "The batch request doesn't contain any entries"));
  if (entries->as_array().size() > 10)
    return tl::unexpected(aws_error("TooManyEntriesInBatchRequest",
                                    "The batch request contains more entries than permissible"));
  std::set<std::string> ids;
  for (auto& e : entries->as_array())
    if (!e.is_object() || !ids.insert(string_of(e.as_object().if_contains("Id"))).second)
      return tl::unexpected(aws_error("BatchEntryIdsNotDistinct",
                                      "Two or more batch entries in the request have the same Id"));
  json::array ok, bad;
  for (auto& e : entries->as_array()) {
    auto id = string_of(e.as_object().if_contains("Id"));
    auto r = publish_one(tx, *t, e.as_object());
    if (r)
      ok.push_back(json::object{{"Id", id}, {"MessageId", *r}});
    else
      bad.push_back(json::object{{"Id", id},
                                 {"Code", r.error().code},
                                 {"Message", r.error().message},
                                 {"SenderFault", r.error().sender}});
  }
  return json::object{{"Successful", std::move(ok)}, {"Failed", std::move(bad)}};
}

const SnsAction* sns_action(std::string_view name) {
  using N = SnsAction::Needs;
  static const SnsAction kActions[] = {
      {"CreateTopic", N::kManage, true, &Sns::create_topic},
      {"DeleteTopic", N::kManage, true, &Sns::delete_topic},
      {"ListTopics", N::kManage, false, &Sns::list_topics},
      {"GetTopicAttributes", N::kManage, false, &Sns::get_topic_attributes},
      {"SetTopicAttributes", N::kManage, true, &Sns::set_topic_attributes},
      {"Subscribe", N::kReceive, true, &Sns::subscribe},
      {"ConfirmSubscription", N::kNone, true, &Sns::confirm_subscription},
      {"Unsubscribe", N::kReceive, true, &Sns::unsubscribe},
      {"ListSubscriptions", N::kReceive, false, &Sns::list_subscriptions},
      {"ListSubscriptionsByTopic", N::kReceive, false, &Sns::list_subscriptions_by_topic},
      {"GetSubscriptionAttributes", N::kReceive, false, &Sns::get_subscription_attributes},
      {"SetSubscriptionAttributes", N::kReceive, true, &Sns::set_subscription_attributes},
      {"Publish", N::kPublish, true, &Sns::publish},
      {"PublishBatch", N::kPublish, true, &Sns::publish_batch},
  };
  for (auto& a : kActions)
    if (a.name == name) return &a;
  return nullptr;
}

namespace {

bool is_index(std::string_view s) {
  return !s.empty() && s.size() <= 4 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void put(json::object& o, std::span<const std::string> parts, const std::string& v) {
  if (parts.empty()) return;
  if ((parts[0] == "member" || parts[0] == "entry") && parts.size() >= 2 && is_index(parts[1])) {
    auto key =
        parts[0] + "#" + std::string(4 - std::min<std::size_t>(4, parts[1].size()), '0') + parts[1];
    if (parts.size() == 2) {
      o[key] = v;
      return;
    }
    auto& child = o[key];
    if (!child.is_object()) child = json::object{};
    put(child.as_object(), parts.subspan(2), v);
    return;
  }
  if (parts.size() == 1) {
    o[parts[0]] = v;
    return;
  }
  auto& child = o[parts[0]];
  if (!child.is_object()) child = json::object{};
  put(child.as_object(), parts.subspan(1), v);
}

json::value finalize(json::value v) {
  if (!v.is_object()) return v;
  auto& o = v.as_object();
  bool collection = !o.empty() && std::all_of(o.begin(), o.end(), [](auto& kv) {
    return kv.key().starts_with("member#") || kv.key().starts_with("entry#");
  });
  if (!collection) {
    for (auto& kv : o) kv.value() = finalize(kv.value());
    return v;
  }
  std::map<std::string, json::value> sorted;
  for (auto& kv : o) sorted[std::string(kv.key())] = finalize(kv.value());
  json::array items;
  for (auto& [k, x] : sorted) items.push_back(x);
  bool pairs = std::all_of(items.begin(), items.end(),
                           [](auto& x) { return x.is_object() && x.as_object().contains("key"); });
  bool named = std::all_of(items.begin(), items.end(), [](auto& x) {
    return x.is_object() && x.as_object().contains("Name") && x.as_object().contains("Value");
  });
  if (pairs || named) {
    json::object map;
    for (auto& x : items) {
      auto& e = x.as_object();
      if (pairs)
        map[str_of(e, "key")] = e.contains("value") ? e.at("value") : json::value("");
      else
        map[str_of(e, "Name")] = e.at("Value");
    }
    return map;
  }
  return items;
}

}  // namespace

json::object sns_query_to_json(const std::vector<std::pair<std::string, std::string>>& params) {
  json::object o;
  for (auto& [k, v] : params) {
    std::vector<std::string> parts;
    std::string_view rest = k;
    while (true) {
      auto d = rest.find('.');
      parts.emplace_back(rest.substr(0, d));
      if (d == std::string_view::npos) break;
      rest = rest.substr(d + 1);
    }
    put(o, parts, v);
  }
  return finalize(std::move(o)).as_object();
}

}  // namespace scwd::products::mnq

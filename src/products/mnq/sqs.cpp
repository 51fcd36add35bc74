// The SQS endpoint: AWS's JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<Action>) and its query
// protocol (form fields, XML answers), SigV4 with the API's SQS credentials, and the queue
// operations over records of the store (a message is acknowledged once its group commit is
// durable).
#include "products/mnq/sqs.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <set>

#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/mnq/crypto.hpp"
#include "products/mnq/mnq.hpp"
#include "products/mnq/queues.hpp"

namespace scwd::products::mnq {

namespace {

constexpr std::string_view kXmlns = "http://queue.amazonaws.com/doc/2012-11-05/";

struct AttrRule {
  std::string_view name;
  std::int64_t min, max;
  std::string_view def;
};
// Settable queue attributes, their ranges and defaults.
constexpr AttrRule kAttrRules[] = {
    {"DelaySeconds", 0, 900, "0"},
    {"MaximumMessageSize", 1024, 262144, "262144"},
    {"MessageRetentionPeriod", 60, 1209600, "345600"},
    {"ReceiveMessageWaitTimeSeconds", 0, 20, "0"},
    {"VisibilityTimeout", 0, 43200, "30"},
};

std::string string_of(const json::value* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  return {};
}

// An integer input (a number in JSON, text in the query protocol).
tl::expected<std::optional<std::int64_t>, AwsError> int_in(const json::object& in,
                                                           std::string_view key, std::int64_t lo,
                                                           std::int64_t hi) {
  auto* v = in.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::int64_t>{};
  auto text = string_of(v);
  char* end = nullptr;
  long long n = text.empty() ? 0 : std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || n < lo || n > hi)
    return tl::unexpected(aws_error(
        "InvalidParameterValue", "Value " + text + " for parameter " + std::string(key) +
                                     " is invalid. Reason: Must be between " + std::to_string(lo) +
                                     " and " + std::to_string(hi) + "."));
  return std::optional<std::int64_t>{n};
}

std::vector<std::string> strings_in(const json::object& in, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = in.if_contains(key); v && v->is_array())
    for (auto& x : v->as_array())
      if (x.is_string()) out.emplace_back(x.as_string());
  return out;
}

bool valid_queue_name(std::string_view name, bool fifo) {
  auto base = name;
  if (fifo) {
    if (!base.ends_with(".fifo")) return false;
    base.remove_suffix(5);
  }
  if (base.empty() || name.size() > 80) return false;
  return std::all_of(base.begin(), base.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

AwsError no_queue() {
  return aws_error("QueueDoesNotExist", "The specified queue does not exist.", 400,
                   "AWS.SimpleQueueService.NonExistentQueue");
}

std::int64_t attr_int(const store::Record& q, std::string_view name) {
  for (auto& r : kAttrRules)
    if (r.name == name) return std::stoll(str_of(q.body, name, r.def));
  return 0;
}

// Validates queue attributes (create or set); the values to store.
tl::expected<json::object, AwsError> read_queue_attributes(const json::object& attrs, bool creating,
                                                           bool fifo) {
  json::object out;
  for (auto& [k, v] : attrs) {
    std::string name(k);
    auto value = string_of(&v);
    bool known = false;
    for (auto& r : kAttrRules) {
      if (r.name != name) continue;
      known = true;
      char* end = nullptr;
      long long n = value.empty() ? -1 : std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end || n < r.min || n > r.max)
        return tl::unexpected(aws_error("InvalidAttributeValue",
                                        "Invalid value for the parameter " + name + ".", 400,
                                        "InvalidAttributeValue"));
      out[name] = std::to_string(n);
    }
    if (known) continue;
    if (name == "RedrivePolicy") {
      if (value.empty()) {
        out[name] = "";
        continue;
      }
      boost::system::error_code ec;
      auto p = json::parse(value, ec);
      if (ec || !p.is_object() || !p.as_object().contains("deadLetterTargetArn") ||
          !p.as_object().contains("maxReceiveCount"))
        return tl::unexpected(aws_error(
            "InvalidAttributeValue",
            "Value " + value +
                " for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid "
                "JSON map with deadLetterTargetArn and maxReceiveCount.",
            400, "InvalidAttributeValue"));
      auto count = string_of(p.as_object().if_contains("maxReceiveCount"));
      char* end = nullptr;
      long long n = count.empty() ? 0 : std::strtoll(count.c_str(), &end, 10);
      if (count.empty() || *end || n < 1 || n > 1000)
        return tl::unexpected(
            aws_error("InvalidAttributeValue",
                      "Value " + value +
                          " for parameter RedrivePolicy is invalid. Reason: Invalid value for "
                          "maxReceiveCount: " +
                          count + ", valid values are from 1 to 1000 both inclusive.",
                      400, "InvalidAttributeValue"));
      out[name] = value;
      continue;
    }
    if (name == "FifoQueue" && creating) {
      if (value != "true" && value != "false")
        return tl::unexpected(aws_error("InvalidAttributeValue",
                                        "Invalid value for the parameter FifoQueue.", 400,
                                        "InvalidAttributeValue"));
      continue;  // the caller reads it
    }
    if (name == "ContentBasedDeduplication" && fifo) {
      if (value != "true" && value != "false")
        return tl::unexpected(aws_error(
            "InvalidAttributeValue", "Invalid value for the parameter ContentBasedDeduplication.",
            400, "InvalidAttributeValue"));
      out[name] = value;
      continue;
    }
    return tl::unexpected(aws_error("InvalidAttributeName", "Unknown Attribute " + name + ".", 400,
                                    "InvalidAttributeName"));
  }
  return out;
}

}  // namespace

// --- a call ---

tl::expected<store::Record, AwsError> Sqs::queue_of(store::Tx& tx, const json::object& in) {
  auto url = string_of(in.if_contains("QueueUrl"));
  if (url.empty()) {
    if (!path_queue.empty())
      url = path_queue;
    else
      return tl::unexpected(
          aws_error("MissingParameter", "The request must contain the parameter QueueUrl."));
  }
  // ".../project-<id>/<name>": the host is the caller's view of this listener.
  auto slash = url.rfind('/');
  if (slash == std::string::npos) return tl::unexpected(no_queue());
  auto name = url.substr(slash + 1);
  auto before = std::string_view(url).substr(0, slash);
  auto pslash = before.rfind('/');
  auto project = pslash == std::string_view::npos ? before : before.substr(pslash + 1);
  if (!project.starts_with("project-") || project.substr(8) != project_id)
    return tl::unexpected(no_queue());
  auto q = find_queue(tx, project_id, region, name);
  if (!q) return tl::unexpected(no_queue());
  return std::move(*q);
}

Outcome Sqs::create_queue(store::Tx& tx, const json::object& in) {
  auto name = string_of(in.if_contains("QueueName"));
  if (name.empty())
    return tl::unexpected(
        aws_error("MissingParameter", "The request must contain the parameter QueueName."));
  json::object attrs;
  if (auto* a = in.if_contains("Attributes"); a && a->is_object()) attrs = a->as_object();
  bool fifo = string_of(attrs.if_contains("FifoQueue")) == "true";
  if (!valid_queue_name(name, fifo))
    return tl::unexpected(aws_error(
        "InvalidParameterValue",
        fifo ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
               "underscores, must end with .fifo suffix and be 1 to 80 in length."
             : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
               "length"));
  auto values = read_queue_attributes(attrs, true, fifo);
  if (!values) return tl::unexpected(values.error());
  if (auto* rp = values->if_contains("RedrivePolicy"))
    if (auto e = check_dead_letter(tx, std::string(rp->as_string()), fifo))
      return tl::unexpected(*e);
  if (auto existing = find_queue(tx, project_id, region, name)) {
    // The same name again with the same attributes is the same queue.
    for (auto& [k, v] : *values) {
      auto* cur = existing->body.if_contains(k);
      if (!cur || *cur != v)
        return tl::unexpected(aws_error(
            "QueueNameExists",
            "A queue already exists with the same name and a different value for attribute " +
                std::string(k),
            400, "QueueAlreadyExists"));
    }
    return json::object{{"QueueUrl", queue_url(base, *existing)}};
  }
  store::Record q{.kind = std::string(kQueueKind),
                  .id = new_uuid(),
                  .organization_id = organization_id,
                  .project_id = project_id,
                  .locality = region,
                  .name = name,
                  .created_at = now,
                  .updated_at = now,
                  .keys = {namespace_key(project_id, region) + "/" + name}};
  q.body = std::move(*values);
  q.body["fifo"] = fifo;
  if (fifo && !q.body.contains("ContentBasedDeduplication"))
    q.body["ContentBasedDeduplication"] = "false";
  try {
    tx.insert(q);
  } catch (const store::DuplicateKey&) {
    return tl::unexpected(aws_error("QueueNameExists", "A queue already exists with this name.",
                                    400, "QueueAlreadyExists"));
  }
  return json::object{{"QueueUrl", queue_url(base, q)}};
}

std::optional<AwsError> Sqs::check_dead_letter(store::Tx& tx, const std::string& policy,
                                               bool fifo) {
  if (policy.empty()) return std::nullopt;
  auto arn = str_of(json::parse(policy).as_object(), "deadLetterTargetArn");
  auto prefix = "arn:scw:sqs:" + region + ":project-" + project_id + ":";
  auto dlq = arn.starts_with(prefix) ? find_queue(tx, project_id, region, arn.substr(prefix.size()))
                                     : std::nullopt;
  if (!dlq)
    return aws_error("InvalidParameterValue",
                     "Value " + policy +
                         " for parameter RedrivePolicy is invalid. Reason: Dead letter target "
                         "does not exist.");
  if (bool_of(dlq->body, "fifo") != fifo)
    return aws_error("InvalidParameterValue",
                     "Value " + policy +
                         " for parameter RedrivePolicy is invalid. Reason: Dead-letter queue "
                         "must be same type of queue as the source.");
  return std::nullopt;
}

Outcome Sqs::get_queue_url(store::Tx& tx, const json::object& in) {
  auto name = string_of(in.if_contains("QueueName"));
  if (name.empty())
    return tl::unexpected(
        aws_error("MissingParameter", "The request must contain the parameter QueueName."));
  auto q = find_queue(tx, project_id, region, name);
  if (!q) return tl::unexpected(no_queue());
  return json::object{{"QueueUrl", queue_url(base, *q)}};
}

Outcome Sqs::list_queues(store::Tx& tx, const json::object& in) {
  auto prefix = string_of(in.if_contains("QueueNamePrefix"));
  store::ListQuery q;
  q.kind = std::string(kQueueKind);
  q.filters = {{store::Column::kProject, store::Op::kEq, {project_id}, {}, false},
               {store::Column::kLocality, store::Op::kEq, {region}, {}, false}};
  q.order = {{store::Column::kName, false}};
  q.with_total = false;
  json::array urls;
  for (auto& r : tx.list(q).items)
    if (r.name.starts_with(prefix)) urls.push_back(json::value(queue_url(base, r)));
  json::object out;
  if (!urls.empty()) out["QueueUrls"] = std::move(urls);
  return out;
}

// The store filters of a parent range.
std::vector<store::Filter> parent_in(const std::pair<std::string, std::string>& range) {
  return {{store::Column::kParent, store::Op::kGe, {range.first}, {}, false},
          {store::Column::kParent, store::Op::kLe, {range.second}, {}, false}};
}

void Sqs::remove_messages(store::Tx& tx, const std::string& queue_id) {
  store::ListQuery q;
  q.kind = std::string(kMessageKind);
  q.filters = parent_in(queue_range(queue_id));
  q.with_total = false;
  for (auto& m : tx.list(q).items) tx.remove(m.kind, m.id);
}

Outcome Sqs::delete_queue(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  remove_messages(tx, q->id);
  tx.remove(q->kind, q->id);
  return json::object{};
}

Outcome Sqs::purge_queue(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  remove_messages(tx, q->id);
  return json::object{};
}

std::int64_t Sqs::count_messages(store::Tx& tx, const std::string& queue_id, store::Op op) {
  store::ListQuery all;
  all.kind = std::string(kMessageKind);
  all.filters = parent_in(queue_range(queue_id));
  store::ListQuery visible;
  visible.kind = std::string(kMessageKind);
  visible.filters = parent_in(visible_range(queue_id, now));
  auto n = tx.count(visible);
  return op == store::Op::kLe ? n : tx.count(all) - n;
}

Outcome Sqs::get_queue_attributes(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  auto names = strings_in(in, "AttributeNames");
  std::set<std::string> wanted(names.begin(), names.end());
  bool all = wanted.contains("All");
  bool fifo = bool_of(q->body, "fifo");
  json::object attrs;
  auto want = [&](std::string_view n) { return all || wanted.contains(std::string(n)); };
  for (auto& n : wanted) {
    static const std::set<std::string, std::less<>> kKnown = {
        "All",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "ContentBasedDeduplication",
        "CreatedTimestamp",
        "DelaySeconds",
        "FifoQueue",
        "LastModifiedTimestamp",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "QueueArn",
        "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy",
        "VisibilityTimeout"};
    if (!kKnown.contains(n))
      return tl::unexpected(aws_error("InvalidAttributeName", "Unknown Attribute " + n + ".", 400,
                                      "InvalidAttributeName"));
  }
  if (want("ApproximateNumberOfMessages"))
    attrs["ApproximateNumberOfMessages"] =
        std::to_string(count_messages(tx, q->id, store::Op::kLe));
  if (want("ApproximateNumberOfMessagesNotVisible") || want("ApproximateNumberOfMessagesDelayed")) {
    auto hidden = count_messages(tx, q->id, store::Op::kGt);
    if (want("ApproximateNumberOfMessagesNotVisible"))
      attrs["ApproximateNumberOfMessagesNotVisible"] = std::to_string(hidden);
  }
  if (want("CreatedTimestamp")) attrs["CreatedTimestamp"] = std::to_string(q->created_at / 1000000);
  if (want("LastModifiedTimestamp"))
    attrs["LastModifiedTimestamp"] = std::to_string(q->updated_at / 1000000);
  for (auto& r : kAttrRules)
    if (want(r.name)) attrs[r.name] = std::to_string(attr_int(*q, r.name));
  if (want("QueueArn")) attrs["QueueArn"] = queue_arn(*q);
  if (want("RedrivePolicy")) {
    auto rp = str_of(q->body, "RedrivePolicy");
    if (!rp.empty()) attrs["RedrivePolicy"] = rp;
  }
  if (fifo) {
    if (want("FifoQueue")) attrs["FifoQueue"] = "true";
    if (want("ContentBasedDeduplication"))
      attrs["ContentBasedDeduplication"] = str_of(q->body, "ContentBasedDeduplication", "false");
  }
  json::object out;
  if (!attrs.empty()) out["Attributes"] = std::move(attrs);
  return out;
}

Outcome Sqs::set_queue_attributes(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  json::object attrs;
  if (auto* a = in.if_contains("Attributes"); a && a->is_object()) attrs = a->as_object();
  bool fifo = bool_of(q->body, "fifo");
  auto values = read_queue_attributes(attrs, false, fifo);
  if (!values) return tl::unexpected(values.error());
  if (auto* rp = values->if_contains("RedrivePolicy"))
    if (auto e = check_dead_letter(tx, std::string(rp->as_string()), fifo))
      return tl::unexpected(*e);
  for (auto& [k, v] : *values) q->body[k] = v;
  q->updated_at = now;
  tx.update(*q);
  return json::object{};
}

Outcome Sqs::send(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  auto sent = send_message(tx, *q, in, access_key, now);
  if (!sent) return tl::unexpected(sent.error());
  touched.insert(q->id);
  json::object out{{"MD5OfMessageBody", sent->md5_body}, {"MessageId", sent->message_id}};
  if (!sent->md5_attributes.empty()) out["MD5OfMessageAttributes"] = sent->md5_attributes;
  if (!sent->sequence_number.empty()) out["SequenceNumber"] = sent->sequence_number;
  return out;
}

namespace {

// Batch entries: 1 to 10, ids of [A-Za-z0-9_-]{1,80}, distinct.
std::optional<AwsError> check_entries(const json::object& in, std::string_view name) {
  auto* e = in.if_contains("Entries");
  if (!e || !e->is_array() || e->as_array().empty())
    return aws_error("EmptyBatchRequest",
                     "There should be at least one " + std::string(name) + " in the request.", 400,
                     "AWS.SimpleQueueService.EmptyBatchRequest");
  if (e->as_array().size() > 10)
    return aws_error("TooManyEntriesInBatchRequest",
                     "Maximum number of entries per request are 10. You have sent " +
                         std::to_string(e->as_array().size()) + ".",
                     400, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
  std::set<std::string> ids;
  for (auto& x : e->as_array()) {
    auto id = x.is_object() ? string_of(x.as_object().if_contains("Id")) : std::string();
    bool ok = !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (!ok)
      return aws_error("InvalidBatchEntryId",
                       "A batch entry id can only contain alphanumeric characters, hyphens and "
                       "underscores. It can be at most 80 letters long.",
                       400, "AWS.SimpleQueueService.InvalidBatchEntryId");
    if (!ids.insert(id).second)
      return aws_error("BatchEntryIdsNotDistinct", "Id " + id + " repeated.", 400,
                       "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
  }
  return std::nullopt;
}

json::object failed(std::string_view id, const AwsError& e) {
  return {{"Id", id}, {"SenderFault", e.sender}, {"Code", e.code}, {"Message", e.message}};
}

}  // namespace

Outcome Sqs::send_batch(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  if (auto e = check_entries(in, "SendMessageBatchRequestEntry")) return tl::unexpected(*e);
  json::array ok, bad;
  for (auto& x : in.at("Entries").as_array()) {
    auto& entry = x.as_object();
    auto id = string_of(entry.if_contains("Id"));
    auto sent = send_message(tx, *q, entry, access_key, now);
    if (!sent) {
      bad.push_back(failed(id, sent.error()));
      continue;
    }
    json::object o{
        {"Id", id}, {"MessageId", sent->message_id}, {"MD5OfMessageBody", sent->md5_body}};
    if (!sent->md5_attributes.empty()) o["MD5OfMessageAttributes"] = sent->md5_attributes;
    if (!sent->sequence_number.empty()) o["SequenceNumber"] = sent->sequence_number;
    ok.push_back(std::move(o));
  }
  touched.insert(q->id);
  return json::object{{"Successful", std::move(ok)}, {"Failed", std::move(bad)}};
}

namespace {

bool attribute_wanted(const std::vector<std::string>& names, std::string_view name) {
  for (auto& n : names) {
    if (n == "All" || n == ".*" || n == name) return true;
    if (n.ends_with(".*") && name.starts_with(std::string_view(n).substr(0, n.size() - 1)))
      return true;
  }
  return false;
}

}  // namespace

Outcome Sqs::receive(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  auto max = int_in(in, "MaxNumberOfMessages", 1, 10);
  if (!max) return tl::unexpected(max.error());
  auto visibility = int_in(in, "VisibilityTimeout", 0, 43200);
  if (!visibility) return tl::unexpected(visibility.error());
  auto wait = int_in(in, "WaitTimeSeconds", 0, 20);
  if (!wait) return tl::unexpected(wait.error());
  wait_seconds = wait->value_or(attr_int(*q, "ReceiveMessageWaitTimeSeconds"));
  waiting_queue = q->id;
  std::int64_t limit = max->value_or(1);
  std::int64_t timeout = visibility->value_or(attr_int(*q, "VisibilityTimeout"));
  bool fifo = bool_of(q->body, "fifo");

  // Redrive: a message received maxReceiveCount times moves to the dead-letter queue instead.
  std::optional<store::Record> dlq;
  std::int64_t max_receives = 0;
  if (auto rp = str_of(q->body, "RedrivePolicy"); !rp.empty()) {
    auto p = json::parse(rp).as_object();
    auto arn = str_of(p, "deadLetterTargetArn");
    auto prefix = "arn:scw:sqs:" + region + ":project-" + project_id + ":";
    if (arn.starts_with(prefix))
      dlq = find_queue(tx, project_id, region, arn.substr(prefix.size()));
    auto count = string_of(p.if_contains("maxReceiveCount"));
    max_receives = count.empty() ? 0 : std::stoll(count);
  }

  store::ListQuery lq;
  lq.kind = std::string(kMessageKind);
  if (fifo) {
    lq.filters = parent_in(queue_range(q->id));
    lq.order = {store::Order{store::Column::kBody, false, "seq"}};
  } else {
    lq.filters = parent_in(visible_range(q->id, now));
    lq.order = {store::Order{store::Column::kParent, false, {}}};
  }
  // FIFO: a group with a message in flight delivers nothing until it is deleted or visible again.
  lq.limit = fifo ? 1000 : limit * 4;
  lq.with_total = false;
  auto system_names = strings_in(in, "AttributeNames");
  for (auto& n : strings_in(in, "MessageSystemAttributeNames")) system_names.push_back(n);
  auto attribute_names = strings_in(in, "MessageAttributeNames");
  std::set<std::string> blocked_groups;
  json::array messages;
  for (auto& m : tx.list(lq).items) {
    if (static_cast<std::int64_t>(messages.size()) >= limit) break;
    // Messages past the retention period are gone (deleted when a receive comes upon them).
    if (m.created_at < now - attr_int(*q, "MessageRetentionPeriod") * 1'000'000) {
      tx.remove(m.kind, m.id);
      continue;
    }
    auto group = str_of(m.body, "group");
    bool visible = int_of(m.body, "visible_at") <= now;
    if (fifo) {
      if (blocked_groups.contains(group)) continue;
      if (!visible) {
        blocked_groups.insert(group);
        continue;
      }
    }
    if (dlq && max_receives > 0 && int_of(m.body, "receive_count") >= max_receives) {
      m.body["receive_count"] = 0;
      set_visible(m, dlq->id, now);
      m.body.erase("first_receive");
      m.updated_at = now;
      tx.update(m);
      touched.insert(dlq->id);
      continue;
    }
    auto token = random_alnum(24);
    auto count = int_of(m.body, "receive_count") + 1;
    m.body["receive_count"] = count;
    if (!m.body.contains("first_receive")) m.body["first_receive"] = now;
    set_visible(m, q->id, now + timeout * 1'000'000);
    m.body["receipt"] = token;
    m.updated_at = now;
    tx.update(m);

    json::object msg{{"MessageId", m.id},
                     {"ReceiptHandle", base64url(m.id + ":" + token)},
                     {"MD5OfBody", str_of(m.body, "md5")},
                     {"Body", str_of(m.body, "body")}};
    json::object sys;
    auto sys_want = [&](std::string_view n) { return attribute_wanted(system_names, n); };
    if (sys_want("ApproximateReceiveCount")) sys["ApproximateReceiveCount"] = std::to_string(count);
    if (sys_want("SentTimestamp"))
      sys["SentTimestamp"] = std::to_string(int_of(m.body, "sent") / 1000);
    if (sys_want("ApproximateFirstReceiveTimestamp"))
      sys["ApproximateFirstReceiveTimestamp"] =
          std::to_string(int_of(m.body, "first_receive") / 1000);
    if (sys_want("SenderId")) sys["SenderId"] = str_of(m.body, "sender");
    if (fifo) {
      if (sys_want("MessageGroupId")) sys["MessageGroupId"] = group;
      if (sys_want("MessageDeduplicationId"))
        sys["MessageDeduplicationId"] = str_of(m.body, "dedup");
      if (sys_want("SequenceNumber")) sys["SequenceNumber"] = str_of(m.body, "sequence_number");
    }
    if (!sys.empty()) msg["Attributes"] = std::move(sys);
    if (auto* a = m.body.if_contains("attributes"); a && a->is_object()) {
      json::object chosen;
      for (auto& [k, v] : a->as_object())
        if (attribute_wanted(attribute_names, k)) chosen[k] = v;
      if (!chosen.empty()) {
        msg["MD5OfMessageAttributes"] = md5_of_attributes(chosen);
        msg["MessageAttributes"] = std::move(chosen);
      }
    }
    messages.push_back(std::move(msg));
  }
  received = messages.size();
  json::object out;
  if (!messages.empty()) out["Messages"] = std::move(messages);
  return out;
}

tl::expected<store::Record, AwsError> Sqs::message_of(store::Tx& tx, const store::Record& q,
                                                      std::string_view handle) {
  std::string text(handle);
  for (auto& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4) text.push_back('=');
  auto raw = from_base64(text);
  auto colon = raw ? raw->find(':') : std::string::npos;
  if (!raw || colon == std::string::npos || !is_uuid(raw->substr(0, colon)))
    return tl::unexpected(aws_error(
        "ReceiptHandleIsInvalid",
        "The input receipt handle \"" + std::string(handle) + "\" is not a valid receipt handle.",
        400, "ReceiptHandleIsInvalid"));
  auto m = tx.get(kMessageKind, raw->substr(0, colon));
  if (!m || queue_of_message(*m) != q.id)
    return store::Record{};  // gone: deleting it again is no error
  m->body["_token_ok"] = str_of(m->body, "receipt") == raw->substr(colon + 1);
  return std::move(*m);
}

Outcome Sqs::delete_message(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  auto handle = string_of(in.if_contains("ReceiptHandle"));
  if (handle.empty())
    return tl::unexpected(
        aws_error("MissingParameter", "The request must contain the parameter ReceiptHandle."));
  auto m = message_of(tx, *q, handle);
  if (!m) return tl::unexpected(m.error());
  if (!m->id.empty()) tx.remove(m->kind, m->id);
  return json::object{};
}

Outcome Sqs::delete_batch(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  if (auto e = check_entries(in, "DeleteMessageBatchRequestEntry")) return tl::unexpected(*e);
  json::array ok, bad;
  for (auto& x : in.at("Entries").as_array()) {
    auto id = string_of(x.as_object().if_contains("Id"));
    auto m = message_of(tx, *q, string_of(x.as_object().if_contains("ReceiptHandle")));
    if (!m) {
      bad.push_back(failed(id, m.error()));
      continue;
    }
    if (!m->id.empty()) tx.remove(m->kind, m->id);
    ok.push_back(json::object{{"Id", id}});
  }
  return json::object{{"Successful", std::move(ok)}, {"Failed", std::move(bad)}};
}

std::optional<AwsError> Sqs::change_one(store::Tx& tx, const store::Record& q,
                                        const json::object& in) {
  auto timeout = int_in(in, "VisibilityTimeout", 0, 43200);
  if (!timeout) return timeout.error();
  if (!*timeout)
    return aws_error("MissingParameter",
                     "The request must contain the parameter VisibilityTimeout.");
  auto m = message_of(tx, q, string_of(in.if_contains("ReceiptHandle")));
  if (!m) return m.error();
  if (m->id.empty() || int_of(m->body, "visible_at") <= now)
    return aws_error("MessageNotInflight",
                     "Message does not exist or is not available for "
                     "visibility timeout change.",
                     400, "AWS.SimpleQueueService.MessageNotInflight");
  m->body.erase("_token_ok");
  set_visible(*m, q.id, now + **timeout * 1'000'000);
  m->updated_at = now;
  tx.update(*m);
  if (**timeout == 0) touched.insert(q.id);
  return std::nullopt;
}

Outcome Sqs::change_visibility(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  if (auto e = change_one(tx, *q, in)) return tl::unexpected(*e);
  return json::object{};
}

Outcome Sqs::change_visibility_batch(store::Tx& tx, const json::object& in) {
  auto q = queue_of(tx, in);
  if (!q) return tl::unexpected(q.error());
  if (auto e = check_entries(in, "ChangeMessageVisibilityBatchRequestEntry"))
    return tl::unexpected(*e);
  json::array ok, bad;
  for (auto& x : in.at("Entries").as_array()) {
    auto id = string_of(x.as_object().if_contains("Id"));
    if (auto e = change_one(tx, *q, x.as_object()))
      bad.push_back(failed(id, *e));
    else
      ok.push_back(json::object{{"Id", id}});
  }
  return json::object{{"Successful", std::move(ok)}, {"Failed", std::move(bad)}};
}

// --- the actions, their permissions and whether they write ---

const SqsAction* sqs_action(std::string_view name) {
  using P = SqsAction::Needs;
  static const SqsAction kActions[] = {
      {"CreateQueue", P::kManage, true, &Sqs::create_queue},
      {"DeleteQueue", P::kManage, true, &Sqs::delete_queue},
      {"ListQueues", P::kManage, false, &Sqs::list_queues},
      {"GetQueueUrl", P::kAny, false, &Sqs::get_queue_url},
      {"GetQueueAttributes", P::kAny, false, &Sqs::get_queue_attributes},
      {"SetQueueAttributes", P::kManage, true, &Sqs::set_queue_attributes},
      {"PurgeQueue", P::kManage, true, &Sqs::purge_queue},
      {"SendMessage", P::kPublish, true, &Sqs::send},
      {"SendMessageBatch", P::kPublish, true, &Sqs::send_batch},
      {"ReceiveMessage", P::kReceive, true, &Sqs::receive},
      {"DeleteMessage", P::kReceive, true, &Sqs::delete_message},
      {"DeleteMessageBatch", P::kReceive, true, &Sqs::delete_batch},
      {"ChangeMessageVisibility", P::kReceive, true, &Sqs::change_visibility},
      {"ChangeMessageVisibilityBatch", P::kReceive, true, &Sqs::change_visibility_batch},
  };
  for (auto& a : kActions)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace scwd::products::mnq

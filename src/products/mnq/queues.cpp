#include "products/mnq/queues.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/mnq/crypto.hpp"
#include "products/mnq/mnq.hpp"

namespace scwd::products::mnq {

namespace json = boost::json;

namespace {

// FIFO queues drop a message whose deduplication id was seen in the last 5 minutes.
constexpr Micros kDedupWindow = 5 * 60 * 1'000'000LL;

void put_sized(std::string& buf, std::string_view s) {
  auto n = static_cast<std::uint32_t>(s.size());
  buf.push_back(static_cast<char>((n >> 24) & 0xff));
  buf.push_back(static_cast<char>((n >> 16) & 0xff));
  buf.push_back(static_cast<char>((n >> 8) & 0xff));
  buf.push_back(static_cast<char>(n & 0xff));
  buf += s;
}

std::string string_of(const json::value* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

// Characters a message may hold: #x9 #xA #xD and #x20 upwards (what SQS accepts).
bool valid_contents(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

std::optional<AwsError> check_attributes(const json::object& attrs) {
  if (attrs.size() > 10)
    return aws_error("InvalidParameterValue", "Number of message attributes [" +
                                                  std::to_string(attrs.size()) +
                                                  "] exceeds the allowed maximum [10].");
  for (auto& [name, v] : attrs) {
    if (!v.is_object())
      return aws_error("InvalidParameterValue",
                       "The message attribute '" + std::string(name) + "' is malformed.");
    auto& a = v.as_object();
    auto type = str_of(a, "DataType");
    bool binary = type.starts_with("Binary");
    if (!(type.starts_with("String") || type.starts_with("Number") || binary))
      return aws_error("InvalidParameterValue",
                       "The message attribute '" + std::string(name) +
                           "' has an invalid message attribute type, the set of supported type "
                           "prefixes is Binary, Number, and String.");
    auto* value = a.if_contains(binary ? "BinaryValue" : "StringValue");
    if (!value || !value->is_string() || value->as_string().empty())
      return aws_error("InvalidParameterValue", "The message attribute '" + std::string(name) +
                                                    "' must contain non-empty message attribute "
                                                    "value for message attribute type '" +
                                                    type + "'.");
    if (binary && !from_base64(value->as_string()))
      return aws_error("InvalidParameterValue", "The message attribute '" + std::string(name) +
                                                    "' has a value that is not valid base64.");
  }
  return std::nullopt;
}

std::string sequence_text(std::int64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(n));
  return buf;
}

}  // namespace

AwsError aws_error(std::string_view type, std::string message, int status, std::string_view code) {
  return AwsError{status, std::string(type), std::string(code.empty() ? type : code),
                  std::move(message), status < 500};
}

std::optional<store::Record> find_queue(store::Tx& tx, std::string_view project_id,
                                        std::string_view region, std::string_view name) {
  return tx.get_by_key(kQueueKind, namespace_key(project_id, region) + "/" + std::string(name));
}

std::string queue_arn(const store::Record& q) {
  return "arn:scw:sqs:" + q.locality + ":project-" + q.project_id + ":" + q.name;
}

std::string queue_url(std::string_view base_url, const store::Record& q) {
  return std::string(base_url) + "/project-" + q.project_id + "/" + q.name;
}

std::string message_parent(std::string_view queue_id, Micros visible_at) {
  char at[32];
  std::snprintf(at, sizeof at, "%017lld", static_cast<long long>(std::max<Micros>(0, visible_at)));
  return std::string(queue_id) + "/" + at;
}

// '~' sorts after the digits of a time.
std::pair<std::string, std::string> visible_range(std::string_view queue_id, Micros now) {
  return {std::string(queue_id) + "/", message_parent(queue_id, now) + "~"};
}

std::pair<std::string, std::string> queue_range(std::string_view queue_id) {
  return {std::string(queue_id) + "/", std::string(queue_id) + "/~"};
}

std::string_view queue_of_message(const store::Record& m) {
  std::string_view p = m.parent_id;
  return p.substr(0, p.find('/'));
}

void set_visible(store::Record& m, std::string_view queue_id, Micros at) {
  m.body["visible_at"] = at;
  m.parent_id = message_parent(queue_id, at);
}

std::string md5_of_attributes(const json::object& attrs) {
  std::vector<std::string> names;
  for (auto& [k, v] : attrs) names.emplace_back(k);
  std::sort(names.begin(), names.end());
  std::string buf;
  for (auto& name : names) {
    auto& a = attrs.at(name).as_object();
    auto type = str_of(a, "DataType");
    put_sized(buf, name);
    put_sized(buf, type);
    if (type.starts_with("Binary")) {
      buf.push_back(2);
      put_sized(buf, from_base64(str_of(a, "BinaryValue")).value_or(""));
    } else {
      buf.push_back(1);
      put_sized(buf, str_of(a, "StringValue"));
    }
  }
  return md5_hex(buf);
}

tl::expected<Sent, AwsError> send_message(store::Tx& tx, store::Record& queue,
                                          const json::object& in, std::string_view sender,
                                          Micros now) {
  auto* body_v = in.if_contains("MessageBody");
  if (!body_v || !body_v->is_string() || body_v->as_string().empty())
    return tl::unexpected(
        aws_error("MissingParameter", "The request must contain the parameter MessageBody."));
  std::string body(body_v->as_string());
  auto max_size = std::stoll(str_of(queue.body, "MaximumMessageSize", "262144"));
  json::object attrs;
  if (auto* a = in.if_contains("MessageAttributes"); a && a->is_object()) attrs = a->as_object();
  std::size_t size = body.size();
  for (auto& [k, v] : attrs) {
    size += k.size();
    if (v.is_object())
      for (auto& [f, x] : v.as_object())
        if (x.is_string()) size += x.as_string().size();
  }
  if (static_cast<std::int64_t>(size) > max_size)
    return tl::unexpected(aws_error("InvalidParameterValue",
                                    "One or more parameters are invalid. Reason: Message must be "
                                    "shorter than " +
                                        std::to_string(max_size) + " bytes."));
  if (!valid_contents(body))
    return tl::unexpected(aws_error(
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
        "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
        400, "InvalidMessageContents"));
  if (auto e = check_attributes(attrs)) return tl::unexpected(*e);

  bool fifo = bool_of(queue.body, "fifo");
  auto delay_text = string_of(in.if_contains("DelaySeconds"));
  std::int64_t delay = std::stoll(str_of(queue.body, "DelaySeconds", "0"));
  if (!delay_text.empty()) {
    char* end = nullptr;
    delay = std::strtoll(delay_text.c_str(), &end, 10);
    if (*end || delay < 0 || delay > 900)
      return tl::unexpected(aws_error("InvalidParameterValue",
                                      "Value " + delay_text +
                                          " for parameter DelaySeconds is invalid. Reason: must "
                                          "be between 0 and 900, if provided."));
    if (fifo)
      return tl::unexpected(aws_error("InvalidParameterValue",
                                      "Value " + delay_text +
                                          " for parameter DelaySeconds is invalid. Reason: The "
                                          "request include parameter that is not valid for this "
                                          "queue type."));
  }
  auto group = string_of(in.if_contains("MessageGroupId"));
  auto dedup = string_of(in.if_contains("MessageDeduplicationId"));

  Sent out;
  out.md5_body = md5_hex(body);
  if (!attrs.empty()) out.md5_attributes = md5_of_attributes(attrs);
  std::string sequence;
  if (fifo) {
    if (group.empty())
      return tl::unexpected(
          aws_error("MissingParameter", "The request must contain the parameter MessageGroupId."));
    if (dedup.empty()) {
      if (str_of(queue.body, "ContentBasedDeduplication") != "true")
        return tl::unexpected(
            aws_error("InvalidParameterValue",
                      "The queue should either have ContentBasedDeduplication enabled or "
                      "MessageDeduplicationId provided explicitly"));
      dedup = hex(sha256_raw(body));
    }
    auto& seen = queue.body["dedup"];
    if (!seen.is_object()) seen = json::object{};
    auto& window = seen.as_object();
    for (auto it = window.begin(); it != window.end();) {
      auto at = it->value().is_object() ? int_of(it->value().as_object(), "at") : 0;
      if (at + kDedupWindow <= now)
        it = window.erase(it);
      else
        ++it;
    }
    if (auto* prior = window.if_contains(dedup); prior && prior->is_object()) {
      out.message_id = str_of(prior->as_object(), "id");
      out.sequence_number = str_of(prior->as_object(), "seq");
      return out;
    }
    auto next = int_of(queue.body, "sequence") + 1;
    queue.body["sequence"] = next;
    sequence = sequence_text(next);
    out.sequence_number = sequence;
  }
  out.message_id = new_uuid();
  if (fifo) {
    queue.body["dedup"].as_object()[dedup] =
        json::object{{"id", out.message_id}, {"seq", sequence}, {"at", now}};
    queue.updated_at = now;
    tx.update(queue);
  }
  store::Record m{.kind = std::string(kMessageKind),
                  .id = out.message_id,
                  .organization_id = queue.organization_id,
                  .locality = queue.locality,
                  .created_at = now,
                  .updated_at = now};
  m.body = {{"body", body},       {"md5", out.md5_body},
            {"sent", now},        {"visible_at", now + delay * 1'000'000},
            {"receive_count", 0}, {"sender", sender}};
  set_visible(m, queue.id, now + delay * 1'000'000);
  if (!attrs.empty()) {
    m.body["attributes"] = attrs;
    m.body["md5_attributes"] = out.md5_attributes;
  }
  if (!group.empty()) m.body["group"] = group;
  if (fifo) {
    m.body["dedup"] = dedup;
    m.body["seq"] = int_of(queue.body, "sequence");
    m.body["sequence_number"] = sequence;
  }
  tx.insert(m);
  return out;
}

}  // namespace scwd::products::mnq

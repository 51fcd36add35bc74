#include "products/k8s/kubeapi/protobuf.hpp"

#include <boost/json.hpp>
#include <cstdint>
#include <cstring>

#include "core/util/encoding.hpp"

namespace scwd::products::k8s::kubeapi {

namespace json = boost::json;

namespace {

// The envelope's magic number: "k8s" and a NUL.
constexpr std::string_view kMagic{"k8s\0", 4};

// Protocol buffers' wire format, one field at a time.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool failed() const { return failed_; }

  // The next field; false at the end or on malformed input (failed() then).
  bool next(std::uint32_t& field, std::string_view& bytes, std::uint64_t& value) {
    if (pos_ >= in_.size() || failed_) return false;
    std::uint64_t tag = varint();
    field = static_cast<std::uint32_t>(tag >> 3);
    switch (tag & 7) {
      case 0:
        value = varint();
        break;
      case 1:
        skip(8);
        break;
      case 2: {
        std::uint64_t len = varint();
        if (len > in_.size() - pos_) {
          failed_ = true;
          break;
        }
        bytes = in_.substr(pos_, static_cast<std::size_t>(len));
        pos_ += static_cast<std::size_t>(len);
        break;
      }
      case 5:
        skip(4);
        break;
      default:
        failed_ = true;
    }
    if (field == 0) failed_ = true;
    return !failed_;
  }

 private:
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) break;
      auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    failed_ = true;
    return 0;
  }
  void skip(std::size_t n) {
    if (n > in_.size() - pos_)
      failed_ = true;
    else
      pos_ += n;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

// A map<string, string|bytes> entry {key = 1, value = 2} added to `out`.
bool map_entry(std::string_view entry, bool bytes_value, json::object& out) {
  Reader r(entry);
  std::uint32_t f;
  std::string_view b;
  std::uint64_t v;
  std::string key, value;
  while (r.next(f, b, v)) {
    if (f == 1) key = b;
    if (f == 2) value = b;
  }
  if (r.failed()) return false;
  out[key] = bytes_value ? base64(value) : value;
  return true;
}

json::object& sub(json::object& o, std::string_view key) {
  auto& v = o[key];
  if (!v.is_object()) v = json::object{};
  return v.as_object();
}

bool object_meta(std::string_view in, json::object& meta) {
  Reader r(in);
  std::uint32_t f;
  std::string_view b;
  std::uint64_t v;
  while (r.next(f, b, v)) {
    switch (f) {
      case 1:
        meta["name"] = b;
        break;
      case 2:
        meta["generateName"] = b;
        break;
      case 3:
        meta["namespace"] = b;
        break;
      case 5:
        meta["uid"] = b;
        break;
      case 6:
        meta["resourceVersion"] = b;
        break;
      case 11:
        if (!map_entry(b, false, sub(meta, "labels"))) return false;
        break;
      case 12:
        if (!map_entry(b, false, sub(meta, "annotations"))) return false;
        break;
      default:
        break;  // times, owner references, finalizers, managed fields: not kept
    }
  }
  return !r.failed();
}

// The kind's message into `obj`; false when malformed.
bool decode_kind(std::string_view kind, std::string_view in, json::object& obj) {
  Reader r(in);
  std::uint32_t f;
  std::string_view b;
  std::uint64_t v;
  while (r.next(f, b, v)) {
    if (kind != "DeleteOptions" && f == 1) {
      if (!object_meta(b, sub(obj, "metadata"))) return false;
      continue;
    }
    if (kind == "Namespace" && f == 2) {  // spec {finalizers = 1}
      Reader s(b);
      std::uint32_t sf;
      std::string_view sb;
      std::uint64_t sv;
      json::array finalizers;
      while (s.next(sf, sb, sv))
        if (sf == 1) finalizers.emplace_back(sb);
      if (s.failed()) return false;
      sub(obj, "spec")["finalizers"] = std::move(finalizers);
    } else if (kind == "ConfigMap") {
      bool ok = true;
      if (f == 2) ok = map_entry(b, false, sub(obj, "data"));
      if (f == 3) ok = map_entry(b, true, sub(obj, "binaryData"));
      if (f == 4) obj["immutable"] = v != 0;
      if (!ok) return false;
    } else if (kind == "Secret") {
      bool ok = true;
      if (f == 2) ok = map_entry(b, true, sub(obj, "data"));
      if (f == 3) obj["type"] = b;
      if (f == 4) ok = map_entry(b, false, sub(obj, "stringData"));
      if (f == 5) obj["immutable"] = v != 0;
      if (!ok) return false;
    } else if (kind == "DeleteOptions") {
      if (f == 1) obj["gracePeriodSeconds"] = static_cast<std::int64_t>(v);
      if (f == 2) {  // preconditions {uid = 1, resourceVersion = 2}
        Reader p(b);
        std::uint32_t pf;
        std::string_view pb;
        std::uint64_t pv;
        auto& pre = sub(obj, "preconditions");
        while (p.next(pf, pb, pv)) {
          if (pf == 1) pre["uid"] = pb;
          if (pf == 2) pre["resourceVersion"] = pb;
        }
        if (p.failed()) return false;
      }
      if (f == 4) obj["propagationPolicy"] = b;
      if (f == 5) {
        auto& dry = obj["dryRun"];
        if (!dry.is_array()) dry = json::array{};
        dry.as_array().emplace_back(b);
      }
    }
  }
  return !r.failed();
}

}  // namespace

std::optional<json::object> decode_protobuf(std::string_view kind, std::string_view body,
                                            std::string& error) {
  if (!body.starts_with(kMagic)) {
    error = "the body is not a Kubernetes protobuf object (no envelope)";
    return std::nullopt;
  }
  // runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, ...}
  Reader r(body.substr(kMagic.size()));
  std::uint32_t f;
  std::string_view b;
  std::uint64_t v;
  std::string api_version, sent_kind;
  std::string_view raw;
  bool bad = false;
  while (r.next(f, b, v)) {
    if (f == 1) {
      Reader t(b);
      std::uint32_t tf;
      std::string_view tb;
      std::uint64_t tv;
      while (t.next(tf, tb, tv)) {
        if (tf == 1) api_version = tb;
        if (tf == 2) sent_kind = tb;
      }
      bad = bad || t.failed();
    }
    if (f == 2) raw = b;
  }
  json::object obj;
  if (bad || r.failed() || !decode_kind(kind, raw, obj)) {
    error = "malformed protobuf body";
    return std::nullopt;
  }
  if (!api_version.empty()) obj["apiVersion"] = api_version;
  if (!sent_kind.empty()) obj["kind"] = sent_kind;
  return obj;
}

}  // namespace scwd::products::k8s::kubeapi

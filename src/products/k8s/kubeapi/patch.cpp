#include "products/k8s/kubeapi/patch.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <string_view>
#include <vector>

namespace scwd::products::k8s::kubeapi {

namespace json = boost::json;

json::value merge_patch(json::value target, const json::value& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object{};
  auto& t = target.as_object();
  for (auto& [k, v] : patch.as_object()) {
    if (v.is_null()) {
      t.erase(k);
      continue;
    }
    json::value cur = nullptr;
    if (auto* p = t.if_contains(k)) cur = std::move(*p);
    t[k] = merge_patch(std::move(cur), v);
  }
  return target;
}

std::optional<json::value> strategic_merge_patch(json::value target, const json::value& patch,
                                                 std::string& error) {
  if (!patch.is_object()) return patch;
  const auto& p = patch.as_object();
  if (auto* d = p.if_contains("$patch")) {
    if (!d->is_string()) {
      error = "invalid $patch directive";
      return std::nullopt;
    }
    if (d->as_string() == "delete") return json::value(nullptr);  // the caller drops the key
    if (d->as_string() == "replace") {
      json::object out;
      for (auto& [k, v] : p)
        if (k != "$patch") out[k] = v;
      return json::value(std::move(out));
    }
    if (d->as_string() != "merge") {
      error = "Unknown patch type: " + std::string(d->as_string());
      return std::nullopt;
    }
  }
  if (!target.is_object()) target = json::object{};
  auto& t = target.as_object();
  for (auto& [k, v] : p) {
    std::string_view key = k;
    if (key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/") ||
        key.starts_with("$deleteFromPrimitiveList/"))
      continue;
    if (v.is_null()) {
      t.erase(k);
      continue;
    }
    json::value cur = nullptr;
    if (auto* c = t.if_contains(k)) cur = std::move(*c);
    auto merged = strategic_merge_patch(std::move(cur), v, error);
    if (!merged) return std::nullopt;
    if (merged->is_null() && v.is_object())
      t.erase(k);  // $patch: delete
    else
      t[k] = std::move(*merged);
  }
  if (auto* keep = p.if_contains("$retainKeys")) {
    if (!keep->is_array()) {
      error = "$retainKeys must be a list of strings";
      return std::nullopt;
    }
    std::vector<std::string> names;
    for (auto& e : keep->as_array()) {
      if (!e.is_string()) {
        error = "$retainKeys must be a list of strings";
        return std::nullopt;
      }
      names.emplace_back(e.as_string());
    }
    std::vector<std::string> drop;
    for (auto& [k, v] : t)
      if (std::find(names.begin(), names.end(), std::string_view(k)) == names.end())
        drop.emplace_back(k);
    for (auto& k : drop) t.erase(k);
  }
  return target;
}

namespace {

// The reference tokens of a JSON pointer (RFC 6901); nullopt when malformed.
std::optional<std::vector<std::string>> parse_pointer(std::string_view ptr) {
  std::vector<std::string> out;
  if (ptr.empty()) return out;
  if (ptr.front() != '/') return std::nullopt;
  std::size_t pos = 1;
  for (;;) {
    auto slash = ptr.find('/', pos);
    auto raw =
        ptr.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    std::string tok;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        tok += raw[i];
        continue;
      }
      if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return std::nullopt;
      tok += raw[i + 1] == '0' ? '~' : '/';
      ++i;
    }
    out.push_back(std::move(tok));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

std::optional<std::size_t> array_index(const std::string& tok, std::size_t size, bool allow_end) {
  if (allow_end && tok == "-") return size;
  if (tok.empty() || (tok.size() > 1 && tok[0] == '0')) return std::nullopt;
  std::size_t i = 0;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), i);
  if (ec != std::errc() || p != tok.data() + tok.size()) return std::nullopt;
  if (i > size || (!allow_end && i == size)) return std::nullopt;
  return i;
}

json::value* resolve(json::value& doc, const std::vector<std::string>& toks, std::size_t n) {
  json::value* cur = &doc;
  for (std::size_t i = 0; i < n; ++i) {
    if (cur->is_object()) {
      cur = cur->as_object().if_contains(toks[i]);
    } else if (cur->is_array()) {
      auto idx = array_index(toks[i], cur->as_array().size(), false);
      cur = idx ? &cur->as_array()[*idx] : nullptr;
    } else {
      cur = nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

bool remove_at(json::value& doc, const std::vector<std::string>& toks, json::value* removed,
               std::string& error, std::string_view path) {
  if (toks.empty()) {
    error = "cannot remove the whole document";
    return false;
  }
  json::value* parent = resolve(doc, toks, toks.size() - 1);
  const auto& last = toks.back();
  if (parent && parent->is_object()) {
    auto& o = parent->as_object();
    auto it = o.find(last);
    if (it != o.end()) {
      if (removed) *removed = it->value();
      o.erase(it);
      return true;
    }
  } else if (parent && parent->is_array()) {
    auto& a = parent->as_array();
    if (auto idx = array_index(last, a.size(), false)) {
      if (removed) *removed = a[*idx];
      a.erase(a.begin() + static_cast<std::ptrdiff_t>(*idx));
      return true;
    }
  }
  error = "path does not exist: " + std::string(path);
  return false;
}

bool add_at(json::value& doc, const std::vector<std::string>& toks, json::value v,
            std::string& error, std::string_view path) {
  if (toks.empty()) {
    doc = std::move(v);
    return true;
  }
  json::value* parent = resolve(doc, toks, toks.size() - 1);
  const auto& last = toks.back();
  if (parent && parent->is_object()) {
    parent->as_object()[last] = std::move(v);
    return true;
  }
  if (parent && parent->is_array()) {
    auto& a = parent->as_array();
    if (auto idx = array_index(last, a.size(), true)) {
      a.insert(a.begin() + static_cast<std::ptrdiff_t>(*idx), std::move(v));
      return true;
    }
  }
  error = "path does not exist: " + std::string(path);
  return false;
}

}  // namespace

bool json_patch(json::value& doc, const json::value& ops, std::string& error, bool& bad_request) {
  bad_request = true;
  if (!ops.is_array()) {
    error = "a JSON patch must be a list of operations";
    return false;
  }
  // Decoded whole first: a malformed operation anywhere refuses the patch before any applies.
  struct Op {
    std::string op, path, from;
    std::vector<std::string> to, src;
    const json::value* value = nullptr;
  };
  std::vector<Op> list;
  for (auto& e : ops.as_array()) {
    if (!e.is_object()) {
      error = "each JSON patch operation must be an object";
      return false;
    }
    auto& o = e.as_object();
    Op op;
    auto* name = o.if_contains("op");
    auto* path = o.if_contains("path");
    if (!name || !name->is_string() || !path || !path->is_string()) {
      error = "each JSON patch operation needs string \"op\" and \"path\" fields";
      return false;
    }
    op.op = name->as_string();
    op.path = path->as_string();
    auto to = parse_pointer(op.path);
    if (!to) {
      error = "invalid JSON pointer: " + op.path;
      return false;
    }
    op.to = std::move(*to);
    if (op.op == "add" || op.op == "replace" || op.op == "test") {
      op.value = o.if_contains("value");
      if (!op.value) {
        error = "operation \"" + op.op + "\" needs a \"value\"";
        return false;
      }
    } else if (op.op == "move" || op.op == "copy") {
      auto* from = o.if_contains("from");
      auto src = from && from->is_string() ? parse_pointer(from->as_string()) : std::nullopt;
      if (!src) {
        error = "operation \"" + op.op + "\" needs a valid \"from\" pointer";
        return false;
      }
      op.from = from->as_string();
      op.src = std::move(*src);
    } else if (op.op != "remove") {
      error = "unknown JSON patch operation \"" + op.op + "\"";
      return false;
    }
    list.push_back(std::move(op));
  }
  bad_request = false;
  for (auto& op : list) {
    if (op.op == "add") {
      if (!add_at(doc, op.to, *op.value, error, op.path)) return false;
    } else if (op.op == "remove") {
      if (!remove_at(doc, op.to, nullptr, error, op.path)) return false;
    } else if (op.op == "replace") {
      json::value* at = resolve(doc, op.to, op.to.size());
      if (!at) {
        error = "replace operation does not apply: doc is missing key: " + op.path;
        return false;
      }
      *at = *op.value;
    } else if (op.op == "test") {
      json::value* at = resolve(doc, op.to, op.to.size());
      if (!at || *at != *op.value) {
        error = "testing value " + op.path + " failed";
        return false;
      }
    } else if (op.op == "copy") {
      json::value* at = resolve(doc, op.src, op.src.size());
      if (!at) {
        error = "copy operation does not apply: doc is missing from path: " + op.from;
        return false;
      }
      json::value v = *at;
      if (!add_at(doc, op.to, std::move(v), error, op.path)) return false;
    } else {  // move
      if (op.to.size() > op.src.size() && std::equal(op.src.begin(), op.src.end(), op.to.begin())) {
        error = "cannot move " + op.from + " into its own child " + op.path;
        return false;
      }
      json::value v;
      if (!remove_at(doc, op.src, &v, error, op.from)) return false;
      if (!add_at(doc, op.to, std::move(v), error, op.path)) return false;
    }
  }
  return true;
}

}  // namespace scwd::products::k8s::kubeapi

#include "core/paging/paging.hpp"

#include <algorithm>
#include <charconv>

namespace scwd::paging {

using api::ApiError;
using api::ArgReason;

namespace {
api::Result<std::int64_t> read_int(const http::Request& req, std::string_view name,
                                   std::int64_t def) {
  auto* v = req.query_value(name);
  if (!v || v->empty()) return def;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size())
    return api::fail(ApiError::invalid_argument(std::string(name), ArgReason::kFormat,
                                                "value must be an integer"));
  return n;
}
}  // namespace

api::Result<Page> read(const http::Request& req, std::string_view size_param,
                       std::int64_t default_size, std::int64_t max_size) {
  Page p;
  auto page = read_int(req, "page", 1);
  if (!page) return api::fail(page.error());
  if (*page < 1) return api::fail(ApiError::constraint("page", "value must be greater than 0"));
  auto size = read_int(req, size_param, default_size);
  if (!size) return api::fail(size.error());
  if (*size < 1)
    return api::fail(
        ApiError::constraint(std::string(size_param), "value must be greater than or equal to 1"));
  if (*size > max_size)
    return api::fail(
        ApiError::constraint(std::string(size_param),
                             "value must be less than or equal to " + std::to_string(max_size)));
  p.page = *page;
  p.size = *size;
  return p;
}

void apply(store::ListQuery& q, const Page& p) {
  q.offset = p.offset();
  q.limit = p.size;
}

api::Result<std::vector<store::Order>> order(const http::Request& req,
                                             std::span<const OrderChoice> choices,
                                             std::string_view param) {
  const OrderChoice* pick = choices.data();
  if (auto* v = req.query_value(param); v && !v->empty()) {
    pick = nullptr;
    for (auto& c : choices)
      if (c.value == *v) pick = &c;
    if (!pick) {
      std::string help = "value must be one of: ";
      bool first = true;
      for (auto& c : choices) {
        if (!first) help += ", ";
        help += c.value;
        first = false;
      }
      return api::fail(ApiError::constraint(std::string(param), help));
    }
  }
  std::vector<store::Order> out;
  out.push_back(store::Order{pick->column, pick->descending, std::string(pick->body_path)});
  if (pick->column != store::Column::kCreatedAt)
    out.push_back(store::Order{store::Column::kCreatedAt, pick->descending, {}});
  return out;
}

boost::json::object list_body(std::string_view key, boost::json::array items, std::int64_t total) {
  boost::json::object o;
  o[key] = std::move(items);
  o["total_count"] = total;
  return o;
}

}  // namespace scwd::paging

namespace scwd::paging {

api::Result<Page> read_legacy(const http::Request& req) { return read(req, "per_page", 50, 100); }

namespace {
void append_encoded(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : v) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}
}  // namespace

void legacy_headers(http::Response& res, const http::Request& req, std::string_view collection,
                    const Page& p, std::int64_t total) {
  std::string rest;
  for (auto& [k, v] : req.query) {
    if (k == "page" || k == "per_page") continue;
    rest += '&';
    append_encoded(rest, k);
    rest += '=';
    append_encoded(rest, v);
  }
  auto link = [&](std::int64_t page, std::string_view rel) {
    return "<" + std::string(collection) + "?page=" + std::to_string(page) +
           "&per_page=" + std::to_string(p.size) + rest + ">; rel=\"" + std::string(rel) + "\"";
  };
  std::int64_t last = (total + p.size - 1) / p.size;  // 0 when empty
  std::string header;
  auto add = [&](std::string s) {
    if (!header.empty()) header += ',';
    header += s;
  };
  if (p.page > 1) {
    add(link(1, "first"));
    add(link(std::min(p.page - 1, std::max<std::int64_t>(last, 1)), "previous"));
  }
  if (p.page < last) add(link(p.page + 1, "next"));
  add(link(last, "last"));
  res.with_header("X-Total-Count", std::to_string(total));
  res.with_header("Link", header);
}

api::Result<TokenPage> read_token(const http::Request& req) {
  TokenPage p;
  auto size = read_int(req, "page_size", p.size);
  if (!size) return api::fail(size.error());
  if (*size < 1 || *size > 100)
    return api::fail(ApiError::constraint("page_size", "page_size must be between 1 and 100"));
  p.size = *size;
  auto* token = req.query_value("page_token");
  bool digits =
      token && token->size() < 12 &&
      std::all_of(token->begin(), token->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (token && !token->empty() && !digits)
    return api::fail(
        ApiError::invalid_argument("page_token", ArgReason::kFormat, "invalid page token"));
  if (token && !token->empty()) p.offset = std::stoll(*token);
  return p;
}

void apply(store::ListQuery& q, const TokenPage& p) {
  q.offset = p.offset;
  q.limit = p.size;
}

boost::json::object token_list_body(std::string_view key, boost::json::array items,
                                    const TokenPage& p, std::int64_t total) {
  boost::json::object out;
  out[key] = std::move(items);
  if (p.offset + p.size < total) out["next_page_token"] = std::to_string(p.offset + p.size);
  out["total_count"] = total;
  return out;
}

}  // namespace scwd::paging

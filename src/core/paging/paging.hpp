// Pagination and ordering shared by every list operation: page/page_size (modern APIs, total in
// the body) and page/per_page (Instance, total in X-Total-Count), order_by values mapped to store
// orders.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <utility>

#include "core/api/error.hpp"
#include "core/http/message.hpp"
#include "core/store/store.hpp"

namespace scwd::paging {

struct Page {
  std::int64_t page = 1;
  std::int64_t size = 20;
  std::int64_t offset() const { return (page - 1) * size; }
};

// Reads `page` (>= 1) and `size_param` (1..max_size, default default_size).
api::Result<Page> read(const http::Request& req, std::string_view size_param = "page_size",
                       std::int64_t default_size = 20, std::int64_t max_size = 100);

// Applies a page to a store query.
void apply(store::ListQuery& q, const Page& p);

// One accepted order_by value and the store order it means.
struct OrderChoice {
  std::string_view value;
  store::Column column;
  bool descending;
  std::string_view body_path = {};
};

// Reads `param` (default: the first choice). Values outside the choices -> invalid_arguments
// (the generic validation normally catches them first).
api::Result<std::vector<store::Order>> order(const http::Request& req,
                                             std::span<const OrderChoice> choices,
                                             std::string_view param = "order_by");
inline api::Result<std::vector<store::Order>> order(const http::Request& req,
                                                    std::initializer_list<OrderChoice> choices,
                                                    std::string_view param = "order_by") {
  return order(req, std::span<const OrderChoice>(choices.begin(), choices.size()), param);
}

// Instance (legacy) lists: page + per_page (default 50, at most 100).
api::Result<Page> read_legacy(const http::Request& req);

// Instance (legacy) list headers: X-Total-Count and a Link header with first/previous/next/last
// relative to the zone root ("</servers?page=2&per_page=50&order=...>; rel=\"next\",..."); the
// query echoes page, per_page, then the caller's other parameters.
void legacy_headers(http::Response& res, const http::Request& req, std::string_view collection,
                    const Page& p, std::int64_t total);

// Token lists (Instance v2alpha1): `page_size` (1..100, default 50) and an opaque `page_token`
// that the previous answer's `next_page_token` gave (here: the offset of the next item).
struct TokenPage {
  std::int64_t offset = 0;
  std::int64_t size = 50;
};
api::Result<TokenPage> read_token(const http::Request& req);
void apply(store::ListQuery& q, const TokenPage& p);
// {"<key>": items, "next_page_token": <when more follow>, "total_count": total}
boost::json::object token_list_body(std::string_view key, boost::json::array items,
                                    const TokenPage& p, std::int64_t total);

// {"<key>": items, "total_count": total}
boost::json::object list_body(std::string_view key, boost::json::array items, std::int64_t total);

// A list held in memory (catalogues): page p of `items`, each rendered, in a list body with the
// total.
template <typename Items, typename Render>
boost::json::object page_body(std::string_view key, const Items& items, const Page& p,
                              Render&& render) {
  boost::json::array out;
  const auto total = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = p.offset(); i < total && i < p.offset() + p.size; ++i)
    out.push_back(render(items[static_cast<std::size_t>(i)]));
  return list_body(key, std::move(out), total);
}

}  // namespace scwd::paging

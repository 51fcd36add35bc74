#include "core/paging/paging.hpp"

#include <gtest/gtest.h>

namespace scwd::paging {
namespace {

http::Request query(std::vector<std::pair<std::string, std::string>> q) {
  http::Request r;
  r.method = "GET";
  r.query = std::move(q);
  return r;
}

TEST(TokenPaging, DefaultsAndTokens) {
  auto p = read_token(query({}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 0);
  EXPECT_EQ(p->size, 50);
  p = read_token(query({{"page_size", "2"}, {"page_token", "4"}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 4);
  EXPECT_EQ(p->size, 2);
  store::ListQuery q;
  apply(q, *p);
  EXPECT_EQ(q.offset, 4);
  EXPECT_EQ(q.limit, 2);
}

TEST(TokenPaging, BadInputIsRefused) {
  for (auto [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"page_size", "0"},
                                                        {"page_size", "101"},
                                                        {"page_size", "x"},
                                                        {"page_token", "-1"},
                                                        {"page_token", "abc"},
                                                        {"page_token", "1e3"},
                                                        {"page_token", "123456789012"}}) {
    SCOPED_TRACE(k + "=" + v);
    auto p = read_token(query({{k, v}}));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().type(), "invalid_arguments");
  }
}

TEST(TokenPaging, NextTokenOnlyWhileMoreFollow) {
  boost::json::array items{1, 2};
  auto body = token_list_body("things", items, TokenPage{0, 2}, 5);
  EXPECT_EQ(body.at("next_page_token").as_string(), "2");
  EXPECT_EQ(body.at("total_count").as_int64(), 5);
  EXPECT_EQ(body.at("things").as_array().size(), 2u);
  body = token_list_body("things", items, TokenPage{4, 2}, 5);
  EXPECT_FALSE(body.contains("next_page_token"));
  body = token_list_body("things", {}, TokenPage{0, 50}, 0);
  EXPECT_FALSE(body.contains("next_page_token"));
  EXPECT_EQ(body.at("total_count").as_int64(), 0);
}

}  // namespace
}  // namespace scwd::paging

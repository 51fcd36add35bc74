#include "core/http/message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace scwd::http {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Query = std::vector<std::pair<std::string, std::string>>;
using KV = std::pair<std::string, std::string>;

TEST(ParseTarget, PathOnly) {
  std::string path;
  Query q{{"stale", "x"}};
  ASSERT_TRUE(parse_target("/account/v3/projects", path, q));
  EXPECT_EQ(path, "/account/v3/projects");
  EXPECT_THAT(q, IsEmpty());
}

TEST(ParseTarget, PathStaysEncoded) {
  std::string path;
  Query q;
  ASSERT_TRUE(parse_target("/a/b%20c/d+e?x=1", path, q));
  EXPECT_EQ(path, "/a/b%20c/d+e");
  EXPECT_THAT(q, ElementsAre(KV{"x", "1"}));
}

TEST(ParseTarget, RepeatedKeysKeptInOrder) {
  std::string path;
  Query q;
  ASSERT_TRUE(parse_target("/p?tags=a&page=2&tags=b&tags=c", path, q));
  EXPECT_EQ(path, "/p");
  EXPECT_THAT(q, ElementsAre(KV{"tags", "a"}, KV{"page", "2"}, KV{"tags", "b"}, KV{"tags", "c"}));
}

TEST(ParseTarget, PlusAndPercentEscapes) {
  std::string path;
  Query q;
  ASSERT_TRUE(parse_target("/p?name=my+project&d=a%20b%2Bc%26d%3De&k%5B0%5D=v&u=%C3%A9", path, q));
  EXPECT_THAT(q, ElementsAre(KV{"name", "my project"}, KV{"d", "a b+c&d=e"}, KV{"k[0]", "v"},
                             KV{"u", "\xC3\xA9"}));
}

TEST(ParseTarget, LowercaseHexEscapes) {
  std::string path;
  Query q;
  ASSERT_TRUE(parse_target("/p?a=%2f%3a", path, q));
  EXPECT_THAT(q, ElementsAre(KV{"a", "/:"}));
}

TEST(ParseTarget, KeysWithoutValuesAndEmptyParts) {
  std::string path;
  Query q;
  ASSERT_TRUE(parse_target("/p?&flag&&x=&=v&y=1=2&", path, q));
  EXPECT_THAT(q, ElementsAre(KV{"flag", ""}, KV{"x", ""}, KV{"", "v"}, KV{"y", "1=2"}));
}

TEST(ParseTarget, EmptyQueryAndFragment) {
  std::string path;
  Query q;
  ASSERT_TRUE(parse_target("/p?", path, q));
  EXPECT_EQ(path, "/p");
  EXPECT_THAT(q, IsEmpty());
  ASSERT_TRUE(parse_target("/p?a=1#frag&b=2", path, q));
  EXPECT_THAT(q, ElementsAre(KV{"a", "1"}));
}

TEST(ParseTarget, MalformedEscapes) {
  for (std::string_view target :
       {"/p?a=%zz", "/p?a=%4", "/p?a=%", "/p?a=1&b=%g0", "/p?%=1", "/p?a%2=1", "/p?a=x%"}) {
    SCOPED_TRACE(std::string(target));
    std::string path;
    Query q;
    EXPECT_FALSE(parse_target(target, path, q));
  }
}

TEST(PercentDecode, Basics) {
  std::string out = "garbage";
  ASSERT_TRUE(percent_decode("a%41+b", out, false));
  EXPECT_EQ(out, "aA+b");
  ASSERT_TRUE(percent_decode("a%41+b", out, true));
  EXPECT_EQ(out, "aA b");
  ASSERT_TRUE(percent_decode("", out, true));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(percent_decode("%00", out, false));
  EXPECT_EQ(out, std::string(1, '\0'));
  EXPECT_FALSE(percent_decode("%", out, false));
  EXPECT_FALSE(percent_decode("%1", out, false));
  EXPECT_FALSE(percent_decode("%1G", out, false));
  EXPECT_FALSE(percent_decode("%G1", out, false));
}

TEST(Request, HeaderLookupIsCaseInsensitive) {
  Request r;
  r.headers = {{"X-Auth-Token", "secret"}, {"content-type", "application/json"}};
  ASSERT_NE(r.header("x-auth-token"), nullptr);
  EXPECT_EQ(*r.header("x-auth-token"), "secret");
  EXPECT_EQ(*r.header("X-AUTH-TOKEN"), "secret");
  EXPECT_EQ(*r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("X-Auth"), nullptr);
  EXPECT_EQ(r.header("X-Auth-Token2"), nullptr);
}

TEST(Request, FirstHeaderWins) {
  Request r;
  r.headers = {{"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(*r.header("x-a"), "1");
}

TEST(Request, IEquals) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("abc", "abd"));
  EXPECT_FALSE(iequals("abc", "ab"));
}

TEST(Request, QueryValue) {
  Request r;
  r.query = {{"page", "2"}, {"page", "3"}, {"empty", ""}};
  ASSERT_NE(r.query_value("page"), nullptr);
  EXPECT_EQ(*r.query_value("page"), "2");
  ASSERT_NE(r.query_value("empty"), nullptr);
  EXPECT_EQ(*r.query_value("empty"), "");
  EXPECT_EQ(r.query_value("Page"), nullptr);  // query keys are case-sensitive
  EXPECT_EQ(r.query_value("missing"), nullptr);
}

TEST(Request, QueryValuesWithAndWithoutCommaSplitting) {
  Request r;
  r.query = {{"tags", "a,b"}, {"other", "z"}, {"tags", "c"}, {"tags", ""}, {"tags", ",d,,e,"}};
  EXPECT_THAT(r.query_values("tags"), ElementsAre("a,b", "c", "", ",d,,e,"));
  EXPECT_THAT(r.query_values("tags", true), ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(r.query_values("missing", true), IsEmpty());
  EXPECT_THAT(r.query_values("other", true), ElementsAre("z"));
}

TEST(Response, Json) {
  auto r = Response::json(201, boost::json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"a":[1,2]})"));
}

TEST(Response, NoContentAndRaw) {
  auto nc = Response::no_content();
  EXPECT_EQ(nc.status, 204);
  EXPECT_TRUE(nc.body.empty());
  auto raw = Response::raw(200, "text/plain", "hello").with_header("X-Total-Count", "3");
  EXPECT_EQ(raw.status, 200);
  EXPECT_EQ(raw.content_type, "text/plain");
  EXPECT_EQ(raw.body, "hello");
  EXPECT_THAT(raw.headers, ElementsAre(KV{"X-Total-Count", "3"}));
}

}  // namespace
}  // namespace scwd::http

namespace scwd::http {
namespace {

TEST(ToJson, WritesDoublesLikeTheRealApi) {
  auto v = boost::json::parse(
      R"({"price":115.194,"half":0.5,"whole":2.0,"tiny":0.00001,"n":-3,"big":18446744073709551615,"s":"a\"b\\c\n\u0001é","l":[true,false,null],"o":{}})");
  EXPECT_EQ(
      to_json(v),
      R"({"price":115.194,"half":0.5,"whole":2.0,"tiny":1e-05,"n":-3,"big":18446744073709551615,"s":"a\"b\\c\n\u0001é","l":[true,false,null],"o":{}})");
  // Round trip: what we write parses back to the same value.
  EXPECT_EQ(boost::json::parse(to_json(v)), v);
}

}  // namespace
}  // namespace scwd::http

namespace scwd::http {
namespace {

// Strings with bytes that are not UTF-8 (a percent-decoded path, a stored value): the output
// must still be valid JSON, with U+FFFD for each offending byte and valid text kept as it is.
TEST(ToJson, ReplacesInvalidUtf8) {
  auto s = [](std::string_view bytes) {
    return to_json(boost::json::value(boost::json::string(bytes)));
  };
  EXPECT_EQ(s("\xff\xfe"), R"("\ufffd\ufffd")");
  EXPECT_EQ(s("a\xc3"), R"("a\ufffd")");                              // truncated 2-byte sequence
  EXPECT_EQ(s("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(s("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // UTF-16 surrogate
  EXPECT_EQ(s("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  EXPECT_EQ(s("\xe2\x82"), R"("\ufffd\ufffd")");  // truncated 3-byte sequence at the end
  // Valid 2-, 3- and 4-byte sequences and escapes are unchanged.
  EXPECT_EQ(s("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\x01"),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\\"\\u0001\"");
  // Keys too; the result parses with a strict parser.
  boost::json::object o;
  o["k\xff"] = "v\x80";
  auto text = to_json(o);
  boost::system::error_code ec;
  auto back = boost::json::parse(text, ec);
  ASSERT_FALSE(ec) << text;
  EXPECT_EQ(back.as_object().begin()->key(), "k\xef\xbf\xbd");
  EXPECT_EQ(back.as_object().begin()->value().as_string(), "v\xef\xbf\xbd");
}

}  // namespace
}  // namespace scwd::http

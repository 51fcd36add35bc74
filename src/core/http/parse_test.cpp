#include "core/http/parse.hpp"

#include <gtest/gtest.h>

#include <string>

namespace scwd::http {
namespace {

using Kind = ParseOutcome::Kind;

TEST(ParseRequest, ReadsMethodTargetHeadersAndBody) {
  std::string in =
      "POST /a/b%20c?x=1&y=%41 HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
  auto out = parse_request(in);
  ASSERT_EQ(out.kind, Kind::kRequest);
  EXPECT_TRUE(out.target_ok);
  EXPECT_TRUE(out.keep_alive);
  EXPECT_EQ(out.consumed, in.size());
  EXPECT_EQ(out.request.method, "POST");
  EXPECT_EQ(out.request.target, "/a/b%20c?x=1&y=%41");
  EXPECT_EQ(out.request.path, "/a/b%20c");
  ASSERT_EQ(out.request.query.size(), 2u);
  EXPECT_EQ(out.request.query[1].second, "A");
  ASSERT_NE(out.request.header("content-length"), nullptr);
  EXPECT_EQ(out.request.body, "{\"a\":1}");
}

TEST(ParseRequest, PipelinedRequestsAreReadOneAtATime) {
  std::string first = "GET /one HTTP/1.1\r\n\r\n";
  std::string in = first + "GET /two HTTP/1.1\r\nConnection: close\r\n\r\n";
  auto a = parse_request(in);
  ASSERT_EQ(a.kind, Kind::kRequest);
  EXPECT_EQ(a.consumed, first.size());
  EXPECT_EQ(a.request.path, "/one");
  auto b = parse_request(std::string_view(in).substr(a.consumed));
  ASSERT_EQ(b.kind, Kind::kRequest);
  EXPECT_EQ(b.request.path, "/two");
  EXPECT_FALSE(b.keep_alive);
}

TEST(ParseRequest, ChunkedBody) {
  auto out = parse_request(
      "PUT /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_EQ(out.kind, Kind::kRequest);
  EXPECT_EQ(out.request.body, "abcde");
}

TEST(ParseRequest, TrailersAreNotHeaders) {
  auto out = parse_request(
      "PUT /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"
      "X-Trailer: 1\r\n\r\n");
  ASSERT_EQ(out.kind, Kind::kRequest);
  EXPECT_EQ(out.request.body, "a");
  EXPECT_EQ(out.request.header("X-Trailer"), nullptr);
  EXPECT_NE(out.request.header("Transfer-Encoding"), nullptr);
}

TEST(ParseRequest, TruncatedInputIsIncomplete) {
  EXPECT_EQ(parse_request("").kind, Kind::kIncomplete);
  EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost").kind, Kind::kIncomplete);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc").kind,
            Kind::kIncomplete);
}

TEST(ParseRequest, LimitsAnswer413And431) {
  ParseLimits small{.body_limit = 4, .header_limit = 64};
  auto big_body = parse_request("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", small);
  ASSERT_EQ(big_body.kind, Kind::kError);
  EXPECT_EQ(big_body.status, 413);
  auto big_header =
      parse_request("GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n", small);
  ASSERT_EQ(big_header.kind, Kind::kError);
  EXPECT_EQ(big_header.status, 431);
}

TEST(ParseRequest, GarbageIs400) {
  for (std::string_view in :
       {"\x01\x02\x03 / HTTP/1.1\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    auto out = parse_request(in);
    EXPECT_EQ(out.kind, Kind::kError) << in;
    EXPECT_EQ(out.status, 400) << in;
  }
}

TEST(ParseRequest, MalformedQueryIsFlagged) {
  auto out = parse_request("GET /p?x=%zz HTTP/1.1\r\n\r\n");
  ASSERT_EQ(out.kind, Kind::kRequest);
  EXPECT_FALSE(out.target_ok);
}

TEST(ParseRequest, RefusedFramingStopsBeforeTheBody) {
  // The bytes after a header block with a non-final chunked coding must never be read as a
  // second request.
  std::string smuggled = "GET /smuggled HTTP/1.1\r\n\r\n";
  auto out =
      parse_request("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n" + smuggled);
  EXPECT_EQ(out.kind, Kind::kError);
  EXPECT_EQ(out.status, 400);
  auto both = parse_request(
      "POST /p HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(both.kind, Kind::kError);
  EXPECT_EQ(both.status, 400);
  auto gzip =
      parse_request("POST /p HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(gzip.kind, Kind::kError);
  EXPECT_EQ(gzip.status, 501);
}

}  // namespace
}  // namespace scwd::http

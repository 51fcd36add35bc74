#include "core/http/framing.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>
#include <vector>

namespace scwd::http {
namespace {

using V = std::vector<std::string_view>;

int status(unsigned version, V te, V cl) { return check_framing(version, te, cl).status; }

// Each of `requests`, the Content-Length field lines of an HTTP/1.1 request without
// Transfer-Encoding, answers `want`.
void expect_content_length(int want, std::initializer_list<V> requests) {
  for (auto& cl : requests) EXPECT_EQ(status(11, {}, cl), want) << ::testing::PrintToString(cl);
}
// Each of `requests`, the Transfer-Encoding field lines of an HTTP/1.1 request without
// Content-Length, answers `want`.
void expect_transfer_encoding(int want, std::initializer_list<V> requests) {
  for (auto& te : requests) EXPECT_EQ(status(11, te, {}), want) << ::testing::PrintToString(te);
}

TEST(Framing, NoBodyHeadersMeansNoBody) { EXPECT_EQ(status(11, {}, {}), 0); }

TEST(Framing, OneContentLength) {
  expect_content_length(0, {{"0"}, {"42"}, {"18446744073709551615"}});
  EXPECT_EQ(status(10, {}, {"42"}), 0);
}

TEST(Framing, InvalidContentLength) {
  expect_content_length(400, {{""},
                              {"-5"},
                              {"+5"},
                              {"5a"},
                              {"0x10"},
                              {"1 2"},
                              {"\"5\""},
                              {"18446744073709551616"},  // 2^64
                              {"99999999999999999999999"}});
}

TEST(Framing, RepeatedContentLengthIsRefusedEvenWhenIdentical) {
  expect_content_length(400, {{"5", "6"}, {"5, 6"}, {"5", "5"}, {"5, 5"}, {","}});
  EXPECT_EQ(check_framing(11, {}, {"5, 6"}).reason,
            "Content-Length must be given once, as a single value");
}

TEST(Framing, ChunkedIsAccepted) {
  // Empty list elements are ignored.
  expect_transfer_encoding(0, {{"chunked"}, {"Chunked"}, {"CHUNKED"}, {" chunked ,"}});
}

TEST(Framing, FinalCodingMustBeChunked) {
  expect_transfer_encoding(400, {{"chunked, identity"},
                                 {"gzip"},
                                 {"identity"},
                                 {"chunked", "gzip"},  // fields combine in order
                                 {"xchunked"},
                                 {"chunked;"},
                                 {"chunked; q=1"}});
}

TEST(Framing, ChunkedOnlyOnce) {
  expect_transfer_encoding(400, {{"chunked, chunked"}, {"chunked", "chunked"}});
}

TEST(Framing, EmptyOrInvalidTransferEncoding) {
  expect_transfer_encoding(400, {{""}, {" , "}, {"chu nked"}, {"\"chunked\""}, {";x=1, chunked"}});
}

TEST(Framing, UnknownCodingUnderChunkedIsNotImplemented) {
  expect_transfer_encoding(
      501, {{"gzip, chunked"}, {"gzip", "chunked"}, {"x-custom;level=\"a,b\", chunked"}});
  EXPECT_EQ(check_framing(11, {"deflate, chunked"}, {}).reason,
            "transfer coding 'deflate' is not implemented");
}

TEST(Framing, BothHeadersAreRefused) {
  EXPECT_EQ(status(11, {"chunked"}, {"5"}), 400);
  EXPECT_EQ(status(11, {"gzip"}, {"5"}), 400);
  EXPECT_EQ(status(11, {"chunked"}, {"0"}), 400);
}

TEST(Framing, TransferEncodingInHttp10IsFaulty) {
  EXPECT_EQ(status(10, {"chunked"}, {}), 400);
  EXPECT_EQ(status(10, {"chunked"}, {"5"}), 400);
}

}  // namespace
}  // namespace scwd::http

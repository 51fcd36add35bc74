#include "core/http/framing.hpp"

#include <gtest/gtest.h>

namespace scwd::http {
namespace {

using V = std::vector<std::string_view>;

int status(unsigned version, V te, V cl) { return check_framing(version, te, cl).status; }

TEST(Framing, NoBodyHeadersMeansNoBody) { EXPECT_EQ(status(11, {}, {}), 0); }

TEST(Framing, OneContentLength) {
  EXPECT_EQ(status(11, {}, {"0"}), 0);
  EXPECT_EQ(status(11, {}, {"42"}), 0);
  EXPECT_EQ(status(10, {}, {"42"}), 0);
  EXPECT_EQ(status(11, {}, {"18446744073709551615"}), 0);
}

TEST(Framing, InvalidContentLength) {
  EXPECT_EQ(status(11, {}, {""}), 400);
  EXPECT_EQ(status(11, {}, {"-5"}), 400);
  EXPECT_EQ(status(11, {}, {"+5"}), 400);
  EXPECT_EQ(status(11, {}, {"5a"}), 400);
  EXPECT_EQ(status(11, {}, {"0x10"}), 400);
  EXPECT_EQ(status(11, {}, {"1 2"}), 400);
  EXPECT_EQ(status(11, {}, {"\"5\""}), 400);
  EXPECT_EQ(status(11, {}, {"18446744073709551616"}), 400);  // 2^64
  EXPECT_EQ(status(11, {}, {"99999999999999999999999"}), 400);
}

TEST(Framing, RepeatedContentLengthIsRefusedEvenWhenIdentical) {
  EXPECT_EQ(status(11, {}, {"5", "6"}), 400);
  EXPECT_EQ(status(11, {}, {"5, 6"}), 400);
  EXPECT_EQ(status(11, {}, {"5", "5"}), 400);
  EXPECT_EQ(status(11, {}, {"5, 5"}), 400);
  EXPECT_EQ(status(11, {}, {","}), 400);
  EXPECT_EQ(check_framing(11, {}, {"5, 6"}).reason,
            "Content-Length must be given once, as a single value");
}

TEST(Framing, ChunkedIsAccepted) {
  EXPECT_EQ(status(11, {"chunked"}, {}), 0);
  EXPECT_EQ(status(11, {"Chunked"}, {}), 0);
  EXPECT_EQ(status(11, {"CHUNKED"}, {}), 0);
  EXPECT_EQ(status(11, {" chunked ,"}, {}), 0);  // empty list elements are ignored
}

TEST(Framing, FinalCodingMustBeChunked) {
  EXPECT_EQ(status(11, {"chunked, identity"}, {}), 400);
  EXPECT_EQ(status(11, {"gzip"}, {}), 400);
  EXPECT_EQ(status(11, {"identity"}, {}), 400);
  EXPECT_EQ(status(11, {"chunked", "gzip"}, {}), 400);  // fields combine in order
  EXPECT_EQ(status(11, {"xchunked"}, {}), 400);
  EXPECT_EQ(status(11, {"chunked;"}, {}), 400);
  EXPECT_EQ(status(11, {"chunked; q=1"}, {}), 400);
}

TEST(Framing, ChunkedOnlyOnce) {
  EXPECT_EQ(status(11, {"chunked, chunked"}, {}), 400);
  EXPECT_EQ(status(11, {"chunked", "chunked"}, {}), 400);
}

TEST(Framing, EmptyOrInvalidTransferEncoding) {
  EXPECT_EQ(status(11, {""}, {}), 400);
  EXPECT_EQ(status(11, {" , "}, {}), 400);
  EXPECT_EQ(status(11, {"chu nked"}, {}), 400);
  EXPECT_EQ(status(11, {"\"chunked\""}, {}), 400);
  EXPECT_EQ(status(11, {";x=1, chunked"}, {}), 400);
}

TEST(Framing, UnknownCodingUnderChunkedIsNotImplemented) {
  EXPECT_EQ(status(11, {"gzip, chunked"}, {}), 501);
  EXPECT_EQ(status(11, {"gzip", "chunked"}, {}), 501);
  EXPECT_EQ(status(11, {"x-custom;level=\"a,b\", chunked"}, {}), 501);
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

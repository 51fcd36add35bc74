// NKEYs, NATS JWTs, SigV4 and AWS's message digests, checked against values made by other
// implementations (a real NATS account id, AWS's published SigV4 example), and the control
// plane through the pipeline.
#include <gtest/gtest.h>

#include "core/util/json.hpp"
#include "products/mnq/crypto.hpp"
#include "products/mnq/queues.hpp"
#include "products/mnq/sigv4.hpp"
#include "products/mnq/sns.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd::products::mnq {
namespace {

TEST(MnqNkeys, AcceptsAnAccountIdTheRealServiceMade) {
  // An account id the platform answered: its prefix and CRC-16 must check out.
  EXPECT_TRUE(
      is_public_key("ADES3CGQKR6ZABSF26Q4NOK6POEJ7H3Y5CLM4NLP4RIFS5TTAY7755Q3", KeyType::kAccount));
  // One character changed: the checksum no longer matches.
  EXPECT_FALSE(
      is_public_key("ADES3CGQKR6ZABSF26Q4NOK6POEJ7H3Y5CLM4NLP4RIFS5TTAY7755Q4", KeyType::kAccount));
  EXPECT_FALSE(
      is_public_key("ADES3CGQKR6ZABSF26Q4NOK6POEJ7H3Y5CLM4NLP4RIFS5TTAY7755Q3", KeyType::kUser));
}

TEST(MnqNkeys, SeedsGiveBackTheirPublicKeys) {
  for (auto type : {KeyType::kOperator, KeyType::kAccount, KeyType::kUser}) {
    auto kp = new_key_pair(type);
    EXPECT_EQ(kp.seed.size(), 58u);
    EXPECT_EQ(kp.public_key.size(), 56u);
    EXPECT_EQ(kp.seed[0], 'S');
    EXPECT_EQ(kp.seed[1], kp.public_key[0]);
    EXPECT_TRUE(is_public_key(kp.public_key, type));
    auto again = from_seed(kp.seed);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->public_key, kp.public_key);
  }
  EXPECT_FALSE(from_seed("SUAFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE"));
}

TEST(MnqJwt, CarriesIssuerSubjectAndAnId) {
  auto account = new_key_pair(KeyType::kAccount);
  auto user = new_key_pair(KeyType::kUser);
  auto jwt = nats_jwt({{"sub", user.public_key}, {"name", "u"}}, account.seed);
  auto claims = jwt_claims(jwt);
  ASSERT_TRUE(claims);
  EXPECT_EQ(str_of(*claims, "iss"), account.public_key);
  EXPECT_EQ(str_of(*claims, "sub"), user.public_key);
  EXPECT_EQ(str_of(*claims, "jti").size(), 52u);  // base32 of a 256-bit digest
  auto header = jwt.substr(0, jwt.find('.'));
  EXPECT_EQ(header, base64url(R"({"typ":"JWT","alg":"ed25519-nkey"})"));
  auto creds = creds_file(jwt, user.seed);
  EXPECT_NE(creds.find("-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------"),
            std::string::npos);
  EXPECT_NE(creds.find("-----BEGIN USER NKEY SEED-----\n" + user.seed + "\n"), std::string::npos);
}

http::Request signed_example() {
  // AWS's SigV4 test suite, "get-vanilla".
  http::Request req;
  req.method = "GET";
  req.target = "/";
  req.path = "/";
  req.headers = {{"Host", "example.amazonaws.com"},
                 {"X-Amz-Date", "20150830T123600Z"},
                 {"Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                  "aws4_request, SignedHeaders=host;x-amz-date, "
                  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"}};
  return req;
}

constexpr std::int64_t kExampleTime = 1440938160;  // 2015-08-30T12:36:00Z
const auto kExampleSecret = [](std::string_view ak) -> std::optional<std::string> {
  if (ak != "AKIDEXAMPLE") return std::nullopt;
  return "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
};

TEST(MnqSigV4, VerifiesAwsPublishedExample) {
  auto req = signed_example();
  std::string ak;
  EXPECT_FALSE(verify_sigv4(req, "service", kExampleSecret, kExampleTime, &ak));
  EXPECT_EQ(ak, "AKIDEXAMPLE");
}

TEST(MnqSigV4, RefusesChangesUnknownKeysAndOldSignatures) {
  auto req = signed_example();
  req.headers[0].second = "other.amazonaws.com";
  auto e = verify_sigv4(req, "service", kExampleSecret, kExampleTime, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SignatureDoesNotMatch");

  req = signed_example();
  auto unknown = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  e = verify_sigv4(req, "service", unknown, kExampleTime, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InvalidClientTokenId");

  e = verify_sigv4(req, "service", kExampleSecret, kExampleTime + 16 * 60, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SignatureDoesNotMatch");

  e = verify_sigv4(req, "sqs", kExampleSecret, kExampleTime, nullptr);
  ASSERT_TRUE(e);

  req.headers.pop_back();
  e = verify_sigv4(req, "service", kExampleSecret, kExampleTime, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "MissingAuthenticationToken");
}

TEST(MnqSqs, DigestsOfMessageAttributesAsAwsComputesThem) {
  // Names sorted, each length-prefixed; a type byte (1: text, 2: binary) before the value.
  json::object attrs{{"b", {{"DataType", "String"}, {"StringValue", "x"}}},
                     {"a", {{"DataType", "Binary"}, {"BinaryValue", base64("\x01\x02")}}}};
  std::string buf;
  auto put = [&](std::string_view s) {
    buf += std::string{'\0', '\0', '\0', static_cast<char>(s.size())};
    buf += s;
  };
  put("a");
  put("Binary");
  buf.push_back(2);
  put("\x01\x02");
  put("b");
  put("String");
  buf.push_back(1);
  put("x");
  EXPECT_EQ(md5_of_attributes(attrs), md5_hex(buf));
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(MnqSqs, VisibleRangeHoldsWhatIsVisibleOnly) {
  store::Record m{.id = "m"};
  set_visible(m, "q", 1000);
  auto [first, last] = visible_range("q", 999);
  EXPECT_FALSE(m.parent_id >= first && m.parent_id <= last);
  std::tie(first, last) = visible_range("q", 1000);
  EXPECT_TRUE(m.parent_id >= first && m.parent_id <= last);
  EXPECT_EQ(queue_of_message(m), "q");
  auto all = queue_range("q");
  EXPECT_TRUE(m.parent_id >= all.first && m.parent_id <= all.second);
}

TEST(MnqSns, FlattenedQueryFieldsBecomeMapsAndLists) {
  auto in = sns_query_to_json({{"Action", "Publish"},
                               {"MessageAttributes.entry.1.Name", "k"},
                               {"MessageAttributes.entry.1.Value.DataType", "String"},
                               {"MessageAttributes.entry.1.Value.StringValue", "v"},
                               {"Attributes.entry.1.key", "FifoTopic"},
                               {"Attributes.entry.1.value", "true"},
                               {"PublishBatchRequestEntries.member.2.Id", "b"},
                               {"PublishBatchRequestEntries.member.1.Id", "a"},
                               {"PublishBatchRequestEntries.member.10.Id", "c"}});
  EXPECT_EQ(str_of(in, "Action"), "Publish");
  EXPECT_EQ(str_of(in.at("MessageAttributes").at("k").as_object(), "StringValue"), "v");
  EXPECT_EQ(str_of(in.at("Attributes").as_object(), "FifoTopic"), "true");
  auto& entries = in.at("PublishBatchRequestEntries").as_array();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(str_of(entries[0].as_object(), "Id"), "a");
  EXPECT_EQ(str_of(entries[1].as_object(), "Id"), "b");
  EXPECT_EQ(str_of(entries[2].as_object(), "Id"), "c");
}

TEST(MnqApi, AccountIdsAreNkeysAndMalformedOnesAreRefusedAsRecorded) {
  testing::TestApp t;
  auto project = t.identity().project_id;
  auto r = t.call("POST", "/mnq/v1beta1/regions/fr-par/nats-accounts",
                  R"({"name":"acc","project_id":")" + project + R"("})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_TRUE(is_public_key(testing::str(r.json, "id"), KeyType::kAccount));
  auto bad = t.call("GET", "/mnq/v1beta1/regions/fr-par/nats-accounts/Wrong-id");
  EXPECT_EQ(bad.status, 400) << bad.raw.body;
  EXPECT_NE(bad.raw.body.find("value length must be 56 runes"), std::string::npos);
  auto gone = t.call("POST", "/mnq/v1beta1/regions/fr-par/deactivate-sqs",
                     R"({"project_id":")" + project + R"("})");
  EXPECT_EQ(gone.status, 404) << gone.raw.body;
  EXPECT_NE(gone.raw.body.find("MnqSQSNamespace"), std::string::npos);
}

}  // namespace
}  // namespace scwd::products::mnq

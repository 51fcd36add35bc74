// NKEYs, NATS JWTs, SigV4 and AWS's message digests, checked against values made by other
// implementations (a real NATS account id, AWS's published SigV4 example), and the control
// plane through the pipeline.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/util/json.hpp"
#include "products/mnq/crypto.hpp"
#include "products/mnq/nats_client.hpp"
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

using nats::Event;

std::vector<Event> parse_all(std::string_view stream, std::size_t chunk) {
  nats::Parser p;
  std::vector<Event> out;
  for (std::size_t i = 0; i < stream.size(); i += chunk)
    EXPECT_TRUE(p.feed(stream.substr(i, chunk), out)) << p.error();
  return out;
}

TEST(MnqNatsProtocol, ParsesWhatTheServerSendsWhateverTheReadBoundaries) {
  const std::string stream =
      "INFO {\"server_id\":\"S\",\"nonce\":\"n0nce\"}\r\n+OK\r\nPING\r\npong\r\n"
      "MSG orders.new 1 5\r\nhello\r\n"
      "MSG orders.new 1 _INBOX.r 8\r\nwith\r\nrn\r\n"
      "HMSG orders.new 1 18 21\r\nNATS/1.0\r\nA: b\r\n\r\nhey\r\n"
      "MSG empty 1 0\r\n\r\n"
      "-ERR 'Authorization Violation'\r\n";
  for (std::size_t chunk : {stream.size(), std::size_t{1}, std::size_t{7}}) {
    auto ev = parse_all(stream, chunk);
    ASSERT_EQ(ev.size(), 9u) << "chunk " << chunk;
    EXPECT_EQ(ev[0].kind, Event::Kind::kInfo);
    EXPECT_EQ(ev[0].payload, R"({"server_id":"S","nonce":"n0nce"})");
    EXPECT_EQ(ev[1].kind, Event::Kind::kOk);
    EXPECT_EQ(ev[2].kind, Event::Kind::kPing);
    EXPECT_EQ(ev[3].kind, Event::Kind::kPong);  // operations are case-insensitive
    EXPECT_EQ(ev[4].kind, Event::Kind::kMsg);
    EXPECT_EQ(ev[4].subject, "orders.new");
    EXPECT_EQ(ev[4].sid, "1");
    EXPECT_EQ(ev[4].payload, "hello");
    EXPECT_EQ(ev[5].reply, "_INBOX.r");
    EXPECT_EQ(ev[5].payload, "with\r\nrn");  // the size decides, not line ends
    EXPECT_EQ(ev[6].headers, "NATS/1.0\r\nA: b\r\n\r\n");
    EXPECT_EQ(ev[6].payload, "hey");
    EXPECT_EQ(ev[7].payload, "");
    EXPECT_EQ(ev[8].kind, Event::Kind::kErr);
    EXPECT_EQ(ev[8].payload, "Authorization Violation");
  }
}

TEST(MnqNatsProtocol, RefusesWhatIsNotTheProtocol) {
  for (std::string bad : {"HELLO there\r\n", "MSG a 1\r\n", "MSG a 1 x\r\n", "MSG a 1 2\r\nabc\r\n",
                          "HMSG a 1 9 3\r\nabc\r\n", "MSG a 1 99999999999\r\n", "\r\n"}) {
    nats::Parser p;
    std::vector<Event> out;
    EXPECT_FALSE(p.feed(bad, out)) << bad;
    EXPECT_FALSE(p.error().empty());
    EXPECT_FALSE(p.feed("PING\r\n", out)) << "a broken stream stays broken";
  }
  nats::Parser p;
  std::vector<Event> out;
  EXPECT_FALSE(p.feed(std::string(nats::Parser::kMaxLine + 1, 'x'), out)) << "endless line";
}

// The 32 key bytes of a public NKEY (base32 of a type byte, the key and a CRC-16).
std::string raw_key(std::string_view nkey) {
  std::string bits, out;
  for (char c : nkey) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c - '2' + 26;
    for (int b = 4; b >= 0; --b) bits += ((v >> b) & 1) ? '1' : '0';
  }
  for (std::size_t i = 0; i + 8 <= bits.size(); i += 8)
    out += static_cast<char>(std::stoi(bits.substr(i, 8), nullptr, 2));
  return out.substr(1, 32);
}

TEST(MnqNatsProtocol, ConnectCarriesTheJwtAndTheNonceSignedByTheUser) {
  auto user = new_key_pair(KeyType::kUser);
  auto line = nats::connect_line(R"({"nonce":"abcDEF123","max_payload":1048576})", "the.jwt",
                                 user.seed, "scwd");
  ASSERT_TRUE(line);
  ASSERT_TRUE(line->starts_with("CONNECT {"));
  ASSERT_TRUE(line->ends_with("}\r\n"));
  auto c = boost::json::parse(line->substr(8, line->size() - 10)).as_object();
  EXPECT_EQ(str_of(c, "jwt"), "the.jwt");
  EXPECT_FALSE(c.at("verbose").as_bool());
  EXPECT_TRUE(c.at("headers").as_bool());
  auto sig64 = str_of(c, "sig");
  std::string sig(64, '\0');
  std::size_t len = 0;
  ASSERT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(sig.data()), sig.size(),
                              sig64.data(), sig64.size(), nullptr, &len, nullptr,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  ASSERT_EQ(len, 64u);
  auto key = raw_key(user.public_key);
  std::string nonce = "abcDEF123";
  EXPECT_EQ(
      crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                  reinterpret_cast<const unsigned char*>(nonce.data()),
                                  nonce.size(), reinterpret_cast<const unsigned char*>(key.data())),
      0);
  nonce = "abcDEF124";
  EXPECT_NE(
      crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                  reinterpret_cast<const unsigned char*>(nonce.data()),
                                  nonce.size(), reinterpret_cast<const unsigned char*>(key.data())),
      0);
  // Without a nonce (a server not in operator mode) there is nothing to sign.
  auto plain = nats::connect_line("{}", "j", user.seed, "scwd");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->find("\"sig\""), std::string::npos);
  EXPECT_FALSE(nats::connect_line("not json", "j", user.seed, "scwd"));
}

// A NATS server taking one connection at a time: enough to see what the subscriber says and does.
class FakeNatsServer {
 public:
  FakeNatsServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~FakeNatsServer() { ::close(fd_); }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  int accept() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return -1;
    return ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  }
  // What the client sent until `what` arrived (or 5 s passed, or it closed).
  static std::string read_until(int fd, std::string_view what, bool* closed = nullptr) {
    std::string got;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got.find(what) == std::string::npos && std::chrono::steady_clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      char buf[4096];
      auto n = ::read(fd, buf, sizeof buf);
      if (n <= 0) {
        if (closed) *closed = true;
        break;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  static void send(int fd, std::string_view s) {
    ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

std::vector<std::string> wait_for_messages(nats::Subscriber& sub, std::string_view id,
                                           std::size_t n) {
  std::vector<std::string> got;
  for (int i = 0; i < 100 && got.size() < n; ++i) {
    for (auto& m : sub.take(id, 10)) got.push_back(m);
    if (got.size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return got;
}

TEST(MnqNatsSubscriber, SubscribesReconnectsAndUnsubscribes) {
  FakeNatsServer server;
  auto user = new_key_pair(KeyType::kUser);
  std::atomic<int> sign_ins{0};
  nats::Subscriber sub([&] { return server.endpoint(); });
  sub.set({{"t1", "orders.>", "q1", [&] {
              ++sign_ins;
              return std::optional<nats::User>(nats::User{"user.jwt", user.seed});
            }}});
  int c = server.accept();
  ASSERT_GE(c, 0);
  FakeNatsServer::send(c, "INFO {\"nonce\":\"xyz\"}\r\n");
  auto said = FakeNatsServer::read_until(c, "PING\r\n");
  EXPECT_TRUE(said.starts_with("CONNECT {")) << said;
  EXPECT_NE(said.find("\"jwt\":\"user.jwt\""), std::string::npos) << said;
  EXPECT_NE(said.find("\r\nSUB orders.> q1 1\r\nPING\r\n"), std::string::npos) << said;
  FakeNatsServer::send(c, "PONG\r\nMSG orders.a 1 3\r\none\r\nMSG other 2 1\r\nx\r\nPING\r\n");
  EXPECT_EQ(FakeNatsServer::read_until(c, "PONG\r\n"), "PONG\r\n");
  EXPECT_EQ(wait_for_messages(sub, "t1", 1), std::vector<std::string>{"one"});
  EXPECT_TRUE(sub.subscribed("t1"));

  // The server goes away (restarted): the subscriber signs in again and subscribes again.
  ::close(c);
  c = server.accept();
  ASSERT_GE(c, 0);
  FakeNatsServer::send(c, "INFO {\"nonce\":\"abc\"}\r\n");
  said = FakeNatsServer::read_until(c, "PING\r\n");
  EXPECT_NE(said.find("SUB orders.> q1 1\r\n"), std::string::npos) << said;
  FakeNatsServer::send(c, "PONG\r\nHMSG orders.b 1 12 15\r\nNATS/1.0\r\n\r\ntwo\r\n");
  EXPECT_EQ(wait_for_messages(sub, "t1", 1), std::vector<std::string>{"two"});
  EXPECT_EQ(sign_ins.load(), 2);

  // No longer wanted: unsubscribed, and the connection closed.
  sub.set({});
  bool closed = false;
  said = FakeNatsServer::read_until(c, "never", &closed);
  EXPECT_EQ(said, "UNSUB 1\r\n");
  EXPECT_TRUE(closed);
  EXPECT_FALSE(sub.subscribed("t1"));
  ::close(c);
}

TEST(MnqNatsSubscriber, AnErrorFromTheServerEndsTheConnectionAndIsTriedAgain) {
  FakeNatsServer server;
  auto user = new_key_pair(KeyType::kUser);
  nats::Subscriber sub([&] { return server.endpoint(); });
  sub.set({{"t", "s", "", [&] { return std::optional<nats::User>(nats::User{"j", user.seed}); }}});
  int c = server.accept();
  ASSERT_GE(c, 0);
  FakeNatsServer::send(c, "INFO {\"nonce\":\"n\"}\r\n");
  auto said = FakeNatsServer::read_until(c, "PING\r\n");
  EXPECT_NE(said.find("SUB s 1\r\n"), std::string::npos) << said;
  FakeNatsServer::send(c, "-ERR 'Authorization Violation'\r\n");
  bool closed = false;
  FakeNatsServer::read_until(c, "never", &closed);
  EXPECT_TRUE(closed);
  ::close(c);
  int again = server.accept();
  EXPECT_GE(again, 0) << "connected again after a pause";
  if (again >= 0) ::close(again);
}

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

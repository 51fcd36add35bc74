// Secrets of the IAM product: SSH public keys and fingerprints (expected values from
// `ssh-keygen -l -E md5`), TOTP (RFC 6238 test vector), base64, passwords, certificates.
#include "products/iam/secrets.hpp"

#include <gtest/gtest.h>

namespace scwd::products::iam {
namespace {

TEST(IamSecrets, SshKeysParseAndFingerprintLikeSshKeygen) {
  auto ed = parse_ssh_key(
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDm/9DS3+DGp1CNRKhcutU3Rei/TiUNFY8i7MQ+i3Wse unit@test");
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->fingerprint,
            "256 MD5:5e:24:89:72:2e:92:ce:42:0d:7d:57:0a:ad:ab:17:fc (ssh-ed25519)");
  EXPECT_EQ(ed->public_key,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDm/9DS3+DGp1CNRKhcutU3Rei/TiUNFY8i7MQ+i3Wse");
  auto rsa = parse_ssh_key(
      "ssh-rsa "
      "AAAAB3NzaC1yc2EAAAADAQABAAABAQCFYpaSp/Q6I5cQCWZPXiC8ALAo9b07Trc9PpR0XE+MbQo3JjPY9a1dslRdl5Rb"
      "YNRbCYSGdjNoWmXst6ZfJMKgDwtswE7imXJfjSjcYimliiYs/qEuVOeq0h3nqz1OJzrvwuerDNh4lQ8vkd0wgqMvMJff"
      "LusvOos6wn9NAyYuN9Rc+cqumOUuujKhKWlnAVPsQGmVLwORRkztWdyj+eOsSZDLuO5oPv0X45WMdsgYf00VP7Q+Ml/L"
      "23cpq7VKoKGNsyFsz9X2Q0R09HI/nwoQtLFDYGFiPLe4xpduz4yBu1tORWcuvesWH0YtgXduwMGYBbccQdnhcOUQwAtF"
      "53dj unit@test\n");
  ASSERT_TRUE(rsa);
  EXPECT_EQ(rsa->fingerprint, "2048 MD5:f1:66:18:a9:26:3a:a7:f3:0a:6b:ce:d1:2d:34:c4:8b (ssh-rsa)");
  auto ec = parse_ssh_key(
      "ecdsa-sha2-nistp384 "
      "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBBI04z8SSG5IzWV1K5rlZUchPsPuE1c9oz0g6xz0"
      "HBxhWAmYKstXTT5F1EES1fQneZcT4miwoVYlNBtZp6/"
      "wNYe4pQigkOMmjWlqh0ksPl0rlvY3cJ20B4lcw8pcswvePw==");
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec->fingerprint,
            "384 MD5:e0:63:08:e7:37:57:0e:d5:13:3c:ab:22:b5:10:5d:b9 (ecdsa-sha2-nistp384)");
  // Type mismatch between the text and the blob, truncation, garbage, unknown types.
  EXPECT_FALSE(parse_ssh_key(
      "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDm/9DS3+DGp1CNRKhcutU3Rei/TiUNFY8i7MQ+i3Wse"));
  EXPECT_FALSE(parse_ssh_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDm/9DS3"));
  EXPECT_FALSE(parse_ssh_key("ssh-ed25519"));
  EXPECT_FALSE(parse_ssh_key("hello world"));
  EXPECT_FALSE(parse_ssh_key("ssh-foo AAAAB3NzaC1mb28="));
}

TEST(IamSecrets, TotpMatchesRfc6238) {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s -> 94287082.
  const std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  EXPECT_EQ(totp(secret, 59LL * 1000000), "287082");
  EXPECT_EQ(totp(secret, 1111111109LL * 1000000), "081804");
  EXPECT_TRUE(totp_matches(secret, "287082", 59LL * 1000000 + 30000000));  // one step late
  EXPECT_FALSE(totp_matches(secret, "287082", 59LL * 1000000 + 90000000));
  auto fresh = random_base32(20);
  EXPECT_EQ(fresh.size(), 32u);
  EXPECT_TRUE(totp_matches(fresh, totp(fresh, 1000000000), 1000000000));
}

TEST(IamSecrets, Base64AndPasswords) {
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_encode("\xfb\xff", true), "-_8");
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVsbG8"), "hello");
  EXPECT_FALSE(base64_decode("a$b"));
  auto h = hash_password("S3cret!");
  EXPECT_EQ(h.find("S3cret"), std::string::npos);
  EXPECT_TRUE(password_matches(h, "S3cret!"));
  EXPECT_FALSE(password_matches(h, "s3cret!"));
  EXPECT_FALSE(certificate_expiry("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"));
}

}  // namespace
}  // namespace scwd::products::iam

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "core/util/crypto.hpp"
#include "core/util/dns.hpp"
#include "core/util/encoding.hpp"
#include "core/util/ids.hpp"
#include "core/util/secretbox.hpp"
#include "core/util/time.hpp"

namespace scwd {
namespace {

// --- time ---

TEST(FormatTime, EpochAndStyles) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_time(0, TimeStyle::kZulu), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_time(0, TimeStyle::kOffset), "1970-01-01T00:00:00.000000+00:00");
}

TEST(FormatTime, KnownInstants) {
  EXPECT_EQ(format_time(1709210096 * kSecond + 123456), "2024-02-29T12:34:56.123456Z");
  EXPECT_EQ(format_time(1709210096 * kSecond + 7, TimeStyle::kOffset),
            "2024-02-29T12:34:56.000007+00:00");
  EXPECT_EQ(format_time(946684800 * kSecond), "2000-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_time(2147483648 * kSecond), "2038-01-19T03:14:08.000000Z");
  EXPECT_EQ(format_time(253402300799 * kSecond + 999999), "9999-12-31T23:59:59.999999Z");
}

TEST(FormatTime, BeforeEpoch) {
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_time(-kSecond), "1969-12-31T23:59:59.000000Z");
  EXPECT_EQ(format_time(-kSecond - 1), "1969-12-31T23:59:58.999999Z");
}

TEST(ParseTime, RoundTripsBothStyles) {
  for (Micros t : {Micros{0}, Micros{1}, Micros{-1}, 1709210096 * kSecond + 123456,
                   946684800 * kSecond, 2147483648 * kSecond + 999999,
                   253402300799 * kSecond + 999999, -86400 * kSecond * 365 + 42}) {
    SCOPED_TRACE(t);
    EXPECT_EQ(parse_time(format_time(t, TimeStyle::kZulu)), t);
    EXPECT_EQ(parse_time(format_time(t, TimeStyle::kOffset)), t);
  }
}

TEST(ParseTime, RoundTripsNow) {
  Micros now = system_now();
  EXPECT_EQ(parse_time(format_time(now)), now);
}

TEST(ParseTime, FractionsOfAnyLength) {
  const Micros base = 1709210096 * kSecond;
  EXPECT_EQ(parse_time("2024-02-29T12:34:56Z"), base);
  EXPECT_EQ(parse_time("2024-02-29T12:34:56.1Z"), base + 100000);
  EXPECT_EQ(parse_time("2024-02-29T12:34:56.12Z"), base + 120000);
  EXPECT_EQ(parse_time("2024-02-29T12:34:56.123Z"), base + 123000);
  EXPECT_EQ(parse_time("2024-02-29T12:34:56.000001Z"), base + 1);
  EXPECT_EQ(parse_time("2024-02-29T12:34:56.123456Z"), base + 123456);
  // Beyond microseconds: truncated (nanoseconds as Go renders them)
  EXPECT_EQ(parse_time("2024-02-29T12:34:56.123456789Z"), base + 123456);
  EXPECT_EQ(parse_time("2024-02-29T12:34:56.9999999999999Z"), base + 999999);
}

TEST(ParseTime, Offsets) {
  const Micros base = 1709210096 * kSecond;  // 2024-02-29T12:34:56Z
  EXPECT_EQ(parse_time("2024-02-29T12:34:56+00:00"), base);
  EXPECT_EQ(parse_time("2024-02-29T12:34:56-00:00"), base);
  EXPECT_EQ(parse_time("2024-02-29T14:34:56+02:00"), base);
  EXPECT_EQ(parse_time("2024-02-29T07:04:56-05:30"), base);
  EXPECT_EQ(parse_time("2024-03-01T00:34:56.5+12:00"), base + 500000);
  EXPECT_EQ(parse_time("2024-02-29T23:59:59+23:59"), parse_time("2024-02-29T00:00:59Z"));
}

TEST(ParseTime, LenientSpellingsOfRfc3339) {
  const Micros base = 1709210096 * kSecond;
  EXPECT_EQ(parse_time("2024-02-29t12:34:56z"), base);
  EXPECT_EQ(parse_time("2024-02-29 12:34:56Z"), base);
}

TEST(ParseTime, CalendarEdges) {
  EXPECT_TRUE(parse_time("2024-02-29T00:00:00Z"));  // leap year
  EXPECT_TRUE(parse_time("2000-02-29T00:00:00Z"));  // divisible by 400
  EXPECT_TRUE(parse_time("2023-12-31T23:59:59Z"));
  EXPECT_TRUE(parse_time("2023-04-30T00:00:00Z"));
  EXPECT_TRUE(parse_time("2016-12-31T23:59:60Z"));  // leap second
  EXPECT_EQ(*parse_time("2023-03-01T00:00:00Z") - *parse_time("2023-02-28T00:00:00Z"),
            86400 * kSecond);
  EXPECT_EQ(*parse_time("2024-03-01T00:00:00Z") - *parse_time("2024-02-28T00:00:00Z"),
            2 * 86400 * kSecond);
  EXPECT_EQ(*parse_time("2024-01-01T00:00:00Z") - *parse_time("2023-12-31T23:59:59Z"), kSecond);
}

TEST(ParseTime, InvalidStrings) {
  for (std::string_view s : {
           "",
           "2024",
           "2024-02-29",
           "2024-02-29T12:34:56",         // no offset
           "2024-02-29T12:34Z",           // no seconds
           "2024-02-29T12:34:56.Z",       // empty fraction
           "2024-02-29T12:34:56,5Z",      // comma fraction
           "2024-02-29T12:34:56+0200",    // offset without colon
           "2024-02-29T12:34:56+02",      // short offset
           "2024-02-29T12:34:56+02:0",    // short offset
           "2024-02-29T12:34:56Z ",       // trailing space
           "2024-02-29T12:34:56ZZ",       // trailing garbage
           " 2024-02-29T12:34:56Z",       // leading space
           "2024/02/29T12:34:56Z",        // wrong separators
           "2024-02-29X12:34:56Z",        // wrong T
           "2024-2-29T12:34:56Z",         // short month
           "24-02-29T12:34:56Z",          // short year
           "2024-13-01T00:00:00Z",        // month 13
           "2024-00-01T00:00:00Z",        // month 0
           "2024-01-00T00:00:00Z",        // day 0
           "2024-01-32T00:00:00Z",        // day 32
           "2024-01-01T24:00:00Z",        // hour 24
           "2024-01-01T00:60:00Z",        // minute 60
           "2024-01-01T00:00:61Z",        // second 61
           "2024-0a-01T00:00:00Z",        // non digit
           "yesterday at noon, roughly",  // nonsense of the right length
       }) {
    SCOPED_TRACE(std::string(s));
    EXPECT_EQ(parse_time(s), std::nullopt);
  }
}

TEST(ParseTime, RejectsDaysBeyondTheEndOfTheMonth) {
  EXPECT_EQ(parse_time("2023-02-29T00:00:00Z"), std::nullopt);  // not a leap year
  EXPECT_EQ(parse_time("1900-02-29T00:00:00Z"), std::nullopt);  // century, not leap
  EXPECT_EQ(parse_time("2024-02-30T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_time("2023-04-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_time("2023-06-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_time("2023-09-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_time("2023-11-31T00:00:00Z"), std::nullopt);
}

TEST(ParseTime, RejectsOutOfRangeOffsets) {
  // RFC 3339: time-numoffset = ("+" / "-") time-hour ":" time-minute, hour 00-23, minute 00-59
  EXPECT_EQ(parse_time("2024-01-01T00:00:00+24:00"), std::nullopt);
  EXPECT_EQ(parse_time("2024-01-01T00:00:00+99:00"), std::nullopt);
  EXPECT_EQ(parse_time("2024-01-01T00:00:00-01:60"), std::nullopt);
}

TEST(Clock, AdvanceMovesNowForward) {
  Clock c;
  EXPECT_EQ(c.offset(), 0);
  Micros before = c.now();
  c.advance(3600 * kSecond);
  EXPECT_EQ(c.offset(), 3600 * kSecond);
  Micros after = c.now();
  EXPECT_GE(after - before, 3600 * kSecond);
  EXPECT_LT(after - before, 3660 * kSecond);
  EXPECT_GE(c.now(), system_now() + 3599 * kSecond);
}

// --- ids ---

TEST(Ids, IsUuid) {
  EXPECT_TRUE(is_uuid("6f1c2a84-1d2b-4c3e-9f00-0123456789ab"));
  EXPECT_TRUE(is_uuid("6F1C2A84-1D2B-4C3E-9F00-0123456789AB"));
  EXPECT_TRUE(is_uuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("6f1c2a84-1d2b-4c3e-9f00-0123456789a"));    // 35
  EXPECT_FALSE(is_uuid("6f1c2a84-1d2b-4c3e-9f00-0123456789abc"));  // 37
  EXPECT_FALSE(is_uuid("6f1c2a841d2b4c3e9f000123456789ab"));       // no dashes
  EXPECT_FALSE(is_uuid("6f1c2a84-1d2b-4c3e-9f000-123456789ab"));   // dash moved
  EXPECT_FALSE(is_uuid("6f1c2a84_1d2b-4c3e-9f00-0123456789ab"));
  EXPECT_FALSE(is_uuid("6f1c2a84-1d2b-4c3e-9f00-0123456789ag"));
  EXPECT_FALSE(is_uuid("{f1c2a84-1d2b-4c3e-9f00-0123456789a}"));
}

TEST(Ids, IsAccessKey) {
  EXPECT_TRUE(is_access_key("SCW0123456789ABCDEFG"));
  EXPECT_TRUE(is_access_key("SCWAAAAAAAAAAAAAAAAA"));
  EXPECT_FALSE(is_access_key("SCW0123456789ABCDEF"));    // 19
  EXPECT_FALSE(is_access_key("SCW0123456789ABCDEFGH"));  // 21
  EXPECT_FALSE(is_access_key("scw0123456789ABCDEFG"));
  EXPECT_FALSE(is_access_key("SCW0123456789abcdefg"));
  EXPECT_FALSE(is_access_key("SCX0123456789ABCDEFG"));
  EXPECT_FALSE(is_access_key("SCW0123456789ABCDEF-"));
  EXPECT_FALSE(is_access_key(""));
}

TEST(Ids, NewUuidFormatAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto u = i % 2 ? new_uuid() : new_request_id();
    ASSERT_EQ(u.size(), 36u);
    ASSERT_TRUE(is_uuid(u)) << u;
    ASSERT_EQ(u, to_lower(u)) << u;
    ASSERT_EQ(u[14], '4') << "version 4: " << u;
    ASSERT_NE(std::string("89ab").find(u[19]), std::string::npos) << "RFC 4122 variant: " << u;
    ASSERT_TRUE(seen.insert(u).second) << "duplicate " << u;
  }
}

TEST(Ids, NewAccessKeyFormatAndUniqueness) {
  std::set<std::string> seen;
  std::set<char> chars;
  for (int i = 0; i < 5000; ++i) {
    auto k = new_access_key();
    ASSERT_EQ(k.size(), 20u);
    ASSERT_TRUE(is_access_key(k)) << k;
    ASSERT_TRUE(seen.insert(k).second) << "duplicate " << k;
    chars.insert(k.begin() + 3, k.end());
  }
  // The whole alphabet is drawn from (5000 * 17 draws over 36 symbols).
  EXPECT_EQ(chars.size(), 36u);
}

TEST(Ids, ToLower) {
  EXPECT_EQ(to_lower("AbC-12Z"), "abc-12z");
  EXPECT_EQ(to_lower(""), "");
}

// --- crypto ---

TEST(Crypto, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string_view("a\0b", 3)), sha256_hex(std::string("a\0b", 3)));
  EXPECT_NE(sha256_hex(std::string_view("a\0b", 3)), sha256_hex("a"));
}

TEST(Crypto, HashSecret) {
  const std::string lower = "6f1c2a84-1d2b-4c3e-9f00-0123456789ab";
  const std::string upper = "6F1C2A84-1D2B-4C3E-9F00-0123456789AB";
  // SHA-256 over a fixed domain prefix and the lowercased key
  EXPECT_EQ(hash_secret(lower), "87ae978e7bed2a356a116df52bb12c8663234691178eb03e7d38af859ceaa490");
  EXPECT_EQ(hash_secret(upper), hash_secret(lower));
  EXPECT_EQ(hash_secret("6f1c2a84-1D2B-4c3e-9F00-0123456789Ab"), hash_secret(lower));
  EXPECT_NE(hash_secret(lower), sha256_hex(lower));
  EXPECT_NE(hash_secret(lower), hash_secret("6f1c2a84-1d2b-4c3e-9f00-0123456789ac"));
  EXPECT_EQ(hash_secret(lower).size(), 64u);
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "Abc"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(Encoding, Rfc4648Vectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(base32("f"), "MY");
  EXPECT_EQ(base32("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(from_base64("Zm9vYg=="), "foob");
  EXPECT_EQ(from_base64("Zm9v\nYg==\n", "\n"), "foob");
  EXPECT_EQ(from_base64("Zm9vYg==!"), std::nullopt);
  EXPECT_EQ(from_base64("-_8"), std::nullopt);  // URL-safe is not standard base64
}

TEST(SecretBox, SealsAndOpensUnderItsKeyOnly) {
  SecretBox box;
  auto a = box.seal("kubeconfig token");
  EXPECT_NE(a, box.seal("kubeconfig token"));  // a fresh nonce each time
  EXPECT_EQ(box.open(a), "kubeconfig token");
  EXPECT_EQ(box.open(box.seal("")), "");
  EXPECT_EQ(SecretBox().open(a), std::nullopt);
  auto altered = a;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(box.open(altered), std::nullopt);
  EXPECT_EQ(box.open("not base64!"), std::nullopt);
}

TEST(SecretBox, KeyFileIsCreatedOnceAndReadBack) {
  auto dir = std::filesystem::temp_directory_path() / ("scwd-secretbox-" + new_uuid());
  std::filesystem::create_directories(dir);
  std::string error;
  auto first = SecretBox::load_or_create(dir / "secrets.key", error);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ(
      std::filesystem::status(dir / "secrets.key").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::permissions(dir / "secrets.key", std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  auto again = SecretBox::load_or_create(dir / "secrets.key", error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->open(first->seal("x")), "x");
  EXPECT_EQ(
      std::filesystem::status(dir / "secrets.key").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove_all(dir);
}

TEST(DomainName, LabelsDotsAndHyphens) {
  EXPECT_TRUE(is_domain_name("host.example.com.", true));
  EXPECT_TRUE(is_domain_name("mail-1.example.com", true));
  EXPECT_TRUE(is_domain_name("localhost", false));
  EXPECT_FALSE(is_domain_name("localhost", true));
  EXPECT_FALSE(is_domain_name("-bad.example.com", false));
  EXPECT_FALSE(is_domain_name("bad-.example.com", false));
  EXPECT_FALSE(is_domain_name("a..b", false));
  EXPECT_FALSE(is_domain_name("under_score.example", false));
  EXPECT_FALSE(is_domain_name("bad name!", false));
  EXPECT_FALSE(is_domain_name(std::string(64, 'a') + ".example", false));
  EXPECT_FALSE(is_domain_name("", false));
}

}  // namespace
}  // namespace scwd

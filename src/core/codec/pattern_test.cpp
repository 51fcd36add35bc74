#include "core/codec/pattern.hpp"

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <set>
#include <string>

#include "core/sdk/catalog.hpp"

namespace scwd::codec {
namespace {

TEST(Pattern, CharacterClassFastPath) {
  auto* p = Pattern::get(R"(^[a-zA-Z0-9\._\- ]+$)");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->matches("my project_1.2-x"));
  EXPECT_FALSE(p->matches(""));
  EXPECT_FALSE(p->matches("a/b"));
  EXPECT_FALSE(p->matches("caf\xc3\xa9"));
  auto* bounded = Pattern::get("^[a-z]{2,4}$");
  EXPECT_FALSE(bounded->matches("a"));
  EXPECT_TRUE(bounded->matches("abcd"));
  EXPECT_FALSE(bounded->matches("abcde"));
}

TEST(Pattern, FallsBackToRegexAndCaches) {
  auto* p = Pattern::get("^(foo|bar)[0-9]*$");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->matches("foo12"));
  EXPECT_FALSE(p->matches("baz"));
  EXPECT_EQ(p, Pattern::get("^(foo|bar)[0-9]*$"));
}

// std::regex recurses once per character: a 100 KB value against a pattern that is not a single
// character class used to overflow the stack (a crash of the whole server).
TEST(Pattern, LongValuesDoNotRunTheRegexEngine) {
  auto* p = Pattern::get("^(a|b)+$");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->matches(std::string(Pattern::kMaxRegexInput, 'a')));
  EXPECT_FALSE(p->matches(std::string(100 * 1024, 'a')));
  EXPECT_FALSE(p->matches(std::string(1024 * 1024, 'b')));
  // The byte-table fast path has no such limit.
  auto* cls = Pattern::get("^[a-z]+$");
  ASSERT_NE(cls, nullptr);
  EXPECT_TRUE(cls->matches(std::string(1024 * 1024, 'a')));
}

TEST(Pattern, JavaScriptOnlySyntaxIsSkipped) { EXPECT_EQ(Pattern::get(R"(^[\p{L}]+$)"), nullptr); }

// Differential test: for every pattern the SDK catalog publishes, the matcher agrees with
// std::regex on random strings drawn from the characters that matter.
TEST(Pattern, AgreesWithStdRegexOnEveryCatalogPattern) {
  std::set<std::string_view> patterns;
  for (auto& op : sdk::operations()) {
    for (auto& f : op.query)
      if (!f.rules.pattern.empty()) patterns.insert(f.rules.pattern);
    for (auto& f : op.body)
      if (!f.rules.pattern.empty()) patterns.insert(f.rules.pattern);
  }
  ASSERT_FALSE(patterns.empty());
  const std::string alphabet = "aZz09._- /\\:@+*()[]{}$^!#\t\xc3\xa9";
  std::mt19937 rng(42);
  int compared = 0;
  for (auto src : patterns) {
    std::optional<std::regex> re;
    try {
      re.emplace(std::string(src), std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      continue;
    }
    auto* p = Pattern::get(src);
    ASSERT_NE(p, nullptr) << src;
    for (int n = 0; n < 300; ++n) {
      std::string s;
      int len = static_cast<int>(rng() % 12);
      for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
      ASSERT_EQ(p->matches(s), std::regex_search(s, *re))
          << "pattern " << src << " on '" << s << "'";
      ++compared;
    }
  }
  EXPECT_GT(compared, 0);
}

}  // namespace
}  // namespace scwd::codec

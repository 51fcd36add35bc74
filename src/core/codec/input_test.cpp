#include "core/codec/input.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace scwd::codec {
namespace {

struct Sample {
  std::optional<std::string> name;
  std::optional<Uuid> vpc_id;
  std::optional<std::int64_t> size;
  std::optional<bool> enabled;
  std::optional<std::vector<std::string>> tags;
  Sent<std::string> reverse;
  Required<std::string> email;
};
BOOST_DESCRIBE_STRUCT(Sample, (), (name, vpc_id, size, enabled, tags, reverse, email))

boost::json::object parse(std::string_view s) { return boost::json::parse(s).as_object(); }

TEST(Input, ReadsEveryDescribedField) {
  auto in = read<Sample>(parse(R"({"name":"a","vpc_id":"0E3D4F1A-7C1B-4B8E-9A44-2F1B6C3D5E7F",
    "size":3,"enabled":true,"tags":["x","y"],"reverse":null,"email":"e@x"})"));
  ASSERT_TRUE(in) << in.error().body();
  EXPECT_EQ(in->name, "a");
  EXPECT_EQ(*in->vpc_id, "0e3d4f1a-7c1b-4b8e-9a44-2f1b6c3d5e7f");
  EXPECT_EQ(in->size, 3);
  EXPECT_EQ(in->enabled, true);
  EXPECT_EQ(in->tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(in->reverse.sent);
  EXPECT_FALSE(in->reverse.value);
  EXPECT_EQ(*in->email.value, "e@x");
}

TEST(Input, AbsentFieldsAreUnsetAndNotSent) {
  auto in = read<Sample>(parse(R"({"email":"e@x"})"));
  ASSERT_TRUE(in);
  EXPECT_FALSE(in->name);
  EXPECT_FALSE(in->vpc_id);
  EXPECT_FALSE(in->reverse.sent);
}

TEST(Input, CollectsEveryProblemInDescribedOrder) {
  auto in = read<Sample>(parse(R"({"vpc_id":"nope","size":"3","tags":[1]})"), "server");
  ASSERT_FALSE(in);
  auto j = in.error().body();
  auto& details = j.at("details").as_array();
  ASSERT_EQ(details.size(), 4U) << j;
  EXPECT_EQ(details[0].at("argument_name"), "server.vpc_id");
  EXPECT_EQ(details[1].at("argument_name"), "server.size");
  EXPECT_EQ(details[2].at("argument_name"), "server.tags");
  EXPECT_EQ(details[3].at("argument_name"), "server.email");
  EXPECT_EQ(details[3].at("reason"), "required");
}

}  // namespace
}  // namespace scwd::codec

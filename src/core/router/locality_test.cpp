#include "core/router/locality.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace scwd::locality {
namespace {

using ::testing::ElementsAre;

TEST(Locality, Regions) {
  auto r = regions();
  EXPECT_THAT(std::vector<std::string_view>(r.begin(), r.end()),
              ElementsAre("fr-par", "nl-ams", "pl-waw", "it-mil"));
}

TEST(Locality, Zones) {
  auto z = zones();
  EXPECT_THAT(std::vector<std::string_view>(z.begin(), z.end()),
              ElementsAre("fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1", "nl-ams-2", "nl-ams-3",
                          "pl-waw-1", "pl-waw-2", "pl-waw-3", "it-mil-1"));
}

TEST(Locality, EveryZoneBelongsToAKnownRegion) {
  std::set<std::string_view> seen;
  for (auto z : zones()) {
    SCOPED_TRACE(std::string(z));
    EXPECT_TRUE(is_zone(z));
    EXPECT_FALSE(is_region(z));
    EXPECT_TRUE(zone_format_ok(z));
    EXPECT_FALSE(region_format_ok(z));
    EXPECT_TRUE(is_region(region_of_zone(z)));
    seen.insert(region_of_zone(z));
  }
  EXPECT_EQ(seen.size(), regions().size());
  for (auto r : regions()) {
    SCOPED_TRACE(std::string(r));
    EXPECT_TRUE(is_region(r));
    EXPECT_FALSE(is_zone(r));
    EXPECT_TRUE(region_format_ok(r));
    EXPECT_FALSE(zone_format_ok(r));
  }
}

TEST(Locality, MembershipIsExact) {
  EXPECT_FALSE(is_zone("fr-par-4"));
  EXPECT_FALSE(is_zone("it-mil-2"));
  EXPECT_FALSE(is_zone("FR-PAR-1"));
  EXPECT_FALSE(is_zone("fr-par-1 "));
  EXPECT_FALSE(is_zone(""));
  EXPECT_FALSE(is_region("fr-pa"));
  EXPECT_FALSE(is_region("de-fra"));
  EXPECT_FALSE(is_region("Fr-par"));
  EXPECT_FALSE(is_region(""));
}

TEST(Locality, RegionFormat) {
  EXPECT_TRUE(region_format_ok("fr-par"));
  EXPECT_TRUE(region_format_ok("xx-abc"));      // unknown but well-formed
  EXPECT_TRUE(region_format_ok("xx-abcdefg"));  // 7 letters
  EXPECT_FALSE(region_format_ok("xx-abcdefgh"));
  EXPECT_FALSE(region_format_ok("xx-ab"));
  EXPECT_FALSE(region_format_ok("x-abc"));
  EXPECT_FALSE(region_format_ok("xxx-abc"));
  EXPECT_FALSE(region_format_ok("FR-PAR"));
  EXPECT_FALSE(region_format_ok("fr_par"));
  EXPECT_FALSE(region_format_ok("frpar"));
  EXPECT_FALSE(region_format_ok("fr-"));
  EXPECT_FALSE(region_format_ok("fr-par-"));
  EXPECT_FALSE(region_format_ok("fr-p4r"));
  EXPECT_FALSE(region_format_ok(""));
}

TEST(Locality, ZoneFormat) {
  EXPECT_TRUE(zone_format_ok("fr-par-1"));
  EXPECT_TRUE(zone_format_ok("xx-abc-9"));
  EXPECT_TRUE(zone_format_ok("xx-abcdefg-12"));
  EXPECT_FALSE(zone_format_ok("xx-abc-123"));
  EXPECT_FALSE(zone_format_ok("xx-abc-"));
  EXPECT_FALSE(zone_format_ok("xx-abc-a"));
  EXPECT_FALSE(zone_format_ok("xx-abc-1a"));
  EXPECT_FALSE(zone_format_ok("xx-ab-1"));
  EXPECT_FALSE(zone_format_ok("xx-abcdefgh-1"));
  EXPECT_FALSE(zone_format_ok("FR-PAR-1"));
  EXPECT_FALSE(zone_format_ok("fr-par1"));
  EXPECT_FALSE(zone_format_ok("fr-par--1"));
  EXPECT_FALSE(zone_format_ok("-1"));
  EXPECT_FALSE(zone_format_ok("1"));
  EXPECT_FALSE(zone_format_ok(""));
}

TEST(Locality, RegionOfZone) {
  EXPECT_EQ(region_of_zone("fr-par-1"), "fr-par");
  EXPECT_EQ(region_of_zone("nl-ams-3"), "nl-ams");
  EXPECT_EQ(region_of_zone("pl-waw-2"), "pl-waw");
  EXPECT_EQ(region_of_zone("it-mil-1"), "it-mil");
  EXPECT_EQ(region_of_zone("xx-abc-12"), "xx-abc");
  EXPECT_EQ(region_of_zone("nodash"), "nodash");
}

}  // namespace
}  // namespace scwd::locality

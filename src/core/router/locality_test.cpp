#include "core/router/locality.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

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

// A known zone is a zone and well-formed as one, not a region; a known region the other way.
void expect_only(std::string_view name, bool zone) {
  EXPECT_EQ(is_zone(name), zone) << name;
  EXPECT_EQ(zone_format_ok(name), zone) << name;
  EXPECT_EQ(is_region(name), !zone) << name;
  EXPECT_EQ(region_format_ok(name), !zone) << name;
}

TEST(Locality, EveryZoneBelongsToAKnownRegion) {
  std::set<std::string_view> seen;
  for (auto z : zones()) {
    expect_only(z, true);
    EXPECT_TRUE(is_region(region_of_zone(z))) << z;
    seen.insert(region_of_zone(z));
  }
  EXPECT_EQ(seen.size(), regions().size());
  for (auto r : regions()) expect_only(r, false);
}

TEST(Locality, MembershipIsExact) {
  for (auto z : {"fr-par-4", "it-mil-2", "FR-PAR-1", "fr-par-1 ", ""})
    EXPECT_FALSE(is_zone(z)) << z;
  for (auto r : {"fr-pa", "de-fra", "Fr-par", ""}) EXPECT_FALSE(is_region(r)) << r;
}

TEST(Locality, RegionFormat) {
  // Unknown but well-formed, up to 7 letters.
  for (auto r : {"fr-par", "xx-abc", "xx-abcdefg"}) EXPECT_TRUE(region_format_ok(r)) << r;
  for (auto r : {"xx-abcdefgh", "xx-ab", "x-abc", "xxx-abc", "FR-PAR", "fr_par", "frpar", "fr-",
                 "fr-par-", "fr-p4r", ""})
    EXPECT_FALSE(region_format_ok(r)) << r;
}

TEST(Locality, ZoneFormat) {
  for (auto z : {"fr-par-1", "xx-abc-9", "xx-abcdefg-12"}) EXPECT_TRUE(zone_format_ok(z)) << z;
  for (auto z : {"xx-abc-123", "xx-abc-", "xx-abc-a", "xx-abc-1a", "xx-ab-1", "xx-abcdefgh-1",
                 "FR-PAR-1", "fr-par1", "fr-par--1", "-1", "1", ""})
    EXPECT_FALSE(zone_format_ok(z)) << z;
}

TEST(Locality, RegionOfZone) {
  for (auto [zone, region] : {std::pair{"fr-par-1", "fr-par"}, std::pair{"nl-ams-3", "nl-ams"},
                              std::pair{"pl-waw-2", "pl-waw"}, std::pair{"it-mil-1", "it-mil"},
                              std::pair{"xx-abc-12", "xx-abc"}, std::pair{"nodash", "nodash"}})
    EXPECT_EQ(region_of_zone(zone), region) << zone;
}

}  // namespace
}  // namespace scwd::locality

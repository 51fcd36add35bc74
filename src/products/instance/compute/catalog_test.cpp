#include "products/instance/model.hpp"

#include <gtest/gtest.h>

#include "core/router/locality.hpp"
#include "testing/test_env.hpp"

namespace scwd::products::instance {
namespace {

namespace json = boost::json;

std::string header(const testing::TestApp::Reply& r, std::string_view name) {
  for (auto& [k, v] : r.raw.headers)
    if (k == name) return v;
  return {};
}

TEST(InstanceCatalog, TypesPerZone) {
  auto* dev = find_server_type("fr-par-1", "DEV1-S");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->arch, "x86_64");
  EXPECT_EQ(dev->ncpus, 2);
  EXPECT_EQ(dev->ram, 2LL << 30);
  EXPECT_EQ(dev->local_max, 20'000'000'000);
  EXPECT_GT(dev->hourly_price, 0);
  EXPECT_EQ(dev->json.at("volumes_constraint").at("max_size").as_int64(), 20'000'000'000);
  auto* pro = find_server_type("fr-par-1", "PRO2-XXS");
  ASSERT_NE(pro, nullptr);
  EXPECT_EQ(pro->local_max, 0);
  auto* arm = find_server_type("fr-par-2", "COPARM1-2C-8G");
  ASSERT_NE(arm, nullptr);
  EXPECT_EQ(arm->arch, "arm64");
  auto* gpu = find_server_type("fr-par-2", "H100-1-80G");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->gpu, 1);
  EXPECT_EQ(gpu->json.at("gpu_info").at("gpu_name").as_string(), "H100-PCIe");
  EXPECT_GT(gpu->scratch_max, 0);
  struct Offer {
    std::string_view zone, type;
  };
  constexpr Offer kSold[] = {{"fr-par-1", "L4-1-24G"},      {"fr-par-1", "RENDER-S"},
                             {"fr-par-1", "STARDUST1-S"},   {"fr-par-1", "ENT1-S"},
                             {"fr-par-1", "BASIC2-A2C-4G"}, {"fr-par-2", "GPU-3070-S"},
                             {"fr-par-1", "PLAY2-PICO"},    {"fr-par-1", "POP2-2C-8G-WIN"}};
  for (auto [zone, type] : kSold) EXPECT_NE(find_server_type(zone, type), nullptr) << type;
  // Not every family everywhere.
  constexpr Offer kNotSold[] = {{"it-mil-1", "DEV1-S"},
                                {"pl-waw-1", "H100-1-80G"},
                                {"fr-par-1", "NOPE-1"},
                                {"xx-xxx-1", "DEV1-S"}};
  for (auto [zone, type] : kNotSold)
    EXPECT_EQ(find_server_type(zone, type), nullptr) << zone << " " << type;
  EXPECT_TRUE(server_types("xx-xxx-1").empty());
  EXPECT_LT(server_types("pl-waw-1").size(), server_types("fr-par-1").size());
  for (auto zone : locality::zones()) {
    auto& types = server_types(zone);
    ASSERT_FALSE(types.empty()) << zone;
    for (std::size_t i = 1; i < types.size(); ++i) EXPECT_LT(types[i - 1]->name, types[i]->name);
    EXPECT_NE(find_server_type(zone, "POP2-2C-8G"), nullptr) << zone;
  }
  // PAR3 is priced higher.
  EXPECT_GT(find_server_type("fr-par-3", "GP1-XS")->hourly_price,
            find_server_type("fr-par-1", "GP1-XS")->hourly_price);
}

TEST(InstanceProducts, ServersMapIsPaginatedByEntries) {
  testing::TestApp t;
  auto total = server_types("fr-par-1").size();
  auto p1 = t.call("GET", "/instance/v1/zones/fr-par-1/products/servers?page=1");
  ASSERT_EQ(p1.status, 200) << p1.raw.body;
  EXPECT_EQ(p1.json.as_object().at("servers").as_object().size(), 50u);
  EXPECT_EQ(header(p1, "X-Total-Count"), std::to_string(total));
  EXPECT_NE(header(p1, "Link").find("rel=\"next\""), std::string::npos);
  auto last_page = (total + 49) / 50;
  auto pl = t.call(
      "GET", "/instance/v1/zones/fr-par-1/products/servers?page=" + std::to_string(last_page));
  EXPECT_EQ(pl.json.as_object().at("servers").as_object().size(), total - (last_page - 1) * 50);
  auto small = t.call("GET", "/instance/v1/zones/fr-par-1/products/servers?per_page=5&page=2");
  ASSERT_EQ(small.json.as_object().at("servers").as_object().size(), 5u);
  auto p2 = t.call("GET", "/instance/v1/zones/fr-par-1/products/servers?per_page=100&page=2");
  auto& dev = p2.json.as_object().at("servers").as_object();
  EXPECT_TRUE(dev.contains("STARDUST1-S"));
  for (auto& [name, v] : small.json.as_object().at("servers").as_object()) {
    auto& o = v.as_object();
    for (auto key : {"alt_names", "arch", "ncpus", "ram", "gpu", "gpu_info", "mig_profile",
                     "volumes_constraint", "per_volume_constraint", "scratch_storage_max_size",
                     "scratch_storage_max_volumes_count", "monthly_price", "hourly_price",
                     "capabilities", "network", "block_bandwidth", "end_of_service"})
      EXPECT_TRUE(o.contains(key)) << name << " " << key;
  }
  auto one = t.call("GET", "/instance/v1/zones/fr-par-1/products/servers?commercial_type=DEV1-S");
  ASSERT_EQ(one.json.as_object().at("servers").as_object().size(), 1u);
  EXPECT_EQ(header(one, "X-Total-Count"), "1");
  auto bad = t.call("GET", "/instance/v1/zones/fr-par-1/products/servers?per_page=101");
  EXPECT_EQ(bad.status, 400);
  auto mil = t.call("GET", "/instance/v1/zones/it-mil-1/products/servers");
  ASSERT_EQ(mil.status, 200);
  EXPECT_EQ(header(mil, "X-Total-Count"), std::to_string(server_types("it-mil-1").size()));
}

TEST(InstanceProducts, AvailabilityAndVolumes) {
  testing::TestApp t;
  auto a = t.call("GET", "/instance/v1/zones/fr-par-2/products/servers/availability?per_page=100");
  ASSERT_EQ(a.status, 200) << a.raw.body;
  auto& servers = a.json.as_object().at("servers").as_object();
  EXPECT_EQ(servers.size(), 100u);
  for (auto& [name, v] : servers) {
    auto s = std::string(v.at("availability").as_string());
    EXPECT_TRUE(s == "available" || s == "scarce" || s == "shortage") << name;
  }
  EXPECT_EQ(header(a, "X-Total-Count"), std::to_string(server_types("fr-par-2").size()));
  auto v = t.call("GET", "/instance/v1/zones/fr-par-1/products/volumes");
  ASSERT_EQ(v.status, 200);
  auto& vols = v.json.as_object().at("volumes").as_object();
  ASSERT_EQ(vols.size(), 2u);
  EXPECT_EQ(vols.at("l_ssd").at("constraints").at("max").as_int64(), 800'000'000'000);
  EXPECT_FALSE(vols.at("scratch").at("capabilities").at("snapshot").as_bool());
  EXPECT_EQ(header(v, "X-Total-Count"), "2");
}

}  // namespace
}  // namespace scwd::products::instance

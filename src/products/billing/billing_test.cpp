#include <gtest/gtest.h>

#include "core/meter/meter.hpp"
#include "core/util/encoding.hpp"
#include "products/billing/statement.hpp"
#include "products/catalogue/server_types.hpp"
#include "products/instance/instance_test_env.hpp"

namespace scwd::billing_test {
namespace {

using namespace testing;  // NOLINT: the shared test helpers
namespace json = boost::json;

const std::string kB = "/billing/v2beta1";

const json::object* line(const json::value& list, std::string_view sku) {
  for (auto& c : list.at("consumptions").as_array())
    if (c.as_object().at("sku").as_string() == sku) return &c.as_object();
  return nullptr;
}

std::int64_t nanos(const json::value& money) {
  return money.at("units").as_int64() * 1'000'000'000 + money.at("nanos").as_int64();
}

// A DEV1-S powered on for three hours, then stopped.
std::string three_hours_of_dev1_s(TestApp& t) {
  t.app().lifecycle().set_speed({0});
  auto r = t.call("POST", instance_test::kZ + "/servers",
                  json::serialize(json::object{{"name", "billed"},
                                               {"commercial_type", "DEV1-S"},
                                               {"image", instance_test::local_jammy()},
                                               {"dynamic_ip_required", false}}));
  EXPECT_EQ(r.status, 201) << r.raw.body;
  auto id = str(r.json.at("server"), "id");
  auto act = [&](std::string_view a) {
    EXPECT_EQ(t.call("POST", instance_test::kZ + "/servers/" + id + "/action",
                     json::serialize(json::object{{"action", a}}))
                  .status,
              202);
  };
  act("poweron");
  advance(t, 1);
  advance(t, 3 * 3600 - 1);
  act("poweroff");
  advance(t, 60);
  return id;
}

TEST(Billing, ConsumptionFollowsWhatTheServerDid) {
  TestApp t;
  three_hours_of_dev1_s(t);
  auto r = t.call("GET", kB + "/consumptions?category_name=Compute");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto* l = line(r.json, "/compute/dev1_s/run_par1");
  ASSERT_NE(l, nullptr) << r.raw.body;
  EXPECT_EQ(l->at("billed_quantity").as_string(), "180");
  EXPECT_EQ(l->at("unit").as_string(), "minute");
  EXPECT_EQ(l->at("product_name").as_string(), "DEV1-S");
  EXPECT_EQ(l->at("project_id").as_string(), t.identity().organization_id);
  auto* type = catalogue::find_server_type("fr-par-1", "DEV1-S");
  ASSERT_NE(type, nullptr);
  meter::Sku sku{.price_nanos = std::llround(type->hourly_price * 1e9), .price_per = 60};
  EXPECT_EQ(nanos(l->at("value")), meter::price(sku, 180));
  EXPECT_EQ(str(l->at("value"), "currency_code"), "EUR");

  // Another month's consumption is empty; a malformed one is refused.
  EXPECT_EQ(num(t.call("GET", kB + "/consumptions?billing_period=2001-01").json, "total_count"), 0);
  EXPECT_EQ(t.call("GET", kB + "/consumptions?billing_period=2001-1").status, 400);
}

TEST(Billing, AClosedMonthGivesAnInvoiceWithItsPdfAndCsv) {
  TestApp t;
  three_hours_of_dev1_s(t);
  auto month = t.call("GET", kB + "/consumptions");
  std::int64_t total = 0;
  for (auto& c : month.json.at("consumptions").as_array()) total += nanos(c.at("value"));
  ASSERT_GT(total, 0);
  EXPECT_EQ(num(t.call("GET", kB + "/invoices").json, "total_count"), 0);

  auto p = meter::period_of(t.clock().now());
  advance(t, static_cast<int>((p.end - t.clock().now()) / 1'000'000) + 3600);
  auto list = t.call("GET", kB + "/invoices");
  ASSERT_EQ(num(list.json, "total_count"), 1) << list.raw.body;
  auto& inv = list.json.at("invoices").at(0);
  // The server was stopped: the month's total is what it ran (and nothing accrues after).
  EXPECT_EQ(nanos(inv.at("total_undiscount")), total);
  EXPECT_EQ(nanos(inv.at("total_untaxed")), total);
  EXPECT_EQ(nanos(inv.at("total_tax")), products::billing::vat(total));
  EXPECT_EQ(nanos(inv.at("total_taxed")), total + products::billing::vat(total));
  EXPECT_EQ(str(inv, "type"), "periodic");
  EXPECT_EQ(str(inv, "state"), "issued");
  EXPECT_EQ(str(inv, "start_date"), format_time(p.start));
  auto id = str(inv, "id");
  EXPECT_EQ(t.call("GET", kB + "/invoices/" + id).raw.body, json::serialize(inv));
  EXPECT_EQ(t.call("GET", kB + "/invoices/00000000-0000-4000-8000-000000000000").status, 404);

  auto pdf = t.call("GET", kB + "/invoices/" + id + "/download?file_type=pdf");
  ASSERT_EQ(pdf.status, 200) << pdf.raw.body;
  auto bytes = from_base64(str(pdf.json, "content"));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->substr(0, 5), "%PDF-");
  EXPECT_EQ(str(pdf.json, "content_type"), "application/pdf");
  EXPECT_TRUE(
      str(pdf.json, "name").starts_with("invoice-" + format_time(p.start).substr(0, 7) + "-"));
  auto raw = t.call("GET", kB + "/invoices/" + id + "/download?dl=1");
  EXPECT_EQ(raw.raw.content_type, "application/pdf");
  EXPECT_EQ(raw.raw.body, *bytes);

  auto csv = t.call("GET", kB + "/export-invoices?dl=1&file_type=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.raw.content_type, "text/csv");
  EXPECT_NE(csv.raw.body.find(id), std::string::npos) << csv.raw.body;
}

TEST(Billing, ARedeemedCouponLowersTheNextInvoices) {
  TestApp t;
  auto coupon = t.call("POST", "/_scwd/billing/coupons",
                       R"({"code":"WELCOME","description":"Welcome","value":0.05})");
  ASSERT_EQ(coupon.status, 200) << coupon.raw.body;
  EXPECT_EQ(t.call("POST", kB + "/redeem-coupon?code=NOPE").status, 400);
  auto d = t.call("POST", kB + "/redeem-coupon?code=WELCOME");
  ASSERT_EQ(d.status, 200) << d.raw.body;
  EXPECT_EQ(str(d.json, "mode"), "discount_mode_value");
  EXPECT_EQ(t.call("POST", kB + "/redeem-coupon?code=WELCOME").status, 409);

  three_hours_of_dev1_s(t);
  auto p = meter::period_of(t.clock().now());
  advance(t, static_cast<int>((p.end - t.clock().now()) / 1'000'000) + 3600);
  auto inv = t.call("GET", kB + "/invoices").json.at("invoices").at(0);
  auto undiscount = nanos(inv.at("total_undiscount"));
  auto off = std::min<std::int64_t>(undiscount, 50'000'000);
  EXPECT_EQ(nanos(inv.at("total_discount")), -off);
  EXPECT_EQ(nanos(inv.at("total_untaxed")), undiscount - off);
  auto list = t.call("GET", kB + "/discounts");
  ASSERT_EQ(num(list.json, "total_count"), 1);
  EXPECT_DOUBLE_EQ(list.json.at("discounts").at(0).at("value_used").as_double(),
                   static_cast<double>(off) / 1e9);
}

}  // namespace
}  // namespace scwd::billing_test

#include <gtest/gtest.h>

#include "core/meter/meter.hpp"
#include "products/billing/budgets.hpp"
#include "testing/helpers.hpp"

namespace scwd::budgets_test {
namespace {

using namespace testing;  // NOLINT: the shared test helpers
namespace json = boost::json;

const std::string kB = "/billing/v2";

std::size_t count(TestApp& t, std::string_view kind) {
  store::ListQuery q;
  q.kind = std::string(kind);
  auto tx = t.store().begin(store::TxMode::kRead);
  return tx->list(q).items.size();
}

TEST(Budgets, ABudgetIsCreatedReadUpdatedListedAndDeleted) {
  TestApp t;
  auto org = t.identity().organization_id;
  auto c =
      t.call("POST", kB + "/budgets",
             R"({"organization_id":")" + org + R"(","consumption_limit":10000,"enabled":false})");
  ASSERT_EQ(c.status, 200) << c.raw.body;
  auto id = str(c.json, "id");
  EXPECT_EQ(str(c.json, "organization_id"), org);
  EXPECT_FALSE(c.json.at("enabled").as_bool());
  EXPECT_EQ(json::serialize(c.json.at("consumption_limit")),
            R"({"currency_code":"","units":10000,"nanos":0})");
  EXPECT_EQ(c.json.at("alerts").as_array().size(), 0u);
  EXPECT_EQ(str(c.json, "created_at"), str(c.json, "updated_at"));
  EXPECT_EQ(t.call("GET", kB + "/budgets/" + id).raw.body, c.raw.body);

  // The organization defaults to the caller's.
  auto d = t.call("POST", kB + "/budgets", R"({"consumption_limit":15000})");
  ASSERT_EQ(d.status, 200) << d.raw.body;
  EXPECT_EQ(str(d.json, "organization_id"), org);

  auto u = t.call("PATCH", kB + "/budgets/" + id, R"({"consumption_limit":20000,"enabled":true})");
  ASSERT_EQ(u.status, 200) << u.raw.body;
  EXPECT_EQ(num(u.json.at("consumption_limit"), "units"), 20000);
  EXPECT_TRUE(u.json.at("enabled").as_bool());
  EXPECT_EQ(
      num(t.call("PATCH", kB + "/budgets/" + id, R"({})").json.at("consumption_limit"), "units"),
      20000);

  auto list = t.call("GET", kB + "/budgets?organization_id=" + org);
  ASSERT_EQ(list.status, 200) << list.raw.body;
  EXPECT_EQ(num(list.json, "total_count"), 2);
  EXPECT_EQ(str(list.json.at("budgets").at(0), "id"), id);
  auto page = t.call("GET", kB + "/budgets?page=2&page_size=1");
  EXPECT_EQ(page.json.at("budgets").as_array().size(), 1u);
  EXPECT_EQ(str(page.json.at("budgets").at(0), "id"), str(d.json, "id"));

  auto del = t.call("DELETE", kB + "/budgets/" + id);
  EXPECT_EQ(del.status, 204);
  auto gone = t.call("GET", kB + "/budgets/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.raw.body, R"({"message":"Budget )" + id +
                               R"( not found","resource":"Budget","resource_id":")" + id +
                               R"(","type":"not_found"})");
  EXPECT_EQ(t.call("DELETE", kB + "/budgets/" + id).status, 404);
}

TEST(Budgets, BadInputIsRefused) {
  TestApp t;
  EXPECT_EQ(t.call("POST", kB + "/budgets", R"({"consumption_limit":-1})").status, 400);
  EXPECT_EQ(t.call("POST", kB + "/budgets", R"({"consumption_limit":4294967296})").status, 400);
  EXPECT_EQ(t.call("POST", kB + "/budgets", R"({"consumption_limit":10.5})").status, 400);
  EXPECT_EQ(t.call("POST", kB + "/budgets", R"({"enabled":true})").status, 400);
  EXPECT_EQ(t.call("POST", kB + "/budgets", R"({"consumption_limit":1,"enabled":"yes"})").status,
            400);
  EXPECT_EQ(
      t.call("POST", kB + "/budgets", R"({"consumption_limit":1,"organization_id":"nope"})").status,
      400);
  EXPECT_EQ(t.call("GET", kB + "/budgets/nope").status, 400);
  EXPECT_EQ(t.call("GET", kB + "/budgets?organization_id=nope").status, 400);
  EXPECT_EQ(t.call("GET", kB + "/budgets?page_size=0").status, 400);
  EXPECT_EQ(count(t, products::billing::kBudget), 0u);
}

TEST(Budgets, AlertsAndNotificationsShowInTheirBudgetAndGoWithIt) {
  TestApp t;
  auto budget = created_id(t, kB + "/budgets", R"({"consumption_limit":10000})");
  auto before = t.call("GET", kB + "/budgets/" + budget);

  auto a =
      t.call("POST", kB + "/budget-alerts", R"({"budget_id":")" + budget + R"(","threshold":80})");
  ASSERT_EQ(a.status, 200) << a.raw.body;
  auto alert = str(a.json, "id");
  EXPECT_EQ(num(a.json, "threshold"), 80);
  EXPECT_EQ(a.json.at("notifications").as_array().size(), 0u);

  auto n = t.call("POST", kB + "/budget-alert-notifications",
                  R"({"budget_alert_id":")" + alert + R"(","email_addresses":["a@example.com"]})");
  ASSERT_EQ(n.status, 200) << n.raw.body;
  auto note = str(n.json, "id");
  EXPECT_EQ(str(n.json, "type"), "email");
  EXPECT_EQ(json::serialize(n.json.at("recipients")), R"(["a@example.com"])");

  auto b = t.call("GET", kB + "/budgets/" + budget);
  ASSERT_EQ(b.json.at("alerts").as_array().size(), 1u);
  auto& shown = b.json.at("alerts").at(0);
  EXPECT_EQ(str(shown, "id"), alert);
  EXPECT_EQ(str(shown.at("notifications").at(0), "id"), note);
  // Adding alerts leaves the budget's own update time alone (as recorded).
  EXPECT_EQ(str(b.json, "updated_at"), str(before.json, "updated_at"));
  auto listed = t.call("GET", kB + "/budgets").json.at("budgets").at(0);
  EXPECT_EQ(json::serialize(listed), b.raw.body);

  // Updates: the threshold; the recipients, which may change kind.
  auto ua = t.call("PATCH", kB + "/budget-alerts/" + alert, R"({"threshold":90})");
  ASSERT_EQ(ua.status, 200) << ua.raw.body;
  EXPECT_EQ(num(ua.json, "threshold"), 90);
  EXPECT_EQ(ua.json.at("notifications").as_array().size(), 1u);
  auto un = t.call("PATCH", kB + "/budget-alert-notifications/" + note,
                   R"({"sms_phone_numbers":["+33612345678"]})");
  ASSERT_EQ(un.status, 200) << un.raw.body;
  EXPECT_EQ(str(un.json, "type"), "sms");
  EXPECT_EQ(json::serialize(un.json.at("recipients")), R"(["+33612345678"])");
  EXPECT_EQ(t.call("PATCH", kB + "/budget-alert-notifications/" + note, R"({})").status, 200);

  // Nothing reads an alert or a notification alone.
  EXPECT_EQ(t.call("GET", kB + "/budget-alerts/" + alert).status, 405);

  // A second alert with a webhook; deleting the budget deletes them all.
  auto a2 =
      created_id(t, kB + "/budget-alerts", R"({"budget_id":")" + budget + R"(","threshold":100})");
  EXPECT_EQ(
      t.call("POST", kB + "/budget-alert-notifications",
             R"({"budget_alert_id":")" + a2 + R"(","webhook_urls":["https://example.com/h"]})")
          .status,
      200);
  EXPECT_EQ(count(t, products::billing::kBudgetAlert), 2u);
  EXPECT_EQ(count(t, products::billing::kBudgetAlertNotification), 2u);
  EXPECT_EQ(t.call("DELETE", kB + "/budget-alerts/" + alert).status, 204);
  EXPECT_EQ(count(t, products::billing::kBudgetAlertNotification), 1u);
  EXPECT_EQ(t.call("DELETE", kB + "/budget-alert-notifications/" + note).status, 404);
  EXPECT_EQ(t.call("DELETE", kB + "/budgets/" + budget).status, 204);
  EXPECT_EQ(count(t, products::billing::kBudgetAlert), 0u);
  EXPECT_EQ(count(t, products::billing::kBudgetAlertNotification), 0u);
  EXPECT_EQ(t.call("PATCH", kB + "/budget-alerts/" + a2, R"({"threshold":1})").status, 404);
}

TEST(Budgets, AlertAndNotificationInputIsChecked) {
  TestApp t;
  auto budget = created_id(t, kB + "/budgets", R"({"consumption_limit":10})");
  auto alert_body = [&](std::string threshold) {
    return R"({"budget_id":")" + budget + R"(","threshold":)" + threshold + "}";
  };
  EXPECT_EQ(t.call("POST", kB + "/budget-alerts", alert_body("101")).status, 400);
  EXPECT_EQ(t.call("POST", kB + "/budget-alerts", alert_body("-1")).status, 400);
  EXPECT_EQ(t.call("POST", kB + "/budget-alerts", R"({"threshold":50})").status, 400);
  EXPECT_EQ(t.call("POST", kB + "/budget-alerts", R"({"budget_id":"x","threshold":50})").status,
            400);
  auto missing = t.call("POST", kB + "/budget-alerts",
                        R"({"budget_id":"00000000-0000-4000-8000-000000000000","threshold":50})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(str(missing.json, "resource"), "Budget");
  auto alert = created_id(t, kB + "/budget-alerts", alert_body("0"));
  EXPECT_EQ(t.call("PATCH", kB + "/budget-alerts/" + alert, R"({"threshold":200})").status, 400);

  auto note = [&](std::string recipients) {
    return t.call("POST", kB + "/budget-alert-notifications",
                  R"({"budget_alert_id":")" + alert + "\"," + recipients + "}");
  };
  EXPECT_EQ(note(R"("email_addresses":[])").status, 400);
  EXPECT_EQ(note(R"("email_addresses":["not-an-address"])").status, 400);
  EXPECT_EQ(note(R"("sms_phone_numbers":["0612345678"])").status, 400);
  EXPECT_EQ(note(R"("webhook_urls":["ftp://example.com"])").status, 400);
  EXPECT_EQ(note(R"("email_addresses":["a@example.com"],"webhook_urls":["https://x.io"])").status,
            400);
  EXPECT_EQ(t.call("POST", kB + "/budget-alert-notifications",
                   R"({"budget_alert_id":")" + alert + R"("})")
                .status,
            400);
  EXPECT_EQ(t.call("POST", kB + "/budget-alert-notifications",
                   R"({"budget_alert_id":"00000000-0000-4000-8000-000000000000",)"
                   R"("email_addresses":["a@example.com"]})")
                .status,
            404);
  EXPECT_EQ(count(t, products::billing::kBudgetAlertNotification), 0u);
}

// An alert fires once a month, at the hour the month's consumption reached its share of the
// limit; the operator reads what would have been sent, computed the same on every read.
TEST(Budgets, AnAlertFiresWhenTheMonthsConsumptionReachesItsShare) {
  TestApp t;
  auto org = t.identity().organization_id;
  // From one hour into next month, so that the month does not end under the test.
  auto month = meter::period_of(t.clock().now());
  advance(t, static_cast<int>((month.end - t.clock().now()) / kSecond) + 3601);
  auto start = month.end + kHour;

  auto budget = created_id(t, kB + "/budgets", R"({"consumption_limit":1,"enabled":true})");
  auto half =
      created_id(t, kB + "/budget-alerts", R"({"budget_id":")" + budget + R"(","threshold":50})");
  created_id(t, kB + "/budget-alerts", R"({"budget_id":")" + budget + R"(","threshold":100})");
  auto hook = created_id(
      t, kB + "/budget-alert-notifications",
      R"({"budget_alert_id":")" + half + R"(","webhook_urls":["https://example.com/hook"]})");
  // Counted usage at 0.10 EUR a request: 0.30 EUR now, 0.60 EUR two hours later.
  meter::Sku sku{
      .sku = "/test/request", .category = "Test", .unit = "request", .price_nanos = 100'000'000};
  auto use = [&](int requests) {
    t.store().write([&](store::Tx& tx) {
      meter::count(tx, org, t.identity().project_id, "fr-par", sku, requests, t.clock().now());
      return true;
    });
  };
  auto fired = [&](std::string query = {}) {
    auto r = t.call("GET", "/_scwd/billing/fired-alerts" + query);
    EXPECT_EQ(r.status, 200) << r.raw.body;
    return r;
  };
  use(3);
  advance(t, 2 * 3600);
  EXPECT_EQ(num(fired().json, "total_count"), 0);
  use(3);
  auto r = fired();
  ASSERT_EQ(num(r.json, "total_count"), 1) << r.raw.body;
  auto& f = r.json.at("fired_alerts").at(0);
  EXPECT_EQ(str(f, "budget_id"), budget);
  EXPECT_EQ(str(f, "budget_alert_id"), half);
  EXPECT_EQ(str(f, "organization_id"), org);
  EXPECT_EQ(num(f, "threshold"), 50);
  EXPECT_EQ(str(f, "billing_period"), meter::period_name(meter::period_of(start)));
  // Counted usage is kept by the hour: the second hour's requests count from its start.
  EXPECT_EQ(str(f, "triggered_at"), format_time(start + 2 * kHour));
  EXPECT_EQ(json::serialize(f.at("consumption")),
            R"({"currency_code":"EUR","units":0,"nanos":600000000})");
  EXPECT_EQ(num(f.at("consumption_limit"), "units"), 1);
  EXPECT_EQ(json::serialize(f.at("notifications")),
            R"([{"budget_alert_notification_id":")" + hook +
                R"(","type":"webhook","recipients":["https://example.com/hook"]})" + "]");
  EXPECT_EQ(fired().raw.body, r.raw.body);

  // Once a month: the next month starts again from nothing.
  advance(t, 40 * 86400);
  EXPECT_EQ(num(fired().json, "total_count"), 1);
  use(6);
  EXPECT_EQ(num(fired().json, "total_count"), 2);

  // One organization's, or all; a disabled budget's alerts never fired.
  EXPECT_EQ(num(fired("?organization_id=" + org).json, "total_count"), 2);
  EXPECT_EQ(num(fired("?organization_id=00000000-0000-4000-8000-000000000000").json, "total_count"),
            0);
  EXPECT_EQ(t.call("GET", "/_scwd/billing/fired-alerts?organization_id=nope").status, 400);
  EXPECT_EQ(t.call("PATCH", kB + "/budgets/" + budget, R"({"enabled":false})").status, 200);
  EXPECT_EQ(num(fired().json, "total_count"), 0);
}

TEST(Budgets, AnotherOrganizationsBudgetsAreOutOfReach) {
  TestApp t;
  auto other = t.call("POST", "/_scwd/organizations", R"({"name":"acme"})");
  ASSERT_EQ(other.status, 200) << other.raw.body;
  auto other_org = str(other.json, "organization_id");
  auto other_key = str(other.json, "secret_key");
  auto mine = created_id(t, kB + "/budgets", R"({"consumption_limit":10})");

  EXPECT_EQ(t.call("POST", kB + "/budgets",
                   R"({"organization_id":")" + other_org + R"(","consumption_limit":10})")
                .status,
            403);
  EXPECT_EQ(t.call("GET", kB + "/budgets?organization_id=" + other_org).status, 403);
  EXPECT_EQ(t.call("GET", kB + "/budgets/" + mine, {}, other_key).status, 404);
  EXPECT_EQ(t.call("DELETE", kB + "/budgets/" + mine, {}, other_key).status, 404);
  EXPECT_EQ(num(t.call("GET", kB + "/budgets", {}, other_key).json, "total_count"), 0);
  EXPECT_EQ(t.call("POST", kB + "/budget-alerts",
                   R"({"budget_id":")" + mine + R"(","threshold":50})", other_key)
                .status,
            404);
  EXPECT_EQ(t.call("GET", kB + "/budgets/" + mine).status, 200);
  // What alerts fired is the operator's to read.
  EXPECT_EQ(t.call("GET", "/_scwd/billing/fired-alerts", {}, other_key).status, 403);
}

TEST(Budgets, ABillingReadOnlyKeyReadsButDoesNotWrite) {
  TestApp t;
  auto org = t.identity().organization_id;
  auto budget = created_id(t, kB + "/budgets", R"({"consumption_limit":10})");
  auto app = created_id(t, "/iam/v1alpha1/applications", R"({"name":"reader","description":""})");
  auto pol = t.call("POST", "/iam/v1alpha1/policies",
                    R"({"name":"billing","description":"","application_id":")" + app +
                        R"(","rules":[{"permission_set_names":["BillingReadOnly"],)"
                        R"("condition":"","organization_id":")" +
                        org + R"("}]})");
  ASSERT_EQ(pol.status, 200) << pol.raw.body;
  auto key = t.call("POST", "/iam/v1alpha1/api-keys",
                    R"({"application_id":")" + app + R"(","description":"k"})");
  ASSERT_EQ(key.status, 200) << key.raw.body;
  auto sk = str(key.json, "secret_key");
  EXPECT_EQ(t.call("GET", kB + "/budgets/" + budget, {}, sk).status, 200);
  EXPECT_EQ(num(t.call("GET", kB + "/budgets", {}, sk).json, "total_count"), 1);
  EXPECT_EQ(t.call("POST", kB + "/budgets", R"({"consumption_limit":10})", sk).status, 403);
  EXPECT_EQ(t.call("PATCH", kB + "/budgets/" + budget, R"({"enabled":true})", sk).status, 403);
  EXPECT_EQ(t.call("POST", kB + "/budget-alerts",
                   R"({"budget_id":")" + budget + R"(","threshold":50})", sk)
                .status,
            403);
  EXPECT_EQ(t.call("DELETE", kB + "/budgets/" + budget, {}, sk).status, 403);
}

TEST(Budgets, ElectronicAddressesAnswerNotImplemented) {
  TestApp t;
  auto r = t.call("GET", kB + "/electronic-address");
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(str(r.json, "type"), "not_implemented");
  EXPECT_EQ(str(r.json, "operation"), "ListElectronicAddresses");
  EXPECT_EQ(
      t.call("DELETE", kB + "/electronic-address/00000000-0000-4000-8000-000000000000").status,
      501);
}

}  // namespace
}  // namespace scwd::budgets_test

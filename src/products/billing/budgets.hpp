// Billing v2 (global): the organization's budgets, their alerts and the alerts' notifications.
#pragma once

#include <boost/json/array.hpp>
#include <string_view>

#include "core/app/context.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::billing {

inline constexpr std::string_view kBudget = "billing.budget";
inline constexpr std::string_view kBudgetAlert = "billing.budget_alert";
inline constexpr std::string_view kBudgetAlertNotification = "billing.budget_alert_notification";

// Registers /billing/v2: budgets, budget alerts and their notifications; the electronic
// addresses are declared unbuilt (501).
void register_budgets(app::Registry& r);

// The alerts of enabled budgets (of one organization; all when empty) that fired up to `now`,
// oldest first: each at most once a month, when the month's consumption (before discounts)
// first reached `threshold` % of the budget's current limit, to the minute, and not before the
// alert was made. Computed from the ledger, as invoices are: {organization_id, budget_id,
// budget_alert_id, threshold, billing_period, triggered_at, consumption, consumption_limit,
// notifications: [{budget_alert_notification_id, type, recipients}]}.
boost::json::array fired_alerts(store::Tx& tx, std::string_view organization_id, Micros now);

}  // namespace scwd::products::billing

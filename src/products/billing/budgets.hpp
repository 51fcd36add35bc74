// Billing v2 (global): the organization's budgets, their alerts and the alerts' notifications.
#pragma once

#include <string_view>

#include "core/app/context.hpp"

namespace scwd::products::billing {

inline constexpr std::string_view kBudget = "billing.budget";
inline constexpr std::string_view kBudgetAlert = "billing.budget_alert";
inline constexpr std::string_view kBudgetAlertNotification = "billing.budget_alert_notification";

// Registers /billing/v2: budgets, budget alerts and their notifications; the electronic
// addresses are declared unbuilt (501).
void register_budgets(app::Registry& r);

}  // namespace scwd::products::billing

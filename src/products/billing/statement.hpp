// An organization's billing as the usage ledger and the clock make it: each month's consumption
// priced from the ledger, the discounts it redeemed applied month by month, and an invoice for
// every month that has closed with something to pay. Computed, not stored: a closed month's
// ledger no longer changes, so its invoice (id, number, totals) is the same on every read and on
// every replica.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/meter/meter.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::billing {

inline constexpr std::string_view kDiscount = "billing.discount";
inline constexpr std::string_view kCoupon = "billing.coupon";

// The VAT every line is taxed at (a French organization).
inline constexpr std::int64_t kVatPercent = 20;

struct Totals {
  std::int64_t undiscount = 0;  // EUR nanos: the consumption's price
  std::int64_t discount = 0;    // <= 0
  std::int64_t untaxed = 0;     // undiscount + discount
  std::int64_t tax = 0;
  std::int64_t taxed = 0;
};

struct Invoice {
  std::string id;
  std::int32_t number = 0;
  meter::Period period;
  Micros issued = 0;
  Micros due = 0;
  std::string state;  // "issued" until its due date, then "paid"
  Totals totals;
  std::vector<meter::Line> lines;
};

// A redeemed discount and what the months so far used of it.
struct DiscountUse {
  store::Record record;
  double used = 0;       // EUR (value mode), or the EUR it took off (rate mode)
  double remaining = 0;  // EUR left (value mode); the rate itself (rate mode)
};

struct Statement {
  std::string organization_name;
  std::vector<Invoice> invoices;  // oldest first
  std::vector<DiscountUse> discounts;
  // The month of `period` asked for (or the current one): its lines and totals so far.
  std::vector<meter::Line> period_lines;
  Totals period_totals;
};

// The organization's statement as of `now`; `period` selects the month whose lines and totals
// are returned in period_lines / period_totals.
Statement statement(store::Tx& tx, std::string_view organization_id, const meter::Period& period,
                    Micros now);

// The tax on an untaxed amount, rounded half up to the cent.
std::int64_t vat(std::int64_t untaxed_nanos);

// "12.34" for EUR nanos (rounded to the cent).
std::string euros(std::int64_t nanos);

}  // namespace scwd::products::billing

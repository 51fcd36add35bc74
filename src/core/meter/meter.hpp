// The usage ledger: what every billable resource accrued, and when. A product declares, per record
// kind, what a record accrues in its current state (a server by its commercial type while it
// runs, a volume by its size, ...); the MeteredStore sees every write of such a record and keeps
// the ledger's intervals (organization, project, SKU, rate, start, end) in step with it, in the
// same transaction, at the time the change happened on the lifecycle clock. Usage that is counted
// rather than timed (requests, function compute seconds) is recorded where it happens with
// count(). Billing prices the ledger: nothing here knows about invoices.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::meter {

// The ledger's record kind (Billing reads it; a project's resource count ignores it).
inline constexpr std::string_view kUsage = "meter.usage";

// What a line of consumption is billed as, and its price.
struct Sku {
  std::string sku;            // "/compute/dev1_s/run_par1"
  std::string category;       // "Compute", "Storage", "Network", "Containers", "Serverless", ...
  std::string product_name;   // "DEV1-S"
  std::string resource_name;  // "DEV1-S - FR-PAR-1"
  std::string unit;           // "minute", "ip_minute", "gigabyte_hour", "request", "month", ...
  // Timed units: how long one unit lasts (usage is billed to the nearest unit, at least one).
  // 0 for counted units.
  Micros unit_length = 0;
  // Billed once per billing period the usage overlaps (monthly offers), whatever its length.
  bool per_period = false;
  // The price of one unit, in EUR nanos, as the fraction price_nanos / price_per (a price per
  // hour billed by the minute is price_nanos = the hourly price, price_per = 60): exact for any
  // catalogue price.
  std::int64_t price_nanos = 0;
  std::int64_t price_per = 1;
};

// What a record accrues while it stays as it is: `rate` units of `sku` per unit of time (the GB
// of a volume for a gigabyte_hour SKU; 1 for a server's minutes).
struct Usage {
  Sku sku;
  std::int64_t rate = 1;
};

// What a record of a kind accrues in its current state (nothing: an empty list). A pure function
// of the record: it is called on every write of one.
using MeterFn = std::function<std::vector<Usage>(const store::Record&)>;

// Declares a kind's meter (process-wide; products declare theirs when they register, and a
// second declaration of a kind replaces the first).
void declare(std::string kind, MeterFn fn);

// Whether writes keep the ledger (default true). A server without Billing keeps none.
void set_enabled(bool enabled);

// Records counted usage (`quantity` units of a counted SKU) at `at`, in the caller's transaction.
// Counts of one SKU in a project are kept per hour, so a busy queue adds to one record.
void count(store::Tx& tx, std::string_view organization_id, std::string_view project_id,
           std::string_view locality, const Sku& sku, std::int64_t quantity, Micros at);

// The store every request and lifecycle step writes through: the ledger follows the writes of
// metered kinds. Wraps the store (and the group stores of grouped writes).
class MeteredStore final : public store::ForwardingStore {
 public:
  MeteredStore(store::Store& inner, Clock& clock) : ForwardingStore(inner), clock_(clock) {}

  std::unique_ptr<store::Tx> begin(store::TxMode mode) override;
  void write(const std::function<bool(store::Tx&)>& work) override;

 protected:
  void grouped(store::Store& group, const std::function<void(store::Store&)>& job) override {
    MeteredStore metered(group, clock_);
    job(metered);
  }

 private:
  Clock& clock_;
};

// ---- reading the ledger ----

// One line of consumption: a SKU's usage in a project over a period, and its price.
struct Line {
  std::string project_id;
  Sku sku;
  std::int64_t quantity = 0;     // in the SKU's unit
  std::int64_t value_nanos = 0;  // quantity x price, rounded to the cent
};

// What an organization's projects (all when `project_id` is empty) accrued in [from, to), as of
// `now` (usage still running counts up to now), one line per project and SKU, in SKU order.
std::vector<Line> consumption(store::Tx& tx, std::string_view organization_id,
                              std::string_view project_id, Micros from, Micros to, Micros now);

// The price of `quantity` units, rounded half up to the cent (EUR nanos).
std::int64_t price(const Sku& sku, std::int64_t quantity);

// The billing period (calendar month, UTC) that holds `t`: [start, end).
struct Period {
  Micros start = 0;
  Micros end = 0;
  int year = 0;
  int month = 0;  // 1..12
};
Period period_of(Micros t);
// The period "YYYY-MM"; nullopt when malformed.
std::optional<Period> parse_period(std::string_view yyyy_mm);
// "YYYY-MM", as parse_period reads it.
std::string period_name(const Period& p);
// The period after p.
Period next_period(const Period& p);

}  // namespace scwd::meter

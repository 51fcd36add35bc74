// What Block Storage accrues in the usage ledger (core/meter): a volume its type's price per GB
// and hour for its size, from creation until deleted; a snapshot the snapshot price per GB and
// hour for its size. Prices are the volume types' own (GET .../volume-types).
#include <cctype>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/block/block.hpp"
#include "products/block/model.hpp"

namespace scwd::products::block {

namespace {

std::int64_t gigabytes(std::int64_t bytes) { return (bytes + 999'999'999) / 1'000'000'000; }

std::vector<meter::Usage> volume_usage(const store::Record& r) {
  const VolumeType* type = type_for_iops(int_of(r.body, "perf_iops", 5000));
  auto gb = gigabytes(int_of(r.body, "size"));
  if (!type || gb <= 0) return {};
  auto k = std::to_string(type->iops / 1000) + "k";
  meter::Sku sku{
      .sku = "/storage/block/volume-low-latency-" + k + "/" + r.locality,
      .category = "Storage",
      .product_name = "Block Storage Low Latency " + to_upper(k),
      .resource_name = "Block Storage Low Latency " + to_upper(k) + " - " + to_upper(r.locality),
      .unit = "gigabyte_hour",
      .unit_length = kHour,
      .price_nanos = type->price_nanos,
      .price_per = 1};
  return {{std::move(sku), gb}};
}

std::vector<meter::Usage> snapshot_usage(const store::Record& r) {
  auto gb = gigabytes(int_of(r.body, "size"));
  if (gb <= 0 || volume_types().empty()) return {};
  meter::Sku sku{.sku = "/storage/block/snapshot/" + r.locality,
                 .category = "Storage",
                 .product_name = "Block Storage Snapshot",
                 .resource_name = "Block Storage Snapshot - " + to_upper(r.locality),
                 .unit = "gigabyte_hour",
                 .unit_length = kHour,
                 .price_nanos = volume_types().front().snapshot_price_nanos,
                 .price_per = 1};
  return {{std::move(sku), gb}};
}

}  // namespace

void declare_meters() {
  meter::declare(std::string(kVolumeKind), volume_usage);
  meter::declare(std::string(kSnapshotKind), snapshot_usage);
}

}  // namespace scwd::products::block

#include "products/catalogue/server_types.hpp"

#include <cctype>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scwd::catalogue {

namespace json = boost::json;

namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;
constexpr std::int64_t kGB = 1'000'000'000;

// Zone bits, in this order.
constexpr std::array<std::string_view, 10> kZones = {"fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1",
                                                     "nl-ams-2", "nl-ams-3", "pl-waw-1", "pl-waw-2",
                                                     "pl-waw-3", "it-mil-1"};
constexpr unsigned Z(int i) { return 1u << i; }

enum Arch { kX86, kArm };
enum Gpu { kNoGpu, kL4, kL40S, kB300, kH100Sxm, kH100Pcie, kP100, kRtx3070 };

struct GpuModel {
  const char* name;
  std::int64_t memory_gib;
};
constexpr GpuModel kGpus[] = {{"", 0},          {"L4", 24},        {"L40S", 48}, {"B300-SXM", 288},
                              {"H100-SXM", 80}, {"H100-PCIe", 80}, {"P100", 16}, {"RTX-3070", 8}};

// One commercial type. Prices are the fr-par-1 list prices in EUR (monthly = 730 hours);
// local_gb: total local (l_ssd) storage allowed, 0 for block-only types; bandwidths in Mbit/s
// (network) and bytes/s (block).
struct Row {
  const char* name;
  Arch arch;
  int ncpus;
  double ram_gib;
  int gpu;
  Gpu gpu_model;
  double hourly;
  std::int64_t local_gb;
  std::int64_t scratch_gb;
  int scratch_count;
  int max_file_systems;
  std::int64_t internal_mbps;
  std::int64_t internet_mbps;
  std::int64_t block_bandwidth;
  bool end_of_service;
  const char* alt_name;
  unsigned zones;
};

// clang-format off
constexpr Row kRows[] = {
    {"B300-SXM-2-288G", kX86, 56, 960, 2, kB300, 18.96, 0, 6000, 1, 4, 20000, 20000, 5242880000, false, "", Z(1)},
    {"B300-SXM-4-288G", kX86, 112, 1920, 4, kB300, 34.08, 0, 12000, 1, 8, 20000, 20000, 5242880000, false, "", Z(1)},
    {"B300-SXM-8-288G", kX86, 224, 3840, 8, kB300, 60.0, 0, 24000, 1, 16, 20000, 20000, 5242880000, false, "", Z(1)},
    {"BASIC3-X12C-24G", kX86, 12, 24, 0, kNoGpu, 0.2711, 0, 0, 0, 4, 2250, 2250, 786432000, false, "", Z(0)|Z(1)|Z(3)|Z(4)},
    {"BASIC3-X12C-48G", kX86, 12, 48, 0, kNoGpu, 0.3104, 0, 0, 0, 4, 2250, 2250, 786432000, false, "", Z(0)|Z(1)|Z(3)|Z(4)},
    {"BASIC3-X16C-32G", kX86, 16, 32, 0, kNoGpu, 0.355247, 0, 0, 0, 4, 3000, 3000, 1048576000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"BASIC3-X16C-64G", kX86, 16, 64, 0, kNoGpu, 0.473285, 0, 0, 0, 8, 3000, 3000, 1048576000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"BASIC3-X2C-4G", kX86, 2, 4, 0, kNoGpu, 0.039449, 0, 0, 0, 1, 350, 350, 131072000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"BASIC3-X2C-8G", kX86, 2, 8, 0, kNoGpu, 0.059225, 0, 0, 0, 1, 350, 350, 131072000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"BASIC3-X4C-16G", kX86, 4, 16, 0, kNoGpu, 0.11845, 0, 0, 0, 2, 700, 700, 262144000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"BASIC3-X4C-8G", kX86, 4, 8, 0, kNoGpu, 0.079001, 0, 0, 0, 1, 700, 700, 262144000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"BASIC3-X6C-12G", kX86, 6, 12, 0, kNoGpu, 0.1356, 0, 0, 0, 2, 1050, 1050, 393216000, false, "", Z(0)|Z(1)|Z(3)|Z(4)},
    {"BASIC3-X6C-24G", kX86, 6, 24, 0, kNoGpu, 0.1553, 0, 0, 0, 2, 1050, 1050, 393216000, false, "", Z(0)|Z(1)|Z(3)|Z(4)},
    {"BASIC3-X8C-16G", kX86, 8, 16, 0, kNoGpu, 0.177675, 0, 0, 0, 2, 1500, 1500, 524288000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"BASIC3-X8C-32G", kX86, 8, 32, 0, kNoGpu, 0.236797, 0, 0, 0, 4, 1500, 1500, 524288000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {"DEV1-L", kX86, 4, 8, 0, kNoGpu, 0.04284, 80, 0, 0, 0, 400, 400, 209715200, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"DEV1-M", kX86, 3, 4, 0, kNoGpu, 0.020196, 40, 0, 0, 0, 300, 300, 157286400, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"DEV1-S", kX86, 2, 2, 0, kNoGpu, 0.008976, 20, 0, 0, 0, 200, 200, 104857600, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"DEV1-XL", kX86, 4, 12, 0, kNoGpu, 0.065076, 120, 0, 0, 0, 500, 500, 262144000, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"GP1-L", kX86, 32, 128, 0, kNoGpu, 0.77418, 600, 0, 0, 0, 5000, 5000, 1073741824, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"GP1-M", kX86, 16, 64, 0, kNoGpu, 0.38352, 600, 0, 0, 0, 1500, 1500, 838860800, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"GP1-S", kX86, 8, 32, 0, kNoGpu, 0.19074, 300, 0, 0, 0, 800, 800, 524288000, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"GP1-XL", kX86, 48, 256, 0, kNoGpu, 1.67382, 600, 0, 0, 0, 10000, 10000, 2147483648, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"GP1-XS", kX86, 4, 16, 0, kNoGpu, 0.09282, 150, 0, 0, 0, 500, 500, 314572800, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(6)|Z(7)},
    {"H100-1-80G", kX86, 24, 240, 1, kH100Pcie, 2.8665, 0, 3000, 1, 2, 10000, 10000, 2097152000, false, "", Z(1)|Z(7)},
    {"H100-2-80G", kX86, 48, 480, 2, kH100Pcie, 5.733, 0, 6000, 1, 4, 20000, 20000, 4194304000, false, "", Z(1)|Z(7)},
    {"H100-SXM-2-80G", kX86, 32, 240, 2, kH100Sxm, 6.6198, 0, 3200, 1, 4, 20000, 20000, 5242880000, false, "", Z(1)},
    {"H100-SXM-4-80G", kX86, 64, 480, 4, kH100Sxm, 12.771, 0, 6400, 1, 8, 20000, 20000, 5242880000, false, "", Z(1)},
    {"H100-SXM-8-80G", kX86, 128, 960, 8, kH100Sxm, 25.3308, 0, 12800, 1, 16, 20000, 20000, 5242880000, false, "", Z(1)},
    {"PLAY2-MICRO", kX86, 4, 8, 0, kNoGpu, 0.05508, 0, 0, 0, 0, 400, 400, 167772160, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"PLAY2-NANO", kX86, 2, 4, 0, kNoGpu, 0.02754, 0, 0, 0, 0, 200, 200, 83886080, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"PLAY2-PICO", kX86, 1, 2, 0, kNoGpu, 0.01428, 0, 0, 0, 0, 100, 100, 41943040, false, "", Z(0)|Z(1)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"POP2-12C-48G", kX86, 12, 48, 0, kNoGpu, 0.435, 0, 0, 0, 3, 2400, 2400, 2516582400, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"POP2-16C-64G", kX86, 16, 64, 0, kNoGpu, 0.59, 0, 0, 0, 4, 3200, 3200, 3355443200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-16C-64G-WIN", kX86, 16, 64, 0, kNoGpu, 1.4567, 0, 0, 0, 0, 3200, 3200, 3355443200, false, "", Z(0)|Z(1)},
    {"POP2-24C-96G", kX86, 24, 96, 0, kNoGpu, 0.885, 0, 0, 0, 6, 4800, 4800, 3355443200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"POP2-2C-8G", kX86, 2, 8, 0, kNoGpu, 0.0735, 0, 0, 0, 1, 400, 400, 419430400, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-2C-8G-WIN", kX86, 2, 8, 0, kNoGpu, 0.1823, 0, 0, 0, 0, 400, 400, 419430400, false, "", Z(0)|Z(1)},
    {"POP2-32C-128G", kX86, 32, 128, 0, kNoGpu, 1.18, 0, 0, 0, 8, 6400, 6400, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-32C-128G-WIN", kX86, 32, 128, 0, kNoGpu, 2.9133, 0, 0, 0, 0, 6400, 6400, 5905580032, false, "", Z(0)|Z(1)},
    {"POP2-48C-192G", kX86, 48, 192, 0, kNoGpu, 1.77, 0, 0, 0, 12, 9600, 9600, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-4C-16G", kX86, 4, 16, 0, kNoGpu, 0.147, 0, 0, 0, 1, 800, 800, 838860800, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-4C-16G-WIN", kX86, 4, 16, 0, kNoGpu, 0.3637, 0, 0, 0, 0, 800, 800, 838860800, false, "", Z(0)|Z(1)},
    {"POP2-64C-256G", kX86, 64, 256, 0, kNoGpu, 2.35, 0, 0, 0, 16, 12800, 12800, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-6C-24G", kX86, 6, 24, 0, kNoGpu, 0.225, 0, 0, 0, 1, 1200, 1200, 1258291200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"POP2-8C-32G", kX86, 8, 32, 0, kNoGpu, 0.29, 0, 0, 0, 2, 1600, 1600, 1677721600, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-8C-32G-WIN", kX86, 8, 32, 0, kNoGpu, 0.7233, 0, 0, 0, 0, 1600, 1600, 1677721600, false, "", Z(0)|Z(1)},
    {"POP2-HC-12C-24G", kX86, 12, 24, 0, kNoGpu, 0.3192, 0, 0, 0, 3, 2400, 2400, 2516582400, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"POP2-HC-16C-32G", kX86, 16, 32, 0, kNoGpu, 0.4256, 0, 0, 0, 4, 3200, 3200, 3355443200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-HC-24C-48G", kX86, 24, 48, 0, kNoGpu, 0.6384, 0, 0, 0, 6, 4800, 4800, 3355443200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"POP2-HC-2C-4G", kX86, 2, 4, 0, kNoGpu, 0.0532, 0, 0, 0, 1, 400, 400, 419430400, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-HC-32C-64G", kX86, 32, 64, 0, kNoGpu, 0.8512, 0, 0, 0, 8, 6400, 6400, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-HC-48C-96G", kX86, 48, 96, 0, kNoGpu, 1.27, 0, 0, 0, 12, 9600, 9600, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-HC-4C-8G", kX86, 4, 8, 0, kNoGpu, 0.1064, 0, 0, 0, 1, 800, 800, 838860800, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-HC-64C-128G", kX86, 64, 128, 0, kNoGpu, 1.7024, 0, 0, 0, 16, 12800, 12800, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-HC-6C-12G", kX86, 6, 12, 0, kNoGpu, 0.1596, 0, 0, 0, 1, 1200, 1200, 1258291200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)},
    {"POP2-HC-8C-16G", kX86, 8, 16, 0, kNoGpu, 0.2128, 0, 0, 0, 2, 1600, 1600, 1677721600, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(7)|Z(8)|Z(9)},
    {"POP2-HM-12C-96G", kX86, 12, 96, 0, kNoGpu, 0.618, 0, 0, 0, 3, 2400, 2400, 2516582400, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-16C-128G", kX86, 16, 128, 0, kNoGpu, 0.824, 0, 0, 0, 4, 3200, 3200, 3355443200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-24C-192G", kX86, 24, 192, 0, kNoGpu, 1.236, 0, 0, 0, 6, 4800, 4800, 3355443200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-2C-16G", kX86, 2, 16, 0, kNoGpu, 0.103, 0, 0, 0, 2, 400, 400, 419430400, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-32C-256G", kX86, 32, 256, 0, kNoGpu, 1.648, 0, 0, 0, 8, 6400, 6400, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-48C-384G", kX86, 48, 384, 0, kNoGpu, 2.47, 0, 0, 0, 12, 9600, 9600, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-4C-32G", kX86, 4, 32, 0, kNoGpu, 0.206, 0, 0, 0, 1, 800, 800, 838860800, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-64C-512G", kX86, 64, 512, 0, kNoGpu, 3.296, 0, 0, 0, 16, 12800, 12800, 5905580032, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(7)|Z(8)},
    {"POP2-HM-6C-48G", kX86, 6, 48, 0, kNoGpu, 0.309, 0, 0, 0, 1, 1200, 1200, 1258291200, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(8)},
    {"POP2-HM-8C-64G", kX86, 8, 64, 0, kNoGpu, 0.412, 0, 0, 0, 2, 1600, 1600, 1677721600, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(8)},
    {"POP2-HN-10", kX86, 4, 8, 0, kNoGpu, 0.7264, 0, 0, 0, 1, 10000, 10000, 838860800, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)|Z(9)},
    {"POP2-HN-3", kX86, 2, 4, 0, kNoGpu, 0.2554, 0, 0, 0, 1, 3000, 3000, 419430400, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)|Z(9)},
    {"POP2-HN-5", kX86, 4, 8, 0, kNoGpu, 0.4524, 0, 0, 0, 1, 5000, 5000, 838860800, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)|Z(9)},
    {"PRO2-L", kX86, 32, 128, 0, kNoGpu, 0.89454, 0, 0, 0, 0, 6000, 6000, 2097152000, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)},
    {"PRO2-M", kX86, 16, 64, 0, kNoGpu, 0.44676, 0, 0, 0, 0, 3000, 3000, 1048576000, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)},
    {"PRO2-S", kX86, 8, 32, 0, kNoGpu, 0.22338, 0, 0, 0, 0, 1500, 1500, 524288000, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)},
    {"PRO2-XS", kX86, 4, 16, 0, kNoGpu, 0.1122, 0, 0, 0, 0, 700, 700, 262144000, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)},
    {"PRO2-XXS", kX86, 2, 8, 0, kNoGpu, 0.0561, 0, 0, 0, 0, 350, 350, 131072000, false, "", Z(0)|Z(1)|Z(2)|Z(3)|Z(4)|Z(5)|Z(6)|Z(8)},
    {"RENDER-S", kX86, 10, 42, 1, kP100, 1.221, 400, 0, 0, 0, 2000, 2000, 2147483648, false, "", Z(0)|Z(1)},
    {"STANDARD2-A12C-48G", kArm, 12, 48, 0, kNoGpu, 0.3068, 0, 0, 0, 4, 2400, 2400, 2516582400, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A16C-64G", kArm, 16, 64, 0, kNoGpu, 0.5039, 0, 0, 0, 4, 3200, 3200, 3355443200, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A24C-96G", kArm, 24, 96, 0, kNoGpu, 0.6551, 0, 0, 0, 6, 4800, 4800, 5033164800, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A2C-8G", kArm, 2, 8, 0, kNoGpu, 0.0586, 0, 0, 0, 1, 400, 400, 419430400, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A32C-128G", kArm, 32, 128, 0, kNoGpu, 1.1978, 0, 0, 0, 8, 6400, 6400, 5033164800, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A48C-192G", kArm, 48, 192, 0, kNoGpu, 1.5117, 0, 0, 0, 8, 9600, 9600, 5033164800, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A4C-16G", kArm, 4, 16, 0, kNoGpu, 0.1171, 0, 0, 0, 2, 800, 800, 838860800, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A64C-256G", kArm, 64, 256, 0, kNoGpu, 2.0142, 0, 0, 0, 8, 12800, 12800, 5033164800, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A6C-24G", kArm, 6, 24, 0, kNoGpu, 0.1533, 0, 0, 0, 3, 1200, 1200, 1258291200, false, "", Z(0)|Z(1)|Z(3)},
    {"STANDARD2-A8C-32G", kArm, 8, 32, 0, kNoGpu, 0.2343, 0, 0, 0, 4, 1600, 1600, 1677721600, false, "", Z(0)|Z(1)|Z(3)},
    {"STARDUST1-S", kX86, 1, 1, 0, kNoGpu, 0.0006, 10, 0, 0, 0, 100, 100, 52428800, false, "", Z(0)|Z(3)},
    {"START1-L", kX86, 8, 8, 0, kNoGpu, 0.0368, 200, 0, 0, 0, 400, 400, 41943040, true, "", Z(0)|Z(3)},
    {"START1-M", kX86, 4, 4, 0, kNoGpu, 0.0194, 100, 0, 0, 0, 300, 300, 41943040, true, "", Z(0)|Z(3)},
    {"START1-S", kX86, 2, 2, 0, kNoGpu, 0.0106, 50, 0, 0, 0, 200, 200, 41943040, true, "", Z(0)|Z(3)},
    {"START1-XS", kX86, 1, 1, 0, kNoGpu, 0.0062, 25, 0, 0, 0, 100, 100, 41943040, true, "", Z(0)|Z(3)},
    {"VC1L", kX86, 6, 8, 0, kNoGpu, 0.02468, 200, 0, 0, 0, 200, 200, 41943040, true, "X64-8GB", Z(0)|Z(3)},
    {"VC1M", kX86, 4, 4, 0, kNoGpu, 0.01555, 100, 0, 0, 0, 200, 200, 41943040, true, "X64-4GB", Z(0)|Z(3)},
    {"VC1S", kX86, 2, 2, 0, kNoGpu, 0.00862, 50, 0, 0, 0, 200, 200, 41943040, true, "X64-2GB", Z(0)|Z(3)},
    {"X64-120GB", kX86, 12, 120, 0, kNoGpu, 0.42574, 800, 0, 0, 0, 1000, 1000, 41943040, true, "", Z(0)|Z(3)},
    {"X64-15GB", kX86, 6, 15, 0, kNoGpu, 0.06032, 200, 0, 0, 0, 250, 250, 41943040, true, "", Z(0)|Z(3)},
    {"X64-30GB", kX86, 8, 30, 0, kNoGpu, 0.11906, 400, 0, 0, 0, 500, 500, 41943040, true, "", Z(0)|Z(3)},
    {"X64-60GB", kX86, 10, 60, 0, kNoGpu, 0.213, 700, 0, 0, 0, 1000, 1000, 41943040, true, "", Z(0)|Z(3)},
    // Families sold earlier and still referenced by clients (recorded creations and image
    // compatibility lists); kept so that existing servers and scripts keep working.
    {"COPARM1-16C-64G", kArm, 16, 64, 0, kNoGpu, 0.3454, 0, 0, 0, 0, 1600, 1600, 671088640, false, "", Z(0)|Z(1)},
    {"COPARM1-2C-8G", kArm, 2, 8, 0, kNoGpu, 0.0426, 0, 0, 0, 0, 200, 200, 83886080, false, "", Z(0)|Z(1)},
    {"COPARM1-32C-128G", kArm, 32, 128, 0, kNoGpu, 0.6935, 0, 0, 0, 0, 3200, 3200, 1342177280, false, "", Z(0)|Z(1)},
    {"COPARM1-4C-16G", kArm, 4, 16, 0, kNoGpu, 0.0857, 0, 0, 0, 0, 400, 400, 167772160, false, "", Z(0)|Z(1)},
    {"COPARM1-8C-32G", kArm, 8, 32, 0, kNoGpu, 0.1724, 0, 0, 0, 0, 800, 800, 335544320, false, "", Z(0)|Z(1)},
    {"ENT1-2XL", kX86, 96, 384, 0, kNoGpu, 3.53, 0, 0, 0, 0, 20000, 20000, 5905580032, true, "", Z(0)|Z(1)|Z(3)|Z(6)},
    {"ENT1-L", kX86, 32, 128, 0, kNoGpu, 1.18, 0, 0, 0, 0, 6400, 6400, 5905580032, true, "", Z(0)|Z(1)|Z(3)|Z(6)},
    {"ENT1-M", kX86, 16, 64, 0, kNoGpu, 0.59, 0, 0, 0, 0, 3200, 3200, 3355443200, true, "", Z(0)|Z(1)|Z(3)|Z(6)},
    {"ENT1-S", kX86, 8, 32, 0, kNoGpu, 0.29, 0, 0, 0, 0, 1600, 1600, 1677721600, true, "", Z(0)|Z(1)|Z(3)|Z(6)},
    {"ENT1-XL", kX86, 64, 256, 0, kNoGpu, 2.35, 0, 0, 0, 0, 12800, 12800, 5905580032, true, "", Z(0)|Z(1)|Z(3)|Z(6)},
    {"ENT1-XS", kX86, 4, 16, 0, kNoGpu, 0.147, 0, 0, 0, 0, 800, 800, 838860800, true, "", Z(0)|Z(1)|Z(3)|Z(6)},
    {"ENT1-XXS", kX86, 2, 8, 0, kNoGpu, 0.0735, 0, 0, 0, 0, 400, 400, 419430400, true, "", Z(0)|Z(1)|Z(3)|Z(6)},
    {"GPU-3070-S", kX86, 8, 16, 1, kRtx3070, 0.98, 0, 0, 0, 0, 5000, 5000, 1048576000, true, "", Z(1)},
};
// clang-format on

// Families sold in a ladder of sizes, each size named <prefix><n>C-<ram>G for n vCPUs and
// n x ram_per_cpu GiB of RAM: its scratch storage, bandwidths and zones come from the ladder, its
// price and file systems from the family (a zero price: a size the family does not sell).
struct Size {
  int ncpus;
  std::int64_t scratch_gb;
  int scratch_count;
  std::int64_t internal_mbps;
  std::int64_t internet_mbps;
  std::int64_t block_bandwidth;
  unsigned zones;
};
// clang-format off
// The 3rd generation (COMPUTE3, MEMORY3, STANDARD3): local scratch storage, x86.
constexpr Size kGen3[] = {
    {2, 40, 1, 4000, 500, 500170752, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {4, 80, 2, 4000, 1000, 500170752, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {6, 120, 2, 4000, 1500, 500170752, Z(0)|Z(1)|Z(3)|Z(4)},
    {8, 160, 2, 4000, 2000, 500170752, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {12, 240, 2, 4000, 4000, 500170752, Z(0)|Z(1)|Z(3)|Z(4)},
    {16, 320, 4, 4000, 4000, 500170752, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {24, 480, 4, 6000, 6000, 749731840, Z(0)|Z(1)|Z(3)|Z(4)},
    {32, 640, 4, 8000, 8000, 1000341504, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {48, 960, 8, 16000, 16000, 1999634432, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {64, 1280, 8, 16000, 16000, 1999634432, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
    {96, 1280, 8, 16000, 16000, 1999634432, Z(0)|Z(1)|Z(3)|Z(4)|Z(9)},
};
// BASIC2 (Arm, block storage only).
constexpr Size kBasic2[] = {
    {2, 0, 0, 200, 200, 83886080, Z(0)|Z(1)|Z(3)},
    {4, 0, 0, 400, 400, 125829120, Z(0)|Z(1)|Z(3)},
    {6, 0, 0, 600, 600, 188743680, Z(0)|Z(1)|Z(3)},
    {8, 0, 0, 800, 800, 251658240, Z(0)|Z(1)|Z(3)},
    {12, 0, 0, 1200, 1200, 335544320, Z(0)|Z(1)|Z(3)},
    {16, 0, 0, 1600, 1600, 503316480, Z(0)|Z(1)|Z(3)},
};
// clang-format on

struct Family {
  const char* prefix;
  Arch arch;
  int ram_per_cpu;
  std::span<const Size> ladder;
  std::array<double, 11> hourly;  // per size of the ladder
  std::array<int, 11> max_file_systems;
};
// clang-format off
constexpr Family kFamilies[] = {
    {"BASIC2-A", kArm, 2, kBasic2, {0.023, 0.0517, 0.0789, 0.1034, 0.1578, 0.2067}, {}},
    {"BASIC2-A", kArm, 4, kBasic2, {0.0345, 0.0689, 0.0903, 0.1378, 0.1807, 0.2756}, {}},
    {"COMPUTE3-X", kX86, 2, kGen3, {0.0585, 0.117, 0.1756, 0.2341, 0.3511, 0.4682, 0.7022, 0.9363, 1.397, 1.8726, 2.794},
     {1, 2, 3, 4, 4, 4, 4, 8, 8, 8, 8}},
    {"MEMORY3-X", kX86, 8, kGen3, {0.1133, 0.2266, 0.3399, 0.4532, 0.6798, 0.9064, 1.3596, 1.8128, 2.717},
     {1, 2, 3, 4, 4, 4, 6, 8, 8}},
    {"STANDARD3-X", kX86, 4, kGen3, {0.0809, 0.1617, 0.2425, 0.319, 0.4626, 0.649, 0.9411, 1.298, 1.947, 2.585},
     {1, 2, 3, 4, 4, 4, 6, 8, 8, 8}},
};
// clang-format on

// GPU families sold by GPU count g, named <model>-<g>-<GPU memory>G: vCPUs, RAM, price, scratch
// storage, file systems (2 per GPU) and bandwidths (2500 Mbit/s per GPU) scale with g; block
// bandwidth per g below.
struct GpuFamily {
  const char* model;
  Gpu gpu;
  int ncpus_per_gpu;
  int ram_per_gpu;
  double hourly_per_gpu;
  std::int64_t scratch_gb_per_gpu;  // on one volume when any
  unsigned zones;
};
constexpr std::pair<int, std::int64_t> kGpuCounts[] = {
    {1, 1048576000}, {2, 1572864000}, {4, 2621440000}, {8, 5242880000}};
constexpr GpuFamily kGpuFamilies[] = {
    {"L4", kL4, 8, 48, 0.7875, 0, Z(0) | Z(1) | Z(7)},
    {"L40S", kL40S, 8, 96, 1.469916, 1600, Z(1) | Z(7)},
};

// A family size's name, kept for the life of the process (rows point at their names).
const char* keep(std::string name) {
  static std::deque<std::string> names;
  return names.emplace_back(std::move(name)).c_str();
}

// Every commercial type: kRows, then the families' sizes.
const std::vector<Row>& all_rows() {
  static const std::vector<Row> rows = [] {
    std::vector<Row> out(std::begin(kRows), std::end(kRows));
    for (auto& f : kFamilies)
      for (std::size_t i = 0; i < f.ladder.size(); ++i) {
        if (f.hourly[i] == 0) continue;
        auto& s = f.ladder[i];
        int ram = s.ncpus * f.ram_per_cpu;
        auto* name = keep(f.prefix + std::to_string(s.ncpus) + "C-" + std::to_string(ram) + "G");
        // clang-format off
        out.push_back({name, f.arch, s.ncpus, static_cast<double>(ram), 0, kNoGpu, f.hourly[i], 0,
                       s.scratch_gb, s.scratch_count, f.max_file_systems[i], s.internal_mbps,
                       s.internet_mbps, s.block_bandwidth, false, "", s.zones});
        // clang-format on
      }
    for (auto& f : kGpuFamilies)
      for (auto [g, block] : kGpuCounts) {
        auto* name = keep(std::string(f.model) + "-" + std::to_string(g) + "-" +
                          std::to_string(kGpus[f.gpu].memory_gib) + "G");
        std::int64_t mbps = 2500 * g;
        // clang-format off
        out.push_back({name, kX86, f.ncpus_per_gpu * g, static_cast<double>(f.ram_per_gpu * g), g,
                       f.gpu, f.hourly_per_gpu * g, 0, f.scratch_gb_per_gpu * g,
                       f.scratch_gb_per_gpu > 0 ? 1 : 0, 2 * g, mbps, mbps, block, false, "", f.zones});
        // clang-format on
      }
    // MEMORY3's 24-vCPU size is sold in fr-par-1 and nl-ams-2 only.
    for (auto& r : out)
      if (std::string_view(r.name) == "MEMORY3-X24C-192G") r.zones = Z(0) | Z(4);
    return out;
  }();
  return rows;
}

// fr-par-3 (the PAR3 data centre) is priced higher than the other zones.
double zone_price_factor(std::string_view zone) { return zone == "fr-par-3" ? 1.5 : 1.0; }

double round_price(double v) { return std::round(v * 1e6) / 1e6; }

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Stock levels, fixed so that answers are reproducible: the large GPU and the smallest
// shared-core types run short, the biggest 3rd-generation types are scarce.
std::string availability_of(const Row& r, std::string_view zone) {
  std::string_view n = r.name;
  if (starts_with(n, "H100") || starts_with(n, "B300") || starts_with(n, "L40S") ||
      starts_with(n, "STARDUST1"))
    return "shortage";
  if (starts_with(n, "L4-")) return zone == "fr-par-2" ? "available" : "scarce";
  if ((starts_with(n, "COMPUTE3") || starts_with(n, "MEMORY3") || starts_with(n, "STANDARD3")) &&
      r.ncpus >= 48)
    return "scarce";
  return "available";
}

ServerType make_type(const Row& r, std::string_view zone) {
  ServerType t;
  t.name = r.name;
  t.arch = r.arch == kArm ? "arm64" : "x86_64";
  t.ncpus = r.ncpus;
  t.ram = static_cast<std::int64_t>(r.ram_gib * static_cast<double>(kGiB));
  t.gpu = r.gpu;
  t.hourly_price = round_price(r.hourly * zone_price_factor(zone));
  t.monthly_price = round_price(t.hourly_price * 730);
  t.local_min = 0;
  t.local_max = r.local_gb * kGB;
  t.scratch_max = r.scratch_gb * kGB;
  t.block_storage = true;
  t.end_of_service = r.end_of_service;
  t.availability = availability_of(r, zone);

  json::object o;
  json::array alt;
  if (*r.alt_name) alt.emplace_back(r.alt_name);
  o["alt_names"] = std::move(alt);
  o["arch"] = t.arch;
  o["ncpus"] = t.ncpus;
  o["ram"] = t.ram;
  o["gpu"] = t.gpu;
  if (r.gpu_model == kNoGpu) {
    o["gpu_info"] = nullptr;
  } else {
    auto& g = kGpus[r.gpu_model];
    o["gpu_info"] = json::object{
        {"gpu_manufacturer", "NVIDIA"}, {"gpu_name", g.name}, {"gpu_memory", g.memory_gib * kGiB}};
  }
  o["mig_profile"] = nullptr;
  o["volumes_constraint"] = json::object{{"min_size", t.local_min}, {"max_size", t.local_max}};
  bool local = t.local_max > 0;
  o["per_volume_constraint"] = json::object{
      {"l_ssd", json::object{{"min_size", local ? kGB : 0}, {"max_size", local ? 800 * kGB : 0}}}};
  o["scratch_storage_max_size"] = t.scratch_max;
  o["scratch_storage_max_volumes_count"] = r.scratch_count;
  o["monthly_price"] = t.monthly_price;
  o["hourly_price"] = t.hourly_price;
  o["capabilities"] = json::object{{"boot_types", json::array{"local", "rescue"}},
                                   {"placement_groups", true},
                                   {"block_storage", true},
                                   {"hot_snapshots_local_volume", local},
                                   {"private_network", 8},
                                   {"max_file_systems", r.max_file_systems}};
  std::int64_t internal = r.internal_mbps * 1'000'000, internet = r.internet_mbps * 1'000'000;
  o["network"] =
      json::object{{"ipv6_support", true},
                   {"sum_internal_bandwidth", internal},
                   {"sum_internet_bandwidth", internet},
                   {"interfaces", json::array{json::object{{"internal_bandwidth", internal},
                                                           {"internet_bandwidth", internet}}}}};
  o["block_bandwidth"] = r.block_bandwidth;
  o["end_of_service"] = t.end_of_service;
  t.json = std::move(o);
  return t;
}

struct Catalogue {
  // zone -> types sold there, sorted by name (the API's map order).
  std::map<std::string, std::vector<std::unique_ptr<ServerType>>, std::less<>> owned;
  std::map<std::string, std::vector<const ServerType*>, std::less<>> by_zone;
  std::vector<const ServerType*> empty;

  Catalogue() {
    for (std::size_t zi = 0; zi < kZones.size(); ++zi) {
      auto zone = std::string(kZones[zi]);
      auto& own = owned[zone];
      for (auto& r : all_rows())
        if (r.zones & Z(static_cast<int>(zi)))
          own.push_back(std::make_unique<ServerType>(make_type(r, zone)));
      std::sort(own.begin(), own.end(), [](auto& a, auto& b) { return a->name < b->name; });
      auto& view = by_zone[zone];
      for (auto& t : own) view.push_back(t.get());
    }
  }
};

const Catalogue& catalogue() {
  static const Catalogue c;
  return c;
}

}  // namespace

const std::vector<const ServerType*>& server_types(std::string_view zone) {
  auto& c = catalogue();
  auto it = c.by_zone.find(zone);
  return it == c.by_zone.end() ? c.empty : it->second;
}

const ServerType* find_server_type(std::string_view zone, std::string_view name) {
  auto& types = server_types(zone);
  auto it = std::lower_bound(types.begin(), types.end(), name,
                             [](const ServerType* t, std::string_view n) { return t->name < n; });
  if (it != types.end() && (*it)->name == name) return *it;
  return nullptr;
}

std::string compute_sku(std::string_view type, std::string_view zone) {
  std::string name;
  for (char c : type)
    name += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string location = zone == "fr-par-1"   ? "par1"
                         : zone == "nl-ams-1" ? "ams1"
                                              : std::string(zone);
  return "/compute/" + name + "/run_" + location;
}

}  // namespace scwd::catalogue

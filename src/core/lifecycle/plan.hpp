// Reading a record's pending plan without the engine (the usage ledger asks when a record that is
// being removed entered its pseudo-state). Kept out of lifecycle.hpp, which most files include.
#pragma once

#include <optional>
#include <string_view>

#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::lifecycle {

// When r's pending plan enters `state`: the due time of its first step to that state; nullopt
// when no pending step does.
std::optional<Micros> entered_at(const store::Record& r, std::string_view state);

}  // namespace scwd::lifecycle

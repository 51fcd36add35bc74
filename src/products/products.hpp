// The products this scwd serves (src/products/products.cpp lists them).
#pragma once

#include <vector>

#include "core/app/context.hpp"

namespace scwd::products {

std::vector<app::ModuleFactory> all();

}  // namespace scwd::products

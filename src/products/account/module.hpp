#pragma once

#include <memory>

#include "core/app/context.hpp"

namespace scwd::products::account {

// Account API v3: projects, project qualification and contract signatures.
std::unique_ptr<app::Module> make_module();

}  // namespace scwd::products::account

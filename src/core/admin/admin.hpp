// The admin plane under /_scwd/: health without auth; the rest for the Owner's key only.
#pragma once

#include <memory>

#include "core/app/app.hpp"

namespace scwd::admin {

std::unique_ptr<app::Module> make_module(app::App& app);

}  // namespace scwd::admin

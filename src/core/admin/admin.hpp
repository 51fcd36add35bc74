// The admin plane under /_scwd/ (docs/admin.md): health without auth; whoami and explain for any
// organization's Owner about its own organization; the rest for the instance's operator.
#pragma once

#include <memory>

#include "core/app/app.hpp"

namespace scwd::admin {

std::unique_ptr<app::Module> make_module(app::App& app);

}  // namespace scwd::admin

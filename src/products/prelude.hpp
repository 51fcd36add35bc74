// The names every product's code uses, declared once for all of them: products live in
// scwd::products::<product>, where these are visible.
#pragma once

#include <boost/json.hpp>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/permissions.hpp"
#include "core/codec/input.hpp"
#include "core/http/message.hpp"
#include "core/store/store.hpp"

namespace scwd::products {

namespace json = boost::json;
using api::ApiError;
using api::ArgReason;
using api::Result;
using app::Access;
using app::Context;
using app::Permission;
using app::permissions;
using codec::Required;
using codec::Sent;
using codec::Uuid;
using http::Response;
using store::Column;
using store::Op;

}  // namespace scwd::products

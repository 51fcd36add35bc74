// What the Elastic Metal routes share: its bare error answers and catalogue lookups in the
// request's zone.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "products/baremetal/catalog.hpp"

namespace scwd::products::baremetal {

// The real API answers its own errors as a bare {"message": ...} (no type).
api::ApiError message(int status, std::string_view text);
api::ApiError not_found();  // 404 {"message": "Not Found"}

// An offer of the catalogue sold in the request's zone; not_found otherwise.
api::Result<const Offer*> zone_offer(const app::Context& ctx, const std::string& id);
// An OS of the catalogue; not_found otherwise.
api::Result<const Os*> known_os(const std::string& id);

// The kind of an option, as the one-of member Option, OfferOptionOffer and ServerOption carry.
void put_kind(boost::json::object& o, const Option& opt);

}  // namespace scwd::products::baremetal

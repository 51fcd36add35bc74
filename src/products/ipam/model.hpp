// IPAM internals shared by the handlers (module.cpp) and the contract (ipam.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/store/store.hpp"
#include "products/ipam/ipam.hpp"

namespace scwd::products::ipam {

// MAC addresses are stored and compared in upper case (to_upper).
// Unique key of a booked address inside a subnet.
std::string address_key(std::string_view subnet_id, std::string_view plain);
// {"type", "id", "mac_address" (uppercase | null), "name" (| null)}
boost::json::value resource_json(const Resource& r);
boost::json::object render_ip(const store::Record& ip);
// Makes `r` (id and times set) the booking `b` asks for, without writing it: checks, address
// chosen and keyed, owner, parent and body set.
std::optional<api::ApiError> fill_booking(store::Tx& tx, const app::Context& ctx, const Booking& b,
                                          store::Record& r);

}  // namespace scwd::products::ipam

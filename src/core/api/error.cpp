#include "core/api/error.hpp"

#include "core/http/message.hpp"

namespace scwd::api {

namespace json = boost::json;

std::string_view to_string(ArgReason r) {
  switch (r) {
    case ArgReason::kRequired:
      return "required";
    case ArgReason::kFormat:
      return "format";
    case ArgReason::kConstraint:
      return "constraint";
    case ArgReason::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view ApiError::type() const {
  if (auto it = body_.find("type"); it != body_.end() && it->value().is_string())
    return it->value().get_string();
  return {};
}

// The response encoder: strings that carry bytes from a request (a resource id from the path)
// are made valid UTF-8 there.
std::string ApiError::serialize() const { return http::to_json(body_); }

ApiError ApiError::invalid_arguments(std::vector<ArgumentDetail> details) {
  json::array arr;
  for (auto& d : details) {
    arr.push_back(json::object{{"argument_name", d.argument_name},
                               {"reason", to_string(d.reason)},
                               {"help_message", d.help_message}});
  }
  return ApiError(400, json::object{{"type", "invalid_arguments"},
                                    {"message", "invalid argument(s)"},
                                    {"details", std::move(arr)}});
}

ApiError ApiError::invalid_argument(std::string name, ArgReason reason, std::string help) {
  return invalid_arguments({ArgumentDetail{std::move(name), reason, std::move(help)}});
}

ApiError ApiError::constraint(std::string name, std::string help) {
  return invalid_argument(std::move(name), ArgReason::kConstraint, std::move(help));
}

ApiError ApiError::not_found(std::string_view resource, std::string_view resource_id) {
  return ApiError(404, json::object{{"type", "not_found"},
                                    {"message", "resource is not found"},
                                    {"resource", resource},
                                    {"resource_id", resource_id}});
}

ApiError ApiError::denied_authentication(std::string_view method, std::string_view reason) {
  return ApiError(401, json::object{{"type", "denied_authentication"},
                                    {"message", "authentication is denied"},
                                    {"method", method},
                                    {"reason", reason}});
}

ApiError ApiError::permissions_denied(std::vector<Permission> details) {
  json::array arr;
  for (auto& d : details)
    arr.push_back(json::object{{"action", d.action}, {"resource", d.resource}});
  return ApiError(403, json::object{{"type", "permissions_denied"},
                                    {"message", "insufficient permissions"},
                                    {"details", std::move(arr)}});
}

ApiError ApiError::quotas_exceeded(std::vector<QuotaDetail> details) {
  json::array arr;
  for (auto& d : details) {
    json::object o{{"resource", d.resource}, {"quota", d.quota}, {"current", d.current}};
    if (!d.organization_id.empty()) o["organization_id"] = d.organization_id;
    if (!d.project_id.empty()) o["project_id"] = d.project_id;
    arr.push_back(std::move(o));
  }
  return ApiError(403, json::object{{"type", "quotas_exceeded"},
                                    {"message", "quota(s) exceeded for this resource"},
                                    {"details", std::move(arr)}});
}

ApiError ApiError::transient_state(std::string_view resource, std::string_view resource_id,
                                   std::string_view current_state) {
  return ApiError(409, json::object{{"type", "transient_state"},
                                    {"message", "resource is in a transient state"},
                                    {"resource", resource},
                                    {"resource_id", resource_id},
                                    {"current_state", current_state}});
}

ApiError ApiError::locked(std::string_view resource, std::string_view resource_id) {
  return ApiError(423, json::object{{"type", "locked"},
                                    {"message", "resource is locked"},
                                    {"resource", resource},
                                    {"resource_id", resource_id}});
}

ApiError ApiError::precondition_failed(std::string_view precondition, std::string_view help) {
  return ApiError(412, json::object{{"type", "precondition_failed"},
                                    {"message", "precondition is not respected"},
                                    {"precondition", precondition},
                                    {"help_message", help}});
}

ApiError ApiError::already_exists(std::string_view resource, std::string_view resource_id,
                                  std::string_view help) {
  return ApiError(409, json::object{{"type", "already_exists"},
                                    {"message", "resource already exists"},
                                    {"resource", resource},
                                    {"resource_id", resource_id},
                                    {"help_message", help}});
}

ApiError ApiError::out_of_stock(std::string_view resource) {
  return ApiError(503, json::object{{"type", "out_of_stock"},
                                    {"message", "resource is out of stock"},
                                    {"resource", resource}});
}

ApiError ApiError::expired(std::string_view resource, std::string_view resource_id,
                           std::string_view expired_since) {
  return ApiError(410, json::object{{"type", "expired"},
                                    {"message", "resource has expired"},
                                    {"resource", resource},
                                    {"resource_id", resource_id},
                                    {"expired_since", expired_since}});
}

ApiError ApiError::too_many_requests(std::string_view help, std::int64_t quota,
                                     std::int64_t window_seconds, std::int64_t reset_seconds) {
  return ApiError(
      429,
      json::object{{"type", "too_many_requests"},
                   {"message", "too many requests"},
                   {"help_message", help},
                   {"limit", json::object{{"quota", quota}, {"window_seconds", window_seconds}}},
                   {"reset_seconds", reset_seconds}});
}

ApiError ApiError::legacy_invalid_request(std::string_view message) {
  return ApiError(400, json::object{{"type", "invalid_request_error"}, {"message", message}});
}

ApiError ApiError::unknown_resource(std::string_view message) {
  return ApiError(404, json::object{{"type", "unknown_resource"}, {"message", message}});
}

ApiError ApiError::conflict(std::string_view message) {
  return ApiError(409, json::object{{"type", "conflict"}, {"message", message}});
}

ApiError ApiError::route_not_found(std::string_view method, std::string_view path) {
  std::string msg = "no such endpoint: ";
  msg += method;
  msg += ' ';
  msg += path;
  return ApiError(404, json::object{{"type", "not_found"},
                                    {"message", msg},
                                    {"resource", "endpoint"},
                                    {"resource_id", path}});
}

ApiError ApiError::method_not_allowed(std::string_view method, std::string_view path) {
  std::string msg = "method ";
  msg += method;
  msg += " is not allowed on ";
  msg += path;
  return ApiError(405, json::object{{"type", "method_not_allowed"}, {"message", msg}});
}

ApiError ApiError::not_implemented(std::string_view operation, std::string_view method,
                                   std::string_view path) {
  std::string msg = "operation ";
  msg += operation;
  msg += " (";
  msg += method;
  msg += ' ';
  msg += path;
  msg += ") is not implemented by scwd yet";
  return ApiError(
      501, json::object{{"type", "not_implemented"}, {"message", msg}, {"operation", operation}});
}

ApiError ApiError::api_not_served(std::string_view api, std::string_view title,
                                  std::string_view method, std::string_view path) {
  std::string msg = "the ";
  msg += title;
  msg += " API (";
  msg += api;
  msg += ") is not served by scwd: ";
  msg += method;
  msg += ' ';
  msg += path;
  return ApiError(501, json::object{{"type", "not_implemented"}, {"message", msg}, {"api", api}});
}

ApiError ApiError::payload_too_large(std::uint64_t limit) {
  return ApiError(413, json::object{{"type", "request_entity_too_large"},
                                    {"message", "request body is larger than " +
                                                    std::to_string(limit) + " bytes"}});
}

ApiError ApiError::headers_too_large() {
  return ApiError(431, json::object{{"type", "request_header_fields_too_large"},
                                    {"message", "request header fields are too large"}});
}

ApiError ApiError::unsupported_media_type(std::string_view content_type) {
  std::string msg = "unsupported content type: ";
  msg += content_type;
  return ApiError(415, json::object{{"type", "unsupported_media_type"}, {"message", msg}});
}

ApiError ApiError::internal(std::string_view request_id) {
  std::string msg = "internal error, request id ";
  msg += request_id;
  return ApiError(500, json::object{{"type", "internal_error"}, {"message", msg}});
}

ApiError ApiError::unavailable(std::string_view message) {
  return ApiError(503, json::object{{"type", "service_unavailable"}, {"message", message}});
}

}  // namespace scwd::api

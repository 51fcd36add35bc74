// ApiError: every error scwd answers, in Scaleway's exact JSON shapes. Handlers
// return Result<T>; one renderer (render()) turns an ApiError into the HTTP answer.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

namespace scwd::api {

enum class ArgReason { kRequired, kFormat, kConstraint, kUnknown };
std::string_view to_string(ArgReason r);

struct ArgumentDetail {
  std::string argument_name;
  ArgReason reason;
  std::string help_message;
};

struct QuotaDetail {
  std::string resource;
  std::int64_t quota;
  std::int64_t current;
  std::string organization_id;  // one of organization_id / project_id, empty when unset
  std::string project_id;
};

class ApiError {
 public:
  ApiError(int status, boost::json::object body) : status_(status), body_(std::move(body)) {}

  int status() const { return status_; }
  const boost::json::object& body() const { return body_; }
  std::string_view type() const;
  std::string serialize() const;

  // 400 invalid_arguments
  static ApiError invalid_arguments(std::vector<ArgumentDetail> details);
  static ApiError invalid_argument(std::string name, ArgReason reason, std::string help);
  // The same, for a value that breaks a rule of the API (reason "constraint").
  static ApiError constraint(std::string name, std::string help);
  // 404 not_found
  static ApiError not_found(std::string_view resource, std::string_view resource_id);
  // 401 denied_authentication; method: api_key|jwt|unknown_method;
  // reason: invalid_argument|not_found|expired|unknown_reason
  static ApiError denied_authentication(std::string_view method, std::string_view reason);
  // 403 permissions_denied with {action, resource} details
  struct Permission {
    std::string action;
    std::string resource;
  };
  static ApiError permissions_denied(std::vector<Permission> details);
  // 403 quotas_exceeded
  static ApiError quotas_exceeded(std::vector<QuotaDetail> details);
  // 409 transient_state
  static ApiError transient_state(std::string_view resource, std::string_view resource_id,
                                  std::string_view current_state);
  // 423 locked
  static ApiError locked(std::string_view resource, std::string_view resource_id);
  // 412 precondition_failed; precondition: resource_still_in_use|attribute_must_be_set|
  // protected_resource|resource_not_usable|unknown_precondition
  static ApiError precondition_failed(std::string_view precondition, std::string_view help);
  // 409 already_exists
  static ApiError already_exists(std::string_view resource, std::string_view resource_id,
                                 std::string_view help);
  // 503 out_of_stock
  static ApiError out_of_stock(std::string_view resource);
  // 410 expired
  static ApiError expired(std::string_view resource, std::string_view resource_id,
                          std::string_view expired_since);
  // 429 too_many_requests
  static ApiError too_many_requests(std::string_view help, std::int64_t quota,
                                    std::int64_t window_seconds, std::int64_t reset_seconds);
  // Legacy Instance shapes
  static ApiError legacy_invalid_request(std::string_view message);  // 400 invalid_request_error
  static ApiError unknown_resource(std::string_view message);        // 404 unknown_resource
  static ApiError conflict(std::string_view message);                // 409 conflict
  // Transport-level and routing errors (JSON bodies in the same style)
  static ApiError route_not_found(std::string_view method, std::string_view path);     // 404
  static ApiError method_not_allowed(std::string_view method, std::string_view path);  // 405
  static ApiError not_implemented(std::string_view operation, std::string_view method,
                                  std::string_view path);  // 501
  // 501 for one of the platform's APIs that scwd does not build ("lb/v1", "Load Balancer").
  static ApiError api_not_served(std::string_view api, std::string_view title,
                                 std::string_view method, std::string_view path);
  static ApiError payload_too_large(std::uint64_t limit);                 // 413
  static ApiError headers_too_large();                                    // 431
  static ApiError unsupported_media_type(std::string_view content_type);  // 415
  static ApiError internal(std::string_view request_id);                  // 500
  static ApiError unavailable(std::string_view message);                  // 503

 private:
  int status_;
  boost::json::object body_;
};

template <typename T>
using Result = tl::expected<T, ApiError>;

inline tl::unexpected<ApiError> fail(ApiError e) { return tl::unexpected<ApiError>(std::move(e)); }

}  // namespace scwd::api

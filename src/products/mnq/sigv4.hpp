// AWS Signature Version 4 as the SQS and SNS endpoints check it: the Authorization header's
// credential scope, signed headers and signature, recomputed over the canonical request.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/message.hpp"

namespace scwd::products::mnq {

struct SigV4 {
  std::string access_key;
  std::string date;     // yyyymmdd of the scope
  std::string region;   // of the scope
  std::string service;  // of the scope
  std::vector<std::string> signed_headers;
  std::string signature;
};

// What was wrong with a request's signature: the AWS error code and its message.
struct SigError {
  int status = 403;
  std::string code;
  std::string message;
};

// The parsed Authorization header; nullopt when it is not an AWS4-HMAC-SHA256 one.
std::optional<SigV4> parse_authorization(std::string_view header);

// Checks the request's signature with the secret of its access key (`secret_of` answers nullopt
// for an unknown key). `now_seconds`: wall-clock time, for the 15-minute skew check.
std::optional<SigError> verify_sigv4(
    const http::Request& req, std::string_view service,
    const std::function<std::optional<std::string>(std::string_view access_key)>& secret_of,
    std::int64_t now_seconds, std::string* access_key_out);

// RFC 3986 percent-encoding of everything but unreserved characters (what SigV4 canonicalises).
std::string uri_encode(std::string_view s, bool keep_slash = false);

}  // namespace scwd::products::mnq

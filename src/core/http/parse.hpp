// Reading one HTTP/1.1 request out of a complete buffer, with the parser settings of the server's
// sessions (Beast, body and header limits) and the same conversion into a Request, so that the
// request path can be unit-tested and fuzzed without a socket. The sessions (server.cpp) read
// from the socket step by step; what they check after the header section must be checked here
// too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/http/message.hpp"

namespace scwd::http {

struct ParseLimits {
  std::uint64_t body_limit = 1024 * 1024;
  std::uint32_t header_limit = 16 * 1024;
};

struct ParseOutcome {
  enum class Kind {
    kRequest,     // one complete request (request, keep_alive, target_ok are set)
    kIncomplete,  // the bytes end before the request does
    kError,       // the bytes cannot be a request: answer `status` and close
  } kind = Kind::kIncomplete;
  int status = 0;   // kError: 400, 413, 431 or 501 (framing)
  Request request;  // kRequest
  bool keep_alive = false;
  bool target_ok = false;    // false: the query's percent-encoding is malformed (answer 400)
  std::size_t consumed = 0;  // bytes of `bytes` the request (or the error) took
};

ParseOutcome parse_request(std::string_view bytes, const ParseLimits& limits = {});

}  // namespace scwd::http

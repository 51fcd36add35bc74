// Internal to src/core/http/: the Beast side of reading a request, shared by the server's sessions
// (server.cpp) and parse_request() (parse.cpp) so that both read requests identically.
#pragma once

#include <boost/beast/http.hpp>

#include "core/http/message.hpp"

namespace scwd::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Moves a parsed message into `out` (method, target, path, query, headers, body). Returns false
// when the query's percent-encoding is malformed (the request must be answered 400).
bool to_request(BeastRequest&& in, Request& out);

// The answer to a parse error that is not about the connection (end of stream, timeout): 413 for
// a body over the limit, 431 for headers over the limit, else 400.
int status_of_parse_error(const boost::beast::error_code& ec);

}  // namespace scwd::http

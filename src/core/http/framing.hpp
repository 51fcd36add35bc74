// Message framing of an HTTP/1.x request (RFC 9112 section 6): which of Transfer-Encoding and
// Content-Length delimit the body, and whether the combination is one a server must refuse.
// A request whose framing is refused is answered and its connection closed: any bytes after its
// header block could be read differently by another hop (request smuggling).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scwd::http {

struct FramingVerdict {
  int status = 0;      // 0: acceptable; else 400 (faulty framing) or 501 (unknown coding)
  std::string reason;  // for the error body, empty when acceptable
  bool ok() const { return status == 0; }
};

// `version` is 10 or 11; `transfer_encoding` and `content_length` hold the value of every field
// of that name, in order. Only "chunked" is implemented as a transfer coding.
//   - Transfer-Encoding in an HTTP/1.0 request, or together with Content-Length: 400.
//   - Transfer-Encoding whose final coding is not chunked, chunked applied twice, an empty or
//     syntactically invalid coding list, chunked with parameters: 400.
//   - Another coding (gzip, ...) under a final chunked: 501 (we decode none).
//   - Content-Length that is not one non-negative decimal that fits 64 bits, including repeated
//     fields or lists, even of identical values ("5, 5"): 400.
FramingVerdict check_framing(unsigned version,
                             const std::vector<std::string_view>& transfer_encoding,
                             const std::vector<std::string_view>& content_length);

}  // namespace scwd::http

#include "core/http/framing.hpp"

#include <cstdint>
#include <limits>

#include "core/http/message.hpp"

namespace scwd::http {

namespace {

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The non-empty elements of comma-separated field values (RFC 9110 section 5.6.1: empty list
// elements are allowed and ignored). A comma inside a quoted string is not a separator.
std::vector<std::string_view> list_elements(const std::vector<std::string_view>& values) {
  std::vector<std::string_view> out;
  for (auto v : values) {
    std::size_t start = 0;
    bool quoted = false;
    for (std::size_t i = 0; i <= v.size(); ++i) {
      if (i < v.size()) {
        char c = v[i];
        if (quoted && c == '\\') {
          ++i;
          continue;
        }
        if (c == '"') quoted = !quoted;
        if (quoted || c != ',') continue;
      }
      auto e = trim_ows(v.substr(start, i - start));
      if (!e.empty()) out.push_back(e);
      start = i + 1;
    }
  }
  return out;
}

FramingVerdict refuse(int status, std::string reason) { return {status, std::move(reason)}; }

}  // namespace

FramingVerdict check_framing(unsigned version,
                             const std::vector<std::string_view>& transfer_encoding,
                             const std::vector<std::string_view>& content_length) {
  if (!transfer_encoding.empty()) {
    // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (version < 11) return refuse(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
    // RFC 9112 6.1 and 6.3: both present is a smuggling attempt more often than not; reject.
    if (!content_length.empty())
      return refuse(400, "Transfer-Encoding and Content-Length must not both be present");
    auto codings = list_elements(transfer_encoding);
    if (codings.empty()) return refuse(400, "Transfer-Encoding is empty");
    for (std::size_t i = 0; i < codings.size(); ++i) {
      auto c = codings[i];
      auto semi = c.find(';');
      auto name = trim_ows(c.substr(0, semi));
      if (name.empty()) return refuse(400, "invalid Transfer-Encoding");
      for (char ch : name)
        if (!is_tchar(ch)) return refuse(400, "invalid Transfer-Encoding");
      bool last = i + 1 == codings.size();
      if (iequals(name, "chunked")) {
        if (semi != std::string_view::npos)
          return refuse(400, "the chunked transfer coding takes no parameters");
        if (!last) return refuse(400, "chunked must be the final transfer coding, applied once");
      } else if (last) {
        // RFC 9112 6.3: the length of such a request cannot be determined.
        return refuse(400, "the final transfer coding of a request must be chunked");
      } else {
        return refuse(501, "transfer coding '" + std::string(name) + "' is not implemented");
      }
    }
    return {};
  }
  if (content_length.empty()) return {};
  auto values = list_elements(content_length);
  // Repeated values, even identical ones, are refused: RFC 9110 8.6 lets a recipient either
  // reject or collapse them, and a hop that reads them otherwise would frame the body otherwise.
  if (values.size() != 1 || content_length.size() != 1)
    return refuse(400, "Content-Length must be given once, as a single value");
  auto v = values.front();
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return refuse(400, "Content-Length is not a non-negative integer");
    auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
      return refuse(400, "Content-Length is too large");
    n = n * 10 + d;
  }
  return {};
}

}  // namespace scwd::http

#include "core/http/parse.hpp"

#include <boost/asio/buffer.hpp>

#include "core/http/beast_glue.hpp"

namespace scwd::http {

namespace bhttp = boost::beast::http;

namespace {
std::string_view to_sv(boost::beast::string_view s) { return {s.data(), s.size()}; }
}  // namespace

bool to_request(BeastRequest&& in, Request& out) {
  out.method = std::string(to_sv(in.method_string()));
  out.target = std::string(to_sv(in.target()));
  bool target_ok = parse_target(out.target, out.path, out.query);
  out.headers.clear();
  for (auto& f : in) out.headers.emplace_back(to_sv(f.name_string()), to_sv(f.value()));
  out.body = std::move(in.body());
  return target_ok;
}

int status_of_parse_error(const boost::beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  return 400;
}

ParseOutcome parse_request(std::string_view bytes, const ParseLimits& limits) {
  ParseOutcome out;
  BeastRequestParser parser;
  parser.body_limit(limits.body_limit);
  parser.header_limit(limits.header_limit);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done()) {
    std::size_t n =
        parser.put(boost::asio::const_buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      if (n == 0 || used == bytes.size()) {
        out.kind = ParseOutcome::Kind::kIncomplete;
        out.consumed = used;
        return out;
      }
      ec = {};
      continue;
    }
    if (!ec && n == 0) {  // no progress without an error: the bytes end inside the body
      out.kind = ParseOutcome::Kind::kIncomplete;
      out.consumed = used;
      return out;
    }
    if (ec) {
      out.kind = ParseOutcome::Kind::kError;
      out.status = status_of_parse_error(ec);
      out.consumed = used;
      return out;
    }
  }
  out.kind = ParseOutcome::Kind::kRequest;
  out.consumed = used;
  auto msg = parser.release();
  out.keep_alive = msg.keep_alive();
  out.target_ok = to_request(std::move(msg), out.request);
  return out;
}

}  // namespace scwd::http

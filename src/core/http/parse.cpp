#include "core/http/parse.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <vector>

#include "core/http/framing.hpp"

namespace scwd::http {

namespace bhttp = boost::beast::http;

namespace {

std::string_view to_sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// As the server's sessions answer a parse error that is not about the connection.
int status_of(const boost::beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  return 400;
}

}  // namespace

ParseOutcome parse_request(std::string_view bytes, const ParseLimits& limits) {
  ParseOutcome out;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(limits.body_limit);
  parser.header_limit(limits.header_limit);
  boost::beast::error_code ec;
  std::size_t used = 0;
  bool headers_taken = false;
  auto stop = [&](ParseOutcome::Kind kind) {
    out.kind = kind;
    out.consumed = used;
    if (kind == ParseOutcome::Kind::kError) out.status = status_of(ec);
    return std::move(out);
  };
  while (!parser.is_done()) {
    std::size_t n =
        parser.put(boost::asio::const_buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (parser.is_header_done() && !headers_taken) {
      // The header section as it ended (trailers of a chunked body are not merged into it).
      headers_taken = true;
      const auto& h = parser.get();
      std::vector<std::string_view> te, cl;
      for (auto& f : h) {
        if (f.name() == bhttp::field::transfer_encoding) te.push_back(to_sv(f.value()));
        if (f.name() == bhttp::field::content_length) cl.push_back(to_sv(f.value()));
        out.request.headers.emplace_back(to_sv(f.name_string()), to_sv(f.value()));
      }
      out.keep_alive = h.keep_alive();
      // As the sessions do: a refused framing ends the connection before any body is read.
      if (auto verdict = check_framing(h.version(), te, cl); !verdict.ok()) {
        out.kind = ParseOutcome::Kind::kError;
        out.status = verdict.status;
        out.consumed = used;
        return out;
      }
    }
    if (ec == bhttp::error::need_more) {
      if (n == 0 || used == bytes.size()) return stop(ParseOutcome::Kind::kIncomplete);
      ec = {};
      continue;
    }
    if (ec) return stop(ParseOutcome::Kind::kError);
    // No progress without an error: the bytes end inside the body.
    if (n == 0 && !parser.is_done()) return stop(ParseOutcome::Kind::kIncomplete);
  }
  auto msg = parser.release();
  out.request.method = std::string(to_sv(msg.method_string()));
  out.request.target = std::string(to_sv(msg.target()));
  out.target_ok = parse_target(out.request.target, out.request.path, out.request.query);
  out.request.body = std::move(msg.body());
  return stop(ParseOutcome::Kind::kRequest);
}

}  // namespace scwd::http

#include "products/mnq/sigv4.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include "core/util/crypto.hpp"
#include "products/mnq/crypto.hpp"

namespace scwd::products::mnq {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, bool plus_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else if (plus_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Header values as signed: trimmed, inner runs of spaces folded to one.
std::string fold(std::string_view v) {
  v = trim(v);
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Seconds since the epoch of an ISO 8601 basic time (yyyymmddThhmmssZ); nullopt if malformed.
std::optional<std::int64_t> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  std::tm tm{};
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 ||
      tm.tm_sec < 0)
    return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string canonical_query(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::vector<std::pair<std::string, std::string>> items;
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto k = percent_decode(part.substr(0, eq), false);
    auto v =
        eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1), false);
    items.emplace_back(uri_encode(k), uri_encode(v));
  }
  std::sort(items.begin(), items.end());
  std::string out;
  for (auto& [k, v] : items) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

// The path as SigV4 signs it for services other than S3: each segment normalised and encoded
// twice (the SDKs encode the already-encoded path once more).
std::string canonical_path(std::string_view path) {
  if (path.empty()) return "/";
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      out.push_back('/');
      ++i;
      continue;
    }
    auto end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out += uri_encode(uri_encode(percent_decode(path.substr(i, end - i), false)));
    i = end;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xf]);
    }
  }
  return out;
}

std::optional<SigV4> parse_authorization(std::string_view h) {
  constexpr std::string_view kAlg = "AWS4-HMAC-SHA256 ";
  if (!h.starts_with(kAlg)) return std::nullopt;
  h.remove_prefix(kAlg.size());
  SigV4 s;
  std::string credential;
  std::string signed_headers;
  while (!h.empty()) {
    auto comma = h.find(',');
    auto part = trim(h.substr(0, comma));
    h = comma == std::string_view::npos ? std::string_view{} : h.substr(comma + 1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    auto k = part.substr(0, eq);
    auto v = part.substr(eq + 1);
    if (k == "Credential") credential = v;
    if (k == "SignedHeaders") signed_headers = v;
    if (k == "Signature") s.signature = v;
  }
  // AK/yyyymmdd/region/service/aws4_request
  std::vector<std::string> scope;
  std::string_view c = credential;
  while (true) {
    auto slash = c.find('/');
    scope.emplace_back(c.substr(0, slash));
    if (slash == std::string_view::npos) break;
    c = c.substr(slash + 1);
  }
  if (scope.size() != 5 || scope[4] != "aws4_request" || s.signature.empty() ||
      signed_headers.empty())
    return std::nullopt;
  s.access_key = scope[0];
  s.date = scope[1];
  s.region = scope[2];
  s.service = scope[3];
  std::string_view sh = signed_headers;
  while (!sh.empty()) {
    auto semi = sh.find(';');
    s.signed_headers.push_back(lower(sh.substr(0, semi)));
    sh = semi == std::string_view::npos ? std::string_view{} : sh.substr(semi + 1);
  }
  return s;
}

std::optional<SigError> verify_sigv4(
    const http::Request& req, std::string_view service,
    const std::function<std::optional<std::string>(std::string_view)>& secret_of,
    std::int64_t now_seconds, std::string* access_key_out) {
  auto* auth = req.header("Authorization");
  if (!auth)
    return SigError{403, "MissingAuthenticationToken", "Request is missing Authentication Token"};
  auto sig = parse_authorization(*auth);
  if (!sig)
    return SigError{400, "IncompleteSignature",
                    "Authorization header requires Credential, SignedHeaders and Signature "
                    "parameters of an AWS4-HMAC-SHA256 signature."};
  if (sig->service != service)
    return SigError{
        403, "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: '" + std::string(service) + "'."};
  auto secret = secret_of(sig->access_key);
  if (!secret)
    return SigError{403, "InvalidClientTokenId",
                    "The security token included in the request is invalid."};
  auto* amz_date = req.header("X-Amz-Date");
  auto when = amz_date ? parse_amz_date(*amz_date) : std::nullopt;
  if (!when || amz_date->substr(0, 8) != sig->date)
    return SigError{400, "IncompleteSignature",
                    "X-Amz-Date is missing or does not match the scope."};
  if (*when > now_seconds + 15 * 60 || *when < now_seconds - 15 * 60)
    return SigError{403, "SignatureDoesNotMatch",
                    "Signature expired: " + *amz_date + " is not within 15 minutes of now."};
  if (std::find(sig->signed_headers.begin(), sig->signed_headers.end(), "host") ==
      sig->signed_headers.end())
    return SigError{403, "SignatureDoesNotMatch", "The host header must be signed."};

  std::string canonical =
      req.method + "\n" + canonical_path(req.path) + "\n" + canonical_query(req.target) + "\n";
  for (auto& name : sig->signed_headers) {
    std::string values;
    for (auto& [k, v] : req.headers) {
      if (lower(k) != name) continue;
      values += (values.empty() ? "" : ",") + fold(v);
    }
    canonical += name + ":" + values + "\n";
  }
  std::string joined;
  for (auto& name : sig->signed_headers) joined += (joined.empty() ? "" : ";") + name;
  canonical += "\n" + joined + "\n";
  auto* payload_hash = req.header("X-Amz-Content-Sha256");
  canonical +=
      payload_hash && *payload_hash != "UNSIGNED-PAYLOAD" ? *payload_hash : sha256_hex(req.body);
  if (payload_hash && *payload_hash != "UNSIGNED-PAYLOAD" && *payload_hash != sha256_hex(req.body))
    return SigError{400, "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed."};

  std::string scope = sig->date + "/" + sig->region + "/" + sig->service + "/aws4_request";
  std::string to_sign =
      "AWS4-HMAC-SHA256\n" + *amz_date + "\n" + scope + "\n" + sha256_hex(canonical);
  auto k = hmac_sha256("AWS4" + *secret, sig->date);
  k = hmac_sha256(k, sig->region);
  k = hmac_sha256(k, sig->service);
  k = hmac_sha256(k, "aws4_request");
  auto expected = hex(hmac_sha256(k, to_sign));
  if (!constant_time_equal(expected, lower(sig->signature)))
    return SigError{403, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method."};
  if (access_key_out) *access_key_out = sig->access_key;
  return std::nullopt;
}

}  // namespace scwd::products::mnq

#include "core/util/dns.hpp"

#include <cstddef>

namespace scwd {

bool is_domain_name(std::string_view h, bool dotted) {
  if (h.empty() || h.size() > 253) return false;
  if (h.back() == '.') h.remove_suffix(1);
  std::size_t label = 0;
  bool dot = false;
  for (std::size_t i = 0; i < h.size(); ++i) {
    char c = h[i];
    if (c == '.') {
      if (label == 0 || h[i - 1] == '-') return false;
      label = 0;
      dot = true;
      continue;
    }
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && label == 0) || ++label > 63) return false;
  }
  return (dot || !dotted) && label > 0 && h.back() != '-';
}

}  // namespace scwd

// The names most declarations follow, so that a declaration states only what differs.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/resource/resource.hpp"

namespace scwd::resource {

// `s` with its kind, error name (`resource`), permissions and one collection; where `s` leaves
// them empty: the record parameter "<resource>_id" and the list key, the collection's last
// segment with dashes as underscores (".../ssh-keys" lists "ssh_keys"). The locality is the one
// the collection's {zone} or {region} names.
inline Spec named(std::string_view kind, std::string resource, std::string collection,
                  app::Permission read, app::Permission write, Spec s = {}) {
  s.kind = std::string(kind);
  if (s.id_param.empty()) s.id_param = resource + "_id";
  s.resource = std::move(resource);
  if (s.list_key.empty()) {
    s.list_key = collection.substr(collection.rfind('/') + 1);
    for (auto& c : s.list_key)
      if (c == '-') c = '_';
  }
  if (collection.find("{zone}") != std::string::npos) s.locality = Locality::kZone;
  if (collection.find("{region}") != std::string::npos) s.locality = Locality::kRegion;
  s.collections = {std::move(collection)};
  s.read = read;
  s.write = write;
  return s;
}

}  // namespace scwd::resource

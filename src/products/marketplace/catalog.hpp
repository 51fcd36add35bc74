// The public image catalogue shared by Marketplace v2 and Instance: categories, images, their
// versions and the per-zone "local images" (one per zone x arch x storage type). A local image
// id IS the Instance public image id, as on the real platform. Static data, built once.
// Owner: the Marketplace work (catalog.cpp). Instance reads it through these functions only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/time.hpp"

namespace scwd::products::marketplace {

// The organization that owns Scaleway's public images.
inline constexpr std::string_view kPublicOrganization = "51b656e3-4865-41e8-adbc-0c45bdd780db";

struct LocalImage {
  std::string id;                // uuid, stable across runs; = the Instance image id
  std::string zone;              // "fr-par-1"
  std::string arch;              // "x86_64" | "arm64"
  std::string type;              // "instance_local" | "instance_sbs"
  std::string label;             // "ubuntu_jammy"
  std::string image_id;          // marketplace image id
  std::string version_id;        // marketplace version id
  std::string name;              // the version's display name: "Ubuntu 22.04 Jammy Jellyfish"
  std::string root_snapshot_id;  // uuid of the public snapshot backing the root volume
  std::int64_t root_size = 0;    // bytes (l_ssd images); 0 for instance_sbs (as observed)
  std::vector<std::string> compatible_commercial_types;
  Micros created_at = 0;
  Micros updated_at = 0;
};

const std::vector<LocalImage>& local_images();
const LocalImage* find_local_image(std::string_view id);
// A public snapshot id (root_snapshot_id of a local image) -> that local image, else nullptr.
const LocalImage* find_by_root_snapshot(std::string_view snapshot_id);
// Resolves a label the way the clients do (latest version of the image with that label in the
// zone; arch / type narrow the choice when not empty; instance_sbs is preferred when the type
// is not given and both exist). nullptr when nothing matches.
const LocalImage* resolve_label(std::string_view label, std::string_view zone,
                                std::string_view arch = {}, std::string_view type = {});

}  // namespace scwd::products::marketplace

// The public image catalogue shared by Marketplace v2 and Instance: categories, images, their
// versions and the per-zone "local images" (one per zone x arch x storage type). A local image
// id IS the Instance public image id, as on the real platform. Static data, built once.
// Served by Marketplace v2; Instance and Block read it through these functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/time.hpp"

namespace scwd::catalogue {

// The organization that owns Scaleway's public images.
inline constexpr std::string_view kPublicOrganization = "51b656e3-4865-41e8-adbc-0c45bdd780db";

struct LocalImage {
  std::string id;                  // uuid, stable across runs; = the Instance image id
  std::string zone;                // "fr-par-1"
  std::string arch;                // "x86_64" | "arm64"
  std::string type;                // "instance_local" | "instance_sbs"
  std::string label;               // "ubuntu_jammy"
  std::string image_id;            // marketplace image id
  std::string version_id;          // marketplace version id
  std::string name;                // the version's display name: "Ubuntu 22.04 Jammy Jellyfish"
  std::string root_snapshot_id;    // uuid of the public snapshot backing the root volume
  std::int64_t root_size = 0;      // bytes (l_ssd images); 0 for instance_sbs (as observed)
  std::int64_t snapshot_size = 0;  // bytes of the backing snapshot, for either type (10 GB)
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

// ---- the Marketplace v2 catalogue itself (categories, images, versions) ----

struct Category {
  std::string id;
  std::string name;  // "distribution", "instantapp", "kapsule", "Machine Learning"
  std::string description;
};

struct Image {
  std::string id;
  std::string label;
  std::string name;
  std::string description;
  std::string logo;
  std::vector<std::string> categories;  // category names
  Micros created_at = 0;
  Micros updated_at = 0;
  Micros valid_until = 0;  // 0: not end-of-life (null)
};

struct Version {
  std::string id;
  std::string image_id;
  std::string name;  // publication stamp, e.g. "2025-09-12T09:19:27.841572+00:00"
  Micros created_at = 0;
  Micros updated_at = 0;
  Micros published_at = 0;
};

const std::vector<Category>& categories();
const std::vector<Image>& images();      // in catalogue order
const std::vector<Version>& versions();  // every image's versions, oldest first per image
const Category* find_category(std::string_view id);
const Image* find_image(std::string_view id);
const Image* find_image_by_label(std::string_view label);
const Version* find_version(std::string_view id);
// The newest version of an image (nullptr for an unknown image).
const Version* latest_version(std::string_view image_id);
// Local images of the newest version of an image, every zone.
std::vector<const LocalImage*> latest_local_images(std::string_view image_id);
// Local images of one version, every zone.
std::vector<const LocalImage*> version_local_images(std::string_view version_id);
// True when the local image can boot that commercial type.
bool is_compatible(const LocalImage& image, std::string_view commercial_type);

}  // namespace scwd::catalogue

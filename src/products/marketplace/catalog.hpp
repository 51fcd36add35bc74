// The public image catalogue Marketplace v2 serves (products/catalogue/images.hpp), under the
// names Marketplace's code uses.
#pragma once

#include "products/catalogue/images.hpp"

namespace scwd::products::marketplace {

using catalogue::categories;
using catalogue::Category;
using catalogue::find_by_root_snapshot;
using catalogue::find_category;
using catalogue::find_image;
using catalogue::find_image_by_label;
using catalogue::find_local_image;
using catalogue::find_version;
using catalogue::Image;
using catalogue::images;
using catalogue::is_compatible;
using catalogue::kPublicOrganization;
using catalogue::latest_local_images;
using catalogue::latest_version;
using catalogue::local_images;
using catalogue::LocalImage;
using catalogue::resolve_label;
using catalogue::Version;
using catalogue::version_local_images;
using catalogue::versions;

}  // namespace scwd::products::marketplace

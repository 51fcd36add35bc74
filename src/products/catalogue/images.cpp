#include "products/catalogue/images.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "products/catalogue/server_types.hpp"

namespace scwd::catalogue {

namespace {

constexpr std::int64_t kGB = 1'000'000'000;

// A UUID (v4 layout) derived from a name: the same catalogue gives the same ids on every run, so
// servers keep pointing at valid image ids across restarts.
std::string stable_uuid(std::string_view name) {
  return name_uuid("scwd/marketplace/" + std::string(name));
}

Micros at(std::string_view s) { return parse_time(s).value_or(0); }

// Which commercial types an image boots: the classes of the instance catalogue.
enum class Fit {
  kLocalX86,  // x86 types with local storage (DEV1, GP1, START1, VC1, X64, STARDUST1)
  kSbsX86,    // x86 types without GPU, Windows licence excluded
  kSbsArm,    // arm64 types (COPARM1, BASIC2-A, STANDARD2-A)
  kGpu,       // GPU types (L4, L40S, H100, B300, RENDER, GPU-3070)
  kWindows,   // the -WIN types (licence included)
};

struct Variant {
  Fit fit;
  const char* arch;
  const char* type;
};
constexpr Variant kLocalX86{Fit::kLocalX86, "x86_64", "instance_local"};
constexpr Variant kSbsX86{Fit::kSbsX86, "x86_64", "instance_sbs"};
constexpr Variant kSbsArm{Fit::kSbsArm, "arm64", "instance_sbs"};
constexpr Variant kGpuSbs{Fit::kGpu, "x86_64", "instance_sbs"};
constexpr Variant kWinSbs{Fit::kWindows, "x86_64", "instance_sbs"};

enum class Profile { kDistribution, kApp, kKapsule, kGpu, kWindows };

std::vector<Variant> variants(Profile p) {
  switch (p) {
    case Profile::kDistribution:
      return {kLocalX86, kSbsX86, kSbsArm};
    case Profile::kApp:
      return {kLocalX86, kSbsX86};
    case Profile::kKapsule:
      return {kSbsX86, kSbsArm};
    case Profile::kGpu:
      return {kGpuSbs};
    case Profile::kWindows:
      return {kWinSbs};
  }
  return {};
}

struct CategoryRow {
  const char* name;
  const char* description;
};
constexpr CategoryRow kCategories[] = {
    {"distribution", "Operating system distributions, ready to use."},
    {"instantapp", "Applications preinstalled on a distribution, configured on first boot."},
    {"kapsule", "Images used for Kubernetes Kapsule nodes."},
    {"Machine Learning", "Distributions with GPU drivers and machine learning tooling."},
};

constexpr const char* kLogoBase = "https://scw-marketplace-logos.s3.fr-par.scw.cloud/";

struct ImageRow {
  const char* label;
  const char* name;
  const char* category;
  const char* logo;
  const char* description;
  const char* created;
  const char* updated;
  const char* valid_until;  // "" when not end-of-life
  Profile profile;
};

// The images of one family: releases sharing a category, logo, description and profile.
struct Release {
  const char* label;  // nullptr past the family's last release
  const char* name;
  const char* created;
  const char* updated;
  const char* valid_until = "";  // "" when not end-of-life
};
struct Family {
  const char* category;
  const char* logo;
  const char* description;
  Profile profile;
  Release releases[4];
};

constexpr const char* kAlma =
    "AlmaLinux OS is an Open Source and forever-free enterprise Linux distribution, governed and "
    "driven by the community, focused on long-term stability and a robust production-grade "
    "platform";
constexpr const char* kDebian =
    "Debian is a free operating system, developed by thousands of volunteers from all over the "
    "world who collaborate via the Internet.";
constexpr const char* kFedora =
    "Fedora is a powerful, flexible operating system that includes the best and latest datacenter "
    "technologies. It puts you in control of all your infrastructure and services";
constexpr const char* kRocky =
    "Rocky Linux is a community-driven effort to bring you enterprise-grade, production-ready "
    "Linux.";
constexpr const char* kUbuntu =
    "Ubuntu is the ideal distribution for scale-out computing, Ubuntu Server helps you make the "
    "most of your infrastructure.";
constexpr const char* kKapsuleText = "Image used for spawning Kapsule nodes";

// By category (every listing sorts the images: their order here is not served).
// clang-format off
constexpr Family kFamilies[] = {
    {"distribution", "almalinux.png", kAlma, Profile::kDistribution, {{"almalinux_8", "AlmaLinux 8", "2021-10-05T13:36:52.246490Z", "2025-06-27T13:01:43.904475Z"},
        {"almalinux_9", "AlmaLinux 9", "2022-08-24T09:21:26.315925Z", "2025-09-16T09:00:55.306346Z"}}},
    {"distribution", "centos.png", "The CentOS Project is a community-driven free software effort focused on delivering a robust open source ecosystem.", Profile::kDistribution, {{"centos_stream_9", "Centos Stream 9", "2022-02-03T10:35:17.004309Z", "2025-09-16T09:01:02.227396Z"}}},
    {"distribution", "debian.png", kDebian, Profile::kDistribution, {{"debian_bullseye", "Debian 11 (Bullseye)", "2021-07-21T09:09:36.581723Z", "2025-09-12T12:18:07.604479Z"},
        {"debian_bookworm", "Debian 12 (Bookworm)", "2023-06-05T14:20:04.240833Z", "2025-09-12T12:17:43.790297Z"},
        {"debian_trixie", "Debian 13 (Trixie)", "2025-09-16T09:03:20.585804Z", "2025-09-25T09:46:21.667494Z"}}},
    {"distribution", "fedora.png", kFedora, Profile::kDistribution, {{"fedora_40", "Fedora 40", "2024-04-25T14:52:59.809986Z", "2025-07-03T09:03:40.563137Z"},
        {"fedora_41", "Fedora 41", "2024-10-30T12:43:17.751838Z", "2025-09-16T09:01:03.199028Z"},
        {"fedora_42", "Fedora 42", "2025-09-26T13:38:03.905202Z", "2025-09-29T14:45:38.625652Z"},
        {"fedora_43", "Fedora 43", "2025-10-28T16:19:05.861800Z", "2025-10-30T10:03:16.310465Z"}}},
    {"distribution", "rockylinux.png", kRocky, Profile::kDistribution, {{"rockylinux_8", "Rocky Linux 8", "2021-06-25T10:16:16.254240Z", "2025-06-27T13:01:52.411870Z"},
        {"rockylinux_9", "Rocky Linux 9", "2022-08-24T09:26:33.639016Z", "2025-09-16T09:01:09.835527Z"}}},
    {"distribution", "ubuntu.png", kUbuntu, Profile::kDistribution, {{"ubuntu_bionic", "Ubuntu 18.04 Bionic Beaver", "2018-04-27T14:07:25.221998Z", "2023-05-31T09:14:45.542218Z", "2023-05-31T00:00:00Z"},
        {"ubuntu_focal", "Ubuntu 20.04 Focal Fossa", "2020-02-17T15:50:48.980694Z", "2025-09-12T12:17:36.219032Z"},
        {"ubuntu_jammy", "Ubuntu 22.04 Jammy Jellyfish", "2022-04-07T13:35:54.966630Z", "2025-09-12T12:17:30.651241Z"},
        {"ubuntu_noble", "Ubuntu 24.04 Noble Numbat", "2024-04-15T11:39:21.011004Z", "2025-09-12T12:17:22.670604Z"}}},
    {"distribution", "microsoft_windows_server.png", "Microsoft Windows Server 2022 Base, english edition", Profile::kWindows, {{"windows_server_2022", "Windows Server 2022", "2024-01-05T11:48:30.728431Z", "2025-08-25T12:03:24.498653Z"}}},
    {"distribution", "microsoft_windows_server.png", "Microsoft Windows Server 2022 Core, english edition", Profile::kWindows, {{"windows_server_2022_core", "Windows Server 2022 Core", "2024-04-12T08:16:23.819768Z", "2025-08-25T12:03:24.590890Z"}}},
    {"Machine Learning", "ubuntu.png", "Ubuntu 22.04 Jammy Jellyfish for Nvidia GPU and Machine Learning (GPU passthrough)", Profile::kGpu, {{"ubuntu_jammy_gpu_os_12", "Ubuntu Jammy GPU OS 12", "2023-01-20T14:30:57.496021Z", "2025-10-21T09:19:07.479947Z"}}},
    {"Machine Learning", "ubuntu.png", "Ubuntu 24.04 Noble Numbat for Nvidia GPU and Machine Learning (GPU passthrough)", Profile::kGpu, {{"ubuntu_noble_gpu_os_12", "Ubuntu Noble GPU OS 12", "2025-04-03T13:54:47.966340Z", "2025-10-21T09:19:17.615540Z"}}},
    {"instantapp", "docker.png", "Docker is an open platform for developers and sysadmins to build, ship, and run distributed applications.", Profile::kApp, {{"docker", "Docker", "2016-03-05T15:11:26.847640Z", "2025-07-03T09:05:10.350549Z"}}},
    {"instantapp", "gitlab.png", "GitLab is a web-based Git repository manager with wiki and issue tracking features.", Profile::kApp, {{"gitlab", "GitLab", "2016-03-07T21:06:22.770864Z", "2025-07-03T09:05:11.374937Z"}}},
    {"instantapp", "nextcloud.png", "Nextcloud is an open source, self-hosted file share and communication platform.", Profile::kApp, {{"nextcloud", "NextCloud", "2019-04-16T12:22:56.930842Z", "2025-07-03T09:05:02.118734Z"}}},
    {"instantapp", "openvpn.png", "Surf the web in a secure and anonymous way with OpenVPN InstantApp.", Profile::kApp, {{"openvpn", "OpenVPN", "2016-03-07T21:04:57.667667Z", "2025-07-03T09:05:06.771294Z"}}},
    {"instantapp", "wordpress.png", "WordPress is the most popular web software you can use to create a beautiful website or blog.", Profile::kApp, {{"wordpress", "WordPress", "2016-03-07T21:03:59.783534Z", "2025-07-03T09:04:57.594941Z"}}},
    {"kapsule", "ubuntu.png", kKapsuleText, Profile::kKapsule, {{"kapsule", "Kapsule", "2024-02-21T08:43:13.667483Z", "2025-09-30T08:12:41.201944Z"},
        {"kapsule_jammy", "Kapsule Jammy", "2024-12-02T11:49:34.957728Z", "2025-09-30T08:13:02.877501Z"},
        {"kapsule_noble", "Kapsule Noble", "2024-12-02T11:50:37.407030Z", "2025-09-30T08:13:19.640152Z"}}},
};
// clang-format on

// Every image, family by family.
std::vector<ImageRow> image_rows() {
  std::vector<ImageRow> rows;
  for (auto& f : kFamilies)
    for (auto& r : f.releases)
      if (r.label)
        rows.push_back({r.label, r.name, f.category, f.logo, f.description, r.created, r.updated,
                        r.valid_until, f.profile});
  return rows;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool fits(Fit fit, const ServerType& t) {
  bool win = ends_with(t.name, "-WIN");
  switch (fit) {
    case Fit::kLocalX86:
      return t.arch == "x86_64" && t.local_max > 0 && t.gpu == 0;
    case Fit::kSbsX86:
      return t.arch == "x86_64" && t.gpu == 0 && !win;
    case Fit::kSbsArm:
      return t.arch == "arm64";
    case Fit::kGpu:
      return t.gpu > 0;
    case Fit::kWindows:
      return win;
  }
  return false;
}

struct Data {
  std::vector<Category> categories;
  std::vector<Image> images;
  std::vector<Version> versions;
  std::vector<LocalImage> local;  // grouped by version, then zone, then variant
  std::map<std::string, std::size_t, std::less<>> category_by_id, image_by_id, image_by_label,
      version_by_id, local_by_id, local_by_snapshot;
  std::map<std::string, std::vector<std::size_t>, std::less<>> versions_of_image, local_of_version;

  Data() {
    for (auto& c : kCategories) {
      category_by_id[stable_uuid(std::string("category/") + c.name)] = categories.size();
      categories.push_back({stable_uuid(std::string("category/") + c.name), c.name, c.description});
    }
    // Two published versions per image: the current one (published when the image was last
    // updated) and the one before it, 90 days earlier.
    for (auto& row : image_rows()) {
      Image img;
      img.id = stable_uuid(std::string("image/") + row.label);
      img.label = row.label;
      img.name = row.name;
      img.description = row.description;
      img.logo = std::string(kLogoBase) + row.logo;
      img.categories = {row.category};
      img.created_at = at(row.created);
      img.updated_at = at(row.updated);
      img.valid_until = *row.valid_until ? at(row.valid_until) : 0;
      image_by_id[img.id] = images.size();
      image_by_label[img.label] = images.size();
      Micros published[2] = {std::max(img.created_at, img.updated_at - 90 * kDay), img.updated_at};
      for (int vi = 0; vi < 2; ++vi) {
        Version v;
        v.id = stable_uuid(img.label + "/version/" + std::to_string(vi));
        v.image_id = img.id;
        v.published_at = published[vi];
        v.created_at = published[vi] - 3'600'000'000;  // built an hour before publication
        v.updated_at = published[vi];
        v.name = format_time(v.published_at, TimeStyle::kOffset);
        version_by_id[v.id] = versions.size();
        versions_of_image[img.id].push_back(versions.size());
        add_local_images(img, v, row.profile);
        versions.push_back(std::move(v));
      }
      images.push_back(std::move(img));
    }
    for (std::size_t i = 0; i < local.size(); ++i) {
      local_by_id[local[i].id] = i;
      local_by_snapshot[local[i].root_snapshot_id] = i;
      local_of_version[local[i].version_id].push_back(i);
    }
  }

  void add_local_images(const Image& img, const Version& v, Profile profile) {
    for (auto zone : locality::zones()) {
      auto& types = server_types(zone);
      for (auto& var : variants(profile)) {
        LocalImage li;
        for (auto* t : types)
          if (fits(var.fit, *t)) li.compatible_commercial_types.push_back(t->name);
        if (li.compatible_commercial_types.empty()) continue;  // nothing boots it here
        std::string key = v.id + "/" + std::string(zone) + "/" + var.arch + "/" + var.type;
        li.id = stable_uuid("local-image/" + key);
        li.root_snapshot_id = stable_uuid("root-snapshot/" + key);
        li.zone = zone;
        li.arch = var.arch;
        li.type = var.type;
        li.label = img.label;
        li.image_id = img.id;
        li.version_id = v.id;
        li.name = img.name;
        // Windows system disks are larger than the Linux ones.
        li.snapshot_size = (profile == Profile::kWindows ? 25 : 10) * kGB;
        li.root_size = li.type == "instance_local" ? li.snapshot_size : 0;
        li.created_at = li.updated_at = v.published_at;
        local.push_back(std::move(li));
      }
    }
  }

  template <typename T>
  static const T* lookup(const std::vector<T>& items,
                         const std::map<std::string, std::size_t, std::less<>>& index,
                         std::string_view key) {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &items[it->second];
  }
};

const Data& data() {
  static const Data d;
  return d;
}

int type_rank(std::string_view type) { return type == "instance_sbs" ? 0 : 1; }

}  // namespace

const std::vector<LocalImage>& local_images() { return data().local; }

const LocalImage* find_local_image(std::string_view id) {
  return Data::lookup(data().local, data().local_by_id, id);
}

const LocalImage* find_by_root_snapshot(std::string_view snapshot_id) {
  return Data::lookup(data().local, data().local_by_snapshot, snapshot_id);
}

const LocalImage* resolve_label(std::string_view label, std::string_view zone,
                                std::string_view arch, std::string_view type) {
  auto* img = find_image_by_label(label);
  if (!img) return nullptr;
  auto* v = latest_version(img->id);
  if (!v) return nullptr;
  if (type == "unknown_type") type = {};
  const LocalImage* best = nullptr;
  for (auto* li : version_local_images(v->id)) {
    if (li->zone != zone) continue;
    if (!arch.empty() && li->arch != arch) continue;
    if (!type.empty() && li->type != type) continue;
    if (!best) {
      best = li;
      continue;
    }
    // Prefer instance_sbs, then x86_64.
    auto rank = [](const LocalImage* x) {
      return type_rank(x->type) * 2 + (x->arch == "x86_64" ? 0 : 1);
    };
    if (rank(li) < rank(best)) best = li;
  }
  return best;
}

const std::vector<Category>& categories() { return data().categories; }
const std::vector<Image>& images() { return data().images; }
const std::vector<Version>& versions() { return data().versions; }

const Category* find_category(std::string_view id) {
  return Data::lookup(data().categories, data().category_by_id, id);
}

const Image* find_image(std::string_view id) {
  return Data::lookup(data().images, data().image_by_id, id);
}

const Image* find_image_by_label(std::string_view label) {
  return Data::lookup(data().images, data().image_by_label, label);
}

const Version* find_version(std::string_view id) {
  return Data::lookup(data().versions, data().version_by_id, id);
}

const Version* latest_version(std::string_view image_id) {
  auto& d = data();
  auto it = d.versions_of_image.find(image_id);
  if (it == d.versions_of_image.end() || it->second.empty()) return nullptr;
  const Version* best = nullptr;
  for (auto i : it->second)
    if (!best || d.versions[i].published_at > best->published_at) best = &d.versions[i];
  return best;
}

std::vector<const LocalImage*> latest_local_images(std::string_view image_id) {
  auto* v = latest_version(image_id);
  if (!v) return {};
  return version_local_images(v->id);
}

std::vector<const LocalImage*> version_local_images(std::string_view version_id) {
  auto& d = data();
  std::vector<const LocalImage*> out;
  auto it = d.local_of_version.find(version_id);
  if (it == d.local_of_version.end()) return out;
  for (auto i : it->second) out.push_back(&d.local[i]);
  return out;
}

bool is_compatible(const LocalImage& image, std::string_view commercial_type) {
  auto& c = image.compatible_commercial_types;
  return std::find(c.begin(), c.end(), commercial_type) != c.end();
}

}  // namespace scwd::catalogue

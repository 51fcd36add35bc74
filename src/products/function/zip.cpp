#include "products/function/zip.hpp"

#include <zlib.h>

#include <fstream>

namespace scwd::products::function {

namespace {

std::uint32_t u16(std::string_view d, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(d[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(d[at + 1])) << 8;
}
std::uint32_t u32(std::string_view d, std::size_t at) { return u16(d, at) | u16(d, at + 2) << 16; }

// Names that stay inside the directory they are unpacked into.
bool safe_name(std::string_view n) {
  if (n.empty() || n.front() == '/' || n.find('\\') != std::string_view::npos ||
      n.find('\0') != std::string_view::npos)
    return false;
  std::size_t start = 0;
  while (start < n.size()) {
    auto slash = n.find('/', start);
    auto part = n.substr(start, slash == std::string_view::npos ? n.npos : slash - start);
    if (part == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

std::optional<ZipArchive> ZipArchive::open(std::string data, std::string& error) {
  ZipArchive z;
  z.data_ = std::move(data);
  std::string_view d = z.data_;
  if (d.size() < 22) {
    error = "the archive is not a zip file";
    return std::nullopt;
  }
  // The end of central directory record: the last one in the final 64 KiB + 22 bytes.
  std::size_t eocd = std::string_view::npos;
  std::size_t lowest = d.size() > 65557 ? d.size() - 65557 : 0;
  for (std::size_t i = d.size() - 22 + 1; i-- > lowest;) {
    if (u32(d, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) {
    error = "the archive is not a zip file";
    return std::nullopt;
  }
  std::size_t count = u16(d, eocd + 10);
  std::uint64_t cd_size = u32(d, eocd + 12), cd_offset = u32(d, eocd + 16);
  if (count == 0xffff || cd_offset == 0xffffffff) {
    error = "zip64 archives are not supported";
    return std::nullopt;
  }
  if (cd_offset + cd_size > eocd || count > kMaxEntries) {
    error = "the zip archive is damaged";
    return std::nullopt;
  }
  std::size_t at = cd_offset;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (at + 46 > eocd || u32(d, at) != 0x02014b50) {
      error = "the zip archive is damaged";
      return std::nullopt;
    }
    Entry e;
    e.method = static_cast<std::uint16_t>(u16(d, at + 10));
    e.crc = u32(d, at + 16);
    e.compressed = u32(d, at + 20);
    e.size = u32(d, at + 24);
    std::size_t name_len = u16(d, at + 28), extra = u16(d, at + 30), comment = u16(d, at + 32);
    std::uint32_t external = u32(d, at + 38);
    e.local_offset = u32(d, at + 42);
    if (at + 46 + name_len > eocd) {
      error = "the zip archive is damaged";
      return std::nullopt;
    }
    e.name = std::string(d.substr(at + 46, name_len));
    at += 46 + name_len + extra + comment;
    if (!safe_name(e.name)) {
      error = "the archive holds an unsafe path: " + e.name;
      return std::nullopt;
    }
    // Symbolic links (a Unix mode in the external attributes) are not unpacked.
    if (((external >> 16) & 0170000) == 0120000) continue;
    if (e.method != 0 && e.method != 8) {
      error = "unsupported compression method in " + e.name;
      return std::nullopt;
    }
    total += e.size;
    if (total > kMaxTotal) {
      error = "the archive unpacks to more than 256 MiB";
      return std::nullopt;
    }
    z.entries_.push_back(std::move(e));
  }
  return z;
}

const ZipArchive::Entry* ZipArchive::find(std::string_view name) const {
  for (auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

std::optional<std::string> ZipArchive::read(const Entry& e, std::string& error) const {
  std::string_view d = data_;
  if (e.local_offset + 30 > d.size() || u32(d, e.local_offset) != 0x04034b50) {
    error = "the zip archive is damaged at " + e.name;
    return std::nullopt;
  }
  std::size_t start =
      e.local_offset + 30 + u16(d, e.local_offset + 26) + u16(d, e.local_offset + 28);
  if (start + e.compressed > d.size()) {
    error = "the zip archive is truncated at " + e.name;
    return std::nullopt;
  }
  std::string out;
  if (e.method == 0) {
    out = std::string(d.substr(start, e.compressed));
  } else {
    out.resize(e.size);
    z_stream s{};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
      error = "inflate failed";
      return std::nullopt;
    }
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(d.data() + start));
    s.avail_in = static_cast<uInt>(e.compressed);
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&s, Z_FINISH);
    bool ok = rc == Z_STREAM_END && s.total_out == e.size;
    inflateEnd(&s);
    if (!ok) {
      error = "the zip archive is damaged at " + e.name;
      return std::nullopt;
    }
  }
  auto crc = crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size()));
  if (out.size() != e.size || crc != e.crc) {
    error = "checksum mismatch at " + e.name;
    return std::nullopt;
  }
  return out;
}

bool ZipArchive::extract(const std::filesystem::path& dir, std::string& error) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create " + dir.string() + ": " + ec.message();
    return false;
  }
  for (auto& e : entries_) {
    auto target = dir / e.name;
    if (e.directory()) {
      std::filesystem::create_directories(target, ec);
      if (ec) {
        error = "cannot create " + e.name + ": " + ec.message();
        return false;
      }
      continue;
    }
    auto bytes = read(e, error);
    if (!bytes) return false;
    std::filesystem::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!out) {
      error = "cannot write " + e.name;
      return false;
    }
  }
  return true;
}

}  // namespace scwd::products::function

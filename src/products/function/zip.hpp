// Reading the zip archives functions are deployed as (stored and deflated entries, no zip64):
// what deploy checks and what the runtime unpacks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scwd::products::function {

class ZipArchive {
 public:
  struct Entry {
    std::string name;  // as stored, '/'-separated; directories end with '/'
    std::uint16_t method = 0;
    std::uint32_t crc = 0;
    std::uint64_t compressed = 0, size = 0;
    std::uint64_t local_offset = 0;
    bool directory() const { return !name.empty() && name.back() == '/'; }
  };

  // nullopt with `error` set when `data` is not a zip archive scwd can read, or an entry's name
  // could escape the directory it is unpacked into.
  static std::optional<ZipArchive> open(std::string data, std::string& error);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(std::string_view name) const;
  // The bytes of an entry (checked against its CRC); nullopt with `error` set.
  std::optional<std::string> read(const Entry& e, std::string& error) const;
  // Writes every entry under `dir` (created). false with `error` set.
  bool extract(const std::filesystem::path& dir, std::string& error) const;

  // Bounds on what an archive may unpack to.
  static constexpr std::uint64_t kMaxTotal = 256ull * 1024 * 1024;
  static constexpr std::size_t kMaxEntries = 20000;

 private:
  std::string data_;
  std::vector<Entry> entries_;
};

}  // namespace scwd::products::function

// A fresh temporary directory, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <system_error>

#include "core/util/ids.hpp"

namespace scwd::testing {

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() / ("scwd-test-" + new_uuid());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace scwd::testing

// Secrets the platform must give back later (a kubeconfig's token, a CA's private key, an SQS
// secret key that signatures are checked with) are stored sealed: authenticated encryption
// (libsodium's secretbox) under one key per deployment, kept outside the store.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace scwd {

class SecretBox {
 public:
  // A fresh random key: what tests use, and what a server has until it loads its own.
  SecretBox();
  // The key of a deployment: read from `path`, or created there (mode 0600) when absent.
  // nullopt with `error` set when the file cannot be read, written or holds no key.
  static std::optional<SecretBox> load_or_create(const std::filesystem::path& path,
                                                 std::string& error);

  // base64 of a random nonce and the ciphertext; a different text for each call.
  std::string seal(std::string_view plain) const;
  // The plain text, or nullopt when `sealed` was not sealed under this key (or was altered).
  std::optional<std::string> open(std::string_view sealed) const;

 private:
  std::string key_;
};

}  // namespace scwd

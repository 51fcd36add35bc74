#include "core/util/secretbox.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/util/encoding.hpp"

namespace scwd {

namespace {

void ensure_sodium() {
  static const int ok = sodium_init();
  if (ok < 0) throw std::runtime_error("libsodium initialisation failed");
}

}  // namespace

SecretBox::SecretBox() {
  ensure_sodium();
  key_.resize(crypto_secretbox_KEYBYTES);
  crypto_secretbox_keygen(reinterpret_cast<unsigned char*>(key_.data()));
}

std::optional<SecretBox> SecretBox::load_or_create(const std::filesystem::path& path,
                                                   std::string& error) {
  SecretBox box;
  std::ifstream in(path);
  if (in) {
    // A key an earlier run left readable by others is narrowed, like the store's files.
    std::error_code ec;
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace, ec);
    std::stringstream text;
    text << in.rdbuf();
    auto key = from_base64(text.str(), " \n\r");
    if (!key || key->size() != crypto_secretbox_KEYBYTES) {
      error = path.string() + " holds no secrets key";
      return std::nullopt;
    }
    box.key_ = *key;
    return box;
  }
  // Created readable by the owner only, never by others even for a moment; O_EXCL so that two
  // processes starting together do not each write their own.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return load_or_create(path, error);
    error = path.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  auto text = base64(box.key_) + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (::close(fd) != 0 || !ok) {
    error = path.string() + ": cannot write the secrets key";
    return std::nullopt;
  }
  return box;
}

std::string SecretBox::seal(std::string_view plain) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                        reinterpret_cast<const unsigned char*>(key_.data()));
  return base64(out);
}

std::optional<std::string> SecretBox::open(std::string_view sealed) const {
  auto bin = from_base64(sealed);
  if (!bin || bin->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  const auto* nonce = reinterpret_cast<const unsigned char*>(bin->data());
  std::string out(bin->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                 nonce + crypto_secretbox_NONCEBYTES,
                                 bin->size() - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return std::nullopt;
  return out;
}

}  // namespace scwd

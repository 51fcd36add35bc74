// Method + path-template matching. Templates are "/account/v3/projects/{project_id}"; a "{name}"
// segment matches one non-empty path segment. Literal segments win over parameters.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scwd::router {

class Params {
 public:
  void add(std::string_view name, std::string value) {
    items_.emplace_back(name, std::move(value));
  }
  const std::string* get(std::string_view name) const {
    for (auto& [k, v] : items_)
      if (k == name) return &v;
    return nullptr;
  }
  // Returns the value or an empty string.
  std::string_view operator[](std::string_view name) const {
    auto* v = get(name);
    return v ? std::string_view(*v) : std::string_view{};
  }
  const std::vector<std::pair<std::string_view, std::string>>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }
  void truncate(std::size_t n) { items_.resize(n); }
  void clear() { items_.clear(); }

 private:
  std::vector<std::pair<std::string_view, std::string>> items_;
};

struct Match {
  enum class Kind { kFound, kMethodNotAllowed, kNotFound, kBadPath } kind = Kind::kNotFound;
  int route = -1;                    // the route id given to add()
  Params params;                     // path parameters, percent-decoded
  std::vector<std::string> allowed;  // methods served on the path (405)
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers a route. Throws std::invalid_argument on a malformed template or a duplicate
  // method + template.
  void add(std::string_view method, std::string_view path_template, int route_id);
  Match match(std::string_view method, std::string_view path) const;

  static std::vector<std::string_view> split(std::string_view path);

  struct Node;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace scwd::router

#include "core/router/router.hpp"

#include <stdexcept>

#include "core/http/message.hpp"

namespace scwd::router {

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::vector<std::string> param_names;  // one position may carry several names across APIs
  std::vector<std::pair<std::string, int>> methods;  // method -> route id
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

std::vector<std::string_view> Router::split(std::string_view path) {
  std::vector<std::string_view> segs;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    segs.push_back(path.substr(i, j - i));
    i = j;
  }
  return segs;
}

void Router::add(std::string_view method, std::string_view path_template, int route_id) {
  if (path_template.empty() || path_template.front() != '/')
    throw std::invalid_argument("route template must start with '/': " +
                                std::string(path_template));
  Node* node = root_.get();
  for (auto seg : split(path_template)) {
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string name(seg.substr(1, seg.size() - 2));
      if (!node->param) node->param = std::make_unique<Node>();
      bool known = false;
      for (auto& n : node->param_names) known = known || n == name;
      if (!known) node->param_names.push_back(std::move(name));
      node = node->param.get();
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos)
        throw std::invalid_argument("bad template segment in " + std::string(path_template));
      auto it = node->literals.find(seg);
      if (it == node->literals.end())
        it = node->literals.emplace(std::string(seg), std::make_unique<Node>()).first;
      node = it->second.get();
    }
  }
  for (auto& [m, id] : node->methods)
    if (m == method)
      throw std::invalid_argument("duplicate route " + std::string(method) + " " +
                                  std::string(path_template));
  node->methods.emplace_back(std::string(method), route_id);
}

namespace {
// Depth-first, literals before parameters. With a method, only a node serving that method
// matches (so a literal path missing a method falls back to the parameter route that has it);
// without one, any node with routes matches (to answer 405).
const Router::Node* walk(const Router::Node* node, const std::vector<std::string>& segs,
                         std::size_t i, Params& params, std::string_view method) {
  if (i == segs.size()) {
    if (node->methods.empty()) return nullptr;
    if (method.empty()) return node;
    for (auto& [m, id] : node->methods)
      if (m == method) return node;
    return nullptr;
  }
  std::size_t mark = params.size();
  if (auto it = node->literals.find(segs[i]); it != node->literals.end()) {
    if (auto* found = walk(it->second.get(), segs, i + 1, params, method)) return found;
    params.truncate(mark);
  }
  if (node->param && !segs[i].empty()) {
    for (auto& name : node->param_names) params.add(name, segs[i]);
    if (auto* found = walk(node->param.get(), segs, i + 1, params, method)) return found;
    params.truncate(mark);
  }
  return nullptr;
}
}  // namespace

Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  std::vector<std::string> segs;
  for (auto raw : split(path)) {
    std::string dec;
    if (!http::percent_decode(raw, dec, false)) {
      m.kind = Match::Kind::kBadPath;
      return m;
    }
    segs.push_back(std::move(dec));
  }
  const Node* node = walk(root_.get(), segs, 0, m.params, method);
  if (!node) {
    m.params.clear();
    node = walk(root_.get(), segs, 0, m.params, {});
  }
  if (!node) {
    m.kind = Match::Kind::kNotFound;
    m.params.clear();
    return m;
  }
  for (auto& [meth, id] : node->methods) {
    if (meth == method) {
      m.kind = Match::Kind::kFound;
      m.route = id;
      return m;
    }
  }
  m.kind = Match::Kind::kMethodNotAllowed;
  for (auto& [meth, id] : node->methods) m.allowed.push_back(meth);
  return m;
}

}  // namespace scwd::router

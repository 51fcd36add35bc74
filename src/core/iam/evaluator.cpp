#include "core/iam/evaluator.hpp"

#include <cctype>
#include <functional>
#include <variant>

#include "core/auth/auth.hpp"
#include "core/util/json.hpp"

namespace scwd::iam {

using app::Access;
namespace json = boost::json;

namespace {

// --- a small condition language (a subset of CEL) ---

using Value = std::variant<std::monostate, std::string, std::int64_t, bool,
                           std::vector<std::string>>;  // monostate: unsupported

class Parser {
 public:
  Parser(std::string_view src, const RequestFacts& f) : s_(src), f_(f) {}

  bool run(std::string* why) {
    auto v = disjunction();
    skip();
    if (!error_.empty() || pos_ != s_.size()) {
      if (why)
        *why = error_.empty()
                   ? "unsupported condition syntax near '" + std::string(s_.substr(pos_, 20)) + "'"
                   : error_;
      return false;
    }
    if (auto* b = std::get_if<bool>(&v)) {
      if (why && !*b) *why = "condition is false for this request";
      return *b;
    }
    if (why) *why = "condition does not evaluate to a boolean";
    return false;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(std::string_view tok) {
    skip();
    if (s_.substr(pos_, tok.size()) == tok) {
      pos_ += tok.size();
      return true;
    }
    return false;
  }
  void fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
  }

  // Operands of `next` joined by `op` (|| or &&): booleans, combined by `combine`.
  template <typename Combine>
  Value chain(std::string_view op, Value (Parser::*next)(), Combine combine) {
    auto v = (this->*next)();
    while (eat(op)) {
      auto r = (this->*next)();
      auto a = std::get_if<bool>(&v), b = std::get_if<bool>(&r);
      if (!a || !b) {
        fail(std::string(op) + " needs booleans");
        return {};
      }
      v = combine(*a, *b);
    }
    return v;
  }
  Value disjunction() { return chain("||", &Parser::conjunction, std::logical_or<>()); }
  Value conjunction() { return chain("&&", &Parser::comparison, std::logical_and<>()); }
  Value comparison() {
    auto l = unary();
    skip();
    static const std::string_view ops[] = {"==", "!=", "<=", ">=", "<", ">", "in "};
    for (auto op : ops) {
      if (!eat(op)) continue;
      auto r = unary();
      if (op == "in ") {
        auto* list = std::get_if<std::vector<std::string>>(&r);
        auto* item = std::get_if<std::string>(&l);
        if (!list || !item) {
          fail("'in' needs a string and a list of strings");
          return {};
        }
        for (auto& e : *list)
          if (e == *item) return true;
        return false;
      }
      if (l.index() != r.index() || l.index() == 0) {
        fail("comparison of different types");
        return {};
      }
      if (op == "==") return l == r;
      if (op == "!=") return l != r;
      if (op == "<") return l < r;
      if (op == "<=") return l <= r;
      if (op == ">") return l > r;
      return l >= r;
    }
    return l;
  }
  Value unary() {
    if (eat("!")) {
      auto v = unary();
      auto b = std::get_if<bool>(&v);
      if (!b) {
        fail("! needs a boolean");
        return {};
      }
      return !*b;
    }
    return postfix();
  }
  Value postfix() {
    auto v = primary();
    for (;;) {
      skip();
      std::string_view method;
      for (std::string_view m : {".startsWith(", ".endsWith(", ".contains("})
        if (s_.substr(pos_, m.size()) == m) method = m;
      if (method.empty()) return v;
      pos_ += method.size();
      auto arg = disjunction();
      if (!eat(")")) {
        fail("missing )");
        return {};
      }
      auto* a = std::get_if<std::string>(&v);
      auto* b = std::get_if<std::string>(&arg);
      if (!a || !b) {
        fail("string method on a non-string");
        return {};
      }
      if (method == ".startsWith(")
        v = a->rfind(*b, 0) == 0;
      else if (method == ".endsWith(")
        v = a->size() >= b->size() && a->compare(a->size() - b->size(), b->size(), *b) == 0;
      else
        v = a->find(*b) != std::string::npos;
    }
  }
  Value primary() {
    skip();
    if (pos_ >= s_.size()) {
      fail("unexpected end of condition");
      return {};
    }
    char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      auto v = disjunction();
      if (!eat(")")) fail("missing )");
      return v;
    }
    if (c == '[') {
      ++pos_;
      std::vector<std::string> items;
      if (eat("]")) return items;
      do {
        auto v = primary();
        auto* str = std::get_if<std::string>(&v);
        if (!str) {
          fail("lists hold strings only");
          return {};
        }
        items.push_back(*str);
      } while (eat(","));
      if (!eat("]")) fail("missing ]");
      return items;
    }
    if (c == '\'' || c == '"') {
      ++pos_;
      std::string out;
      while (pos_ < s_.size() && s_[pos_] != c) {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        out += s_[pos_++];
      }
      if (pos_ >= s_.size()) {
        fail("unterminated string");
        return {};
      }
      ++pos_;
      return out;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      std::size_t start = pos_++;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      try {
        return static_cast<std::int64_t>(std::stoll(std::string(s_.substr(start, pos_ - start))));
      } catch (...) {
        fail("bad number");
        return {};
      }
    }
    std::size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
            (s_[pos_] == '.' && pos_ + 1 < s_.size() &&
             std::isalpha(static_cast<unsigned char>(s_[pos_ + 1])) &&
             s_.substr(pos_, 12) != ".startsWith(" && s_.substr(pos_, 10) != ".endsWith(" &&
             s_.substr(pos_, 10) != ".contains(")))
      ++pos_;
    auto ident = s_.substr(start, pos_ - start);
    if (ident == "true") return true;
    if (ident == "false") return false;
    if (ident == "request.ip") return f_.ip;
    if (ident == "request.user_agent") return f_.user_agent.substr(0, 255);
    fail(ident.empty() ? "unexpected character '" + std::string(1, c) + "'"
                       : "unsupported variable '" + std::string(ident) + "'");
    return {};
  }

  std::string_view s_;
  const RequestFacts& f_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

bool condition_holds(std::string_view condition, const RequestFacts& facts, std::string* why) {
  bool blank = true;
  for (char c : condition)
    if (!std::isspace(static_cast<unsigned char>(c))) blank = false;
  if (blank) return true;
  Parser p(condition, facts);
  return p.run(why);
}

std::vector<Rule> rules_of(const store::Record& policy, std::string_view via) {
  std::vector<Rule> out;
  auto it = policy.body.find("rules");
  if (it == policy.body.end() || !it->value().is_array()) return out;
  for (auto& v : it->value().get_array()) {
    if (!v.is_object()) continue;
    auto& o = v.get_object();
    Rule r;
    r.policy_id = policy.id;
    r.policy_name = policy.name;
    r.rule_id = str_of(o, "id");
    r.permission_set_names = strings_of(o, "permission_set_names");
    r.project_ids = strings_of(o, "project_ids");
    r.organization_id = str_of(o, "organization_id");
    r.account_root_user_id = str_of(o, "account_root_user_id");
    r.condition = str_of(o, "condition");
    r.via = std::string(via);
    out.push_back(std::move(r));
  }
  return out;
}

Evaluator::Evaluator(std::vector<Rule> rules, std::string organization_id, RequestFacts facts)
    : rules_(std::move(rules)),
      organization_id_(std::move(organization_id)),
      facts_(std::move(facts)) {}

Evaluator Evaluator::load(store::Tx& tx, const app::Principal& p, RequestFacts facts) {
  std::vector<Rule> rules;
  const bool user = p.bearer_type == "user";
  auto policies_where = [&](std::string_view path, std::vector<std::string> values,
                            const std::function<std::string(const store::Record&)>& via) {
    store::ListQuery q;
    q.kind = std::string(kPolicyKind);
    q.with_total = false;
    q.filters.push_back({store::Column::kOrganization, store::Op::kEq, {p.organization_id}, {}});
    q.filters.push_back(
        {store::Column::kBody, store::Op::kIn, std::move(values), std::string(path)});
    q.order.push_back({store::Column::kCreatedAt, false, {}});
    for (auto& pol : tx.list(q).items) {
      auto more = rules_of(pol, via(pol));
      rules.insert(rules.end(), more.begin(), more.end());
    }
  };
  if (!p.bearer_id.empty()) {
    policies_where(user ? "user_id" : "application_id", {p.bearer_id}, [&](const store::Record&) {
      return std::string(user ? "user" : "application");
    });
    store::ListQuery g;
    g.kind = std::string(kGroupKind);
    g.with_total = false;
    g.filters.push_back({store::Column::kOrganization, store::Op::kEq, {p.organization_id}, {}});
    g.filters.push_back({store::Column::kBody,
                         store::Op::kAnyIn,
                         {p.bearer_id},
                         user ? "user_ids" : "application_ids"});
    std::vector<std::string> groups;
    for (auto& r : tx.list(g).items) groups.push_back(r.id);
    if (!groups.empty())
      policies_where("group_id", groups, [](const store::Record& pol) {
        auto it = pol.body.find("group_id");
        return "group " + (it != pol.body.end() && it->value().is_string()
                               ? std::string(it->value().get_string())
                               : std::string());
      });
  }
  return Evaluator(std::move(rules), p.organization_id, std::move(facts));
}

bool Evaluator::live(const Rule& r) const {
  if (!r.organization_id.empty() && r.organization_id != organization_id_) return false;
  return condition_holds(r.condition, facts_, nullptr);
}

std::string Evaluator::why_not(const Rule& r, std::string_view fam, Access a,
                               const std::string* project) const {
  if (!r.organization_id.empty() && r.organization_id != organization_id_)
    return "rule is scoped to another organization";
  std::string why;
  if (!condition_holds(r.condition, facts_, &why)) return "condition: " + why;
  bool any_set = false;
  for (auto& n : r.permission_set_names) {
    auto* set = find_permission_set(n);
    if (set && covers(granted(*set, fam), a)) any_set = true;
  }
  auto f0 = family(fam);
  if (!any_set && f0.project_visibility && a == Access::kRead && project) {
    // Any project-level right in the project makes the project itself readable.
    bool in = !r.organization_id.empty();
    for (auto& p : r.project_ids) in = in || p == *project;
    for (auto& n : r.permission_set_names) {
      auto* set = find_permission_set(n);
      if (in && set && set->scope == ScopeType::kProjects) return {};
    }
  }
  if (!any_set)
    return "none of its permission sets grants " + std::string(to_string(a)) + " on " +
           std::string(fam);
  auto f = family(fam);
  if (f.scope == FamilyScope::kOrganization && r.organization_id.empty())
    return "an organization-level permission needs a rule scoped to the organization";
  if (f.scope == FamilyScope::kProjects && project && r.organization_id.empty()) {
    bool in = false;
    for (auto& p : r.project_ids) in = in || p == *project;
    if (!in) return "project " + *project + " is not in the rule's project_ids";
  }
  return {};
}

std::optional<Match> Evaluator::at_organization(std::string_view fam, Access a) const {
  for (auto& r : rules_) {
    if (r.organization_id.empty() || !live(r)) continue;
    for (auto& n : r.permission_set_names) {
      auto* set = find_permission_set(n);
      if (set && set->scope == ScopeType::kOrganization && covers(granted(*set, fam), a))
        return Match{&r, n};
    }
  }
  return std::nullopt;
}

std::optional<Match> Evaluator::first_in_project(
    std::string_view project, const std::function<bool(const PermissionSet&)>& grants) const {
  for (auto& r : rules_) {
    bool scoped = !r.organization_id.empty();
    for (auto& p : r.project_ids) scoped = scoped || p == project;
    if (!scoped || !live(r)) continue;
    for (auto& n : r.permission_set_names) {
      auto* set = find_permission_set(n);
      if (set && set->scope == ScopeType::kProjects && grants(*set)) return Match{&r, n};
    }
  }
  return std::nullopt;
}

std::optional<Match> Evaluator::in_project(std::string_view fam, Access a,
                                           std::string_view project) const {
  return first_in_project(project,
                          [&](const PermissionSet& set) { return covers(granted(set, fam), a); });
}

std::optional<std::set<std::string>> Evaluator::projects(std::string_view fam, Access a) const {
  std::set<std::string> out;
  for (auto& r : rules_) {
    if (!live(r)) continue;
    for (auto& n : r.permission_set_names) {
      auto* set = find_permission_set(n);
      if (!set || set->scope != ScopeType::kProjects || !covers(granted(*set, fam), a)) continue;
      if (!r.organization_id.empty()) return std::nullopt;
      out.insert(r.project_ids.begin(), r.project_ids.end());
    }
  }
  return out;
}

std::optional<Match> Evaluator::any_in_project(std::string_view project) const {
  return first_in_project(project, [](const PermissionSet&) { return true; });
}

std::optional<std::set<std::string>> Evaluator::visible_projects() const {
  std::set<std::string> out;
  for (auto& r : rules_) {
    if (!live(r)) continue;
    for (auto& n : r.permission_set_names) {
      auto* set = find_permission_set(n);
      if (!set || set->scope != ScopeType::kProjects) continue;
      if (!r.organization_id.empty()) return std::nullopt;
      out.insert(r.project_ids.begin(), r.project_ids.end());
    }
  }
  return out;
}

}  // namespace scwd::iam

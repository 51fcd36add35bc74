// IAM in the request pipeline. Before any handler runs, the authorizer decides from the route's
// Permission (family + access) and the project(s) the request concerns, found generically:
// path parameters project_id / project, query project_id / project / project_ids, body
// project_id / project, else the project of the resource a path parameter names (any kind, in
// the caller's organization). Then every reference the route declares (app::Reference) is
// loaded and authorized on the referenced record's own project. Lists without a project filter are
// allowed when the caller holds the family somewhere and are then limited to the readable projects
// (Context::scope, with a pipeline safety net for handlers that do not call it). The Owner bypasses
// policies.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/app/app.hpp"
#include "core/iam/evaluator.hpp"

namespace scwd::iam {

struct Input {
  const app::Principal& principal;
  const app::Permission& permission;
  const sdk::Operation* op;  // nullptr for routes outside the SDK
  const http::Request& req;  // method and query
  const router::Params& params;
  const boost::json::object& body;
  const std::vector<app::Reference>* references = nullptr;  // the route's declared references
};

struct Verdict {
  bool allowed = false;
  std::string reason;                           // why, in words (explain)
  std::optional<Match> match;                   // the rule that allowed it
  std::vector<std::string> projects;            // the projects the request concerns
  bool list = false;                            // a list limited to `scope`
  std::optional<std::set<std::string>> scope;   // readable projects (nullopt: all)
  std::shared_ptr<const Evaluator> evaluator;   // nullptr when no policy was evaluated
  std::shared_ptr<const app::AccessView> view;  // for the Context (nullptr: unrestricted)
  // Set when a referenced resource was refused: the {action, resource} of the 403 details.
  std::optional<std::pair<std::string, std::string>> reference_denied;
  std::optional<store::Record> target;  // the record the path names, when it was loaded
};

RequestFacts facts_of(const http::Request& req, Micros now);

Verdict decide(store::Store& store, const Input& in, const RequestFacts& facts);

// permissions_denied naming the action (read, write, delete) and the route's resource.
api::ApiError denial(const http::Request& req, const app::Permission& p);
// The error a refused verdict answers: the referenced resource's when a reference was refused,
// else denial().
api::ApiError denial(const Verdict& v, const http::Request& req, const app::Permission& p);

// The pipeline hook (App installs it by default).
app::Authorizer make_authorizer(store::Store& store, Clock& clock);

}  // namespace scwd::iam

// The patch formats the Kubernetes API accepts (PATCH with their media types), applied to JSON
// objects.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace scwd::products::k8s::kubeapi {

// RFC 7386 JSON merge patch (application/merge-patch+json).
boost::json::value merge_patch(boost::json::value target, const boost::json::value& patch);

// Strategic merge patch (application/strategic-merge-patch+json) for objects whose lists have no
// merge strategy: a merge patch that also honours the `$patch: replace|delete` and `$retainKeys`
// directives of maps and ignores `$setElementOrder/` and `$deleteFromPrimitiveList/` keys (list
// order and list items of merged lists, which such objects do not have). Lists are replaced.
// nullopt with `error` for a malformed directive.
std::optional<boost::json::value> strategic_merge_patch(boost::json::value target,
                                                        const boost::json::value& patch,
                                                        std::string& error);

// RFC 6902 JSON patch (application/json-patch+json). `ops` must be an array of operations;
// false with `error` when an operation is malformed (`bad_request` set) or cannot apply.
bool json_patch(boost::json::value& doc, const boost::json::value& ops, std::string& error,
                bool& bad_request);

}  // namespace scwd::products::k8s::kubeapi

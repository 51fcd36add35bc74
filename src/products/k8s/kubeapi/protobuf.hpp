// Request bodies in the Kubernetes protobuf encoding (application/vnd.kubernetes.protobuf), which
// kubectl's typed clients send (`kubectl create namespace|configmap|secret`): the envelope and
// the few messages the API server serves, read into their JSON form. Answers stay JSON (such
// clients accept it).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace scwd::products::k8s::kubeapi {

inline constexpr std::string_view kProtobufType = "application/vnd.kubernetes.protobuf";

// The object of kind `kind` ("Namespace", "ConfigMap", "Secret", or "DeleteOptions") an encoded
// body holds, as the JSON a client would have sent; nullopt with `error` when the body is not
// such an object. Fields the server does not keep are skipped.
std::optional<boost::json::object> decode_protobuf(std::string_view kind, std::string_view body,
                                                   std::string& error);

}  // namespace scwd::products::k8s::kubeapi

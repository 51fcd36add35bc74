#include "core/app/unserved_apis.hpp"

#include <array>

namespace scwd::app {
namespace {

// The platform's public APIs (path prefix and version) outside what scwd builds. The served ones
// are whatever the modules register; an API in both lists is found by the router first.
constexpr std::array kUnserved{
    UnservedApi{"annotations/v1", "Annotations"},
    UnservedApi{"apple-silicon/v1alpha1", "Apple silicon"},
    UnservedApi{"audit-trail/v1alpha1", "Audit Trail"},
    UnservedApi{"autoscaling/v1alpha1", "Instance autoscaling"},
    UnservedApi{"autoscaling/v1alpha2", "Instance autoscaling"},
    UnservedApi{"cockpit/v1", "Cockpit"},
    UnservedApi{"datalab/v1beta1", "Data Lab"},
    UnservedApi{"datawarehouse/v1beta1", "Data Warehouse"},
    UnservedApi{"dedibox/v1", "Dedibox"},
    UnservedApi{"document-db/v1beta1", "Document Database"},
    UnservedApi{"domain/v2beta1", "Domains and DNS"},
    UnservedApi{"edge-services/v1beta1", "Edge Services"},
    UnservedApi{"environmental-footprint/v1alpha1", "Environmental Footprint"},
    UnservedApi{"file/v1alpha1", "File Storage"},
    UnservedApi{"inference/v1", "Managed Inference"},
    UnservedApi{"inference/v1beta1", "Managed Inference"},
    UnservedApi{"interlink/v1beta1", "InterLink"},
    UnservedApi{"iot/v1", "IoT Hub"},
    UnservedApi{"ipam/v1alpha1", "IPAM (v1alpha1)"},
    UnservedApi{"kafka/v1alpha1", "Kafka"},
    UnservedApi{"key-manager/v1alpha1", "Key Manager"},
    UnservedApi{"lb/v1", "Load Balancer"},
    UnservedApi{"mailbox/v1alpha1", "Mailbox"},
    UnservedApi{"messageq/v1alpha1", "Messaging and Queuing (v1alpha1)"},
    UnservedApi{"mongodb/v1", "MongoDB"},
    UnservedApi{"mongodb/v1alpha1", "MongoDB"},
    UnservedApi{"partner/v1", "Partner"},
    UnservedApi{"qaas/v1alpha1", "Quantum as a Service"},
    UnservedApi{"rdb/v1", "Managed Database for PostgreSQL and MySQL"},
    UnservedApi{"redis/v1", "Managed Database for Redis"},
    UnservedApi{"registry/v1", "Container Registry"},
    UnservedApi{"s2s-vpn/v1alpha1", "Site-to-Site VPN"},
    UnservedApi{"search/v1alpha1", "Search"},
    UnservedApi{"searchdb/v1alpha1", "OpenSearch"},
    UnservedApi{"secret-manager/v1beta1", "Secret Manager"},
    UnservedApi{"serverless-jobs/v1alpha1", "Serverless Jobs"},
    UnservedApi{"serverless-jobs/v1alpha2", "Serverless Jobs"},
    UnservedApi{"serverless-sqldb/v1alpha1", "Serverless SQL Database"},
    UnservedApi{"transactional-email/v1alpha1", "Transactional Email"},
    UnservedApi{"webhosting/v1", "Web Hosting"},
    UnservedApi{"webhosting/v1alpha1", "Web Hosting"},
};

}  // namespace

std::optional<UnservedApi> unserved_api(std::string_view path) {
  if (!path.starts_with('/')) return std::nullopt;
  path.remove_prefix(1);
  for (const auto& api : kUnserved)
    if (path.starts_with(api.prefix) &&
        (path.size() == api.prefix.size() || path[api.prefix.size()] == '/'))
      return api;
  return std::nullopt;
}

}  // namespace scwd::app

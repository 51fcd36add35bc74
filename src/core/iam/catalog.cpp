#include "core/iam/catalog.hpp"

#include <map>

#include "core/util/crypto.hpp"

namespace scwd::iam {

using app::Access;

std::string_view to_string(ScopeType s) {
  switch (s) {
    case ScopeType::kProjects:
      return "projects";
    case ScopeType::kOrganization:
      return "organization";
    case ScopeType::kAccountRootUser:
      return "account_root_user";
  }
  return "unknown_scope_type";
}

std::string_view to_string(Access a) {
  switch (a) {
    case Access::kNone:
      return "none";
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
    case Access::kFull:
      return "full";
  }
  return "none";
}

bool covers(Access granted, Access needed) {
  return static_cast<int>(granted) >= static_cast<int>(needed) && granted != Access::kNone;
}

namespace {

std::string uuid_from(std::string_view name) {
  auto h = sha256_hex(std::string("scwd-permission-set:") + std::string(name));
  // Shape a v4-looking UUID out of the digest (stable across runs and replicas).
  std::string u = h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-";
  const char variant[] = "89ab";
  u += variant[(h[16] - '0') & 3];
  u += h.substr(17, 3) + "-" + h.substr(20, 12);
  return u;
}

struct Builder {
  std::vector<PermissionSet> sets;

  void org(std::string_view name, std::string_view category, std::string description,
           std::vector<Grant> grants) {
    PermissionSet s;
    s.name = name;
    s.scope = ScopeType::kOrganization;
    s.description = std::move(description);
    s.categories = {category};
    s.grants = std::move(grants);
    sets.push_back(std::move(s));
  }
  // A project-level set; its grants are derived from the name (see granted()).
  void prj(std::string_view name, std::string_view category, std::string description) {
    PermissionSet s;
    s.name = name;
    s.scope = ScopeType::kProjects;
    s.description = std::move(description);
    s.categories = {category};
    sets.push_back(std::move(s));
  }
  // "<stem>FullAccess" and "<stem>ReadOnly" of one product.
  void product(std::string_view full, std::string_view read_only, std::string_view category,
               std::string_view what) {
    prj(full, category,
        "Full access to create, read, list, edit and delete " + std::string(what) + ".");
    prj(read_only, category, "Read-only access to list and read " + std::string(what) + ".");
  }
};

std::vector<PermissionSet> build() {
  Builder b;
  constexpr Access R = Access::kRead;
  constexpr Access F = Access::kFull;
  // --- organization level ---
  b.org("ProjectManager", "Projects",
        "Create, rename, list and delete Projects of the Organization (no access to the "
        "resources inside them).",
        {{"Projects", F}});
  b.org("ProjectReadOnly", "Projects", "List and read the Projects of the Organization.",
        {{"Projects", R}});
  b.org("IAMManager", "IAM",
        "Full access to IAM: users, applications, groups, policies, API keys and the "
        "Organization's security settings; includes ProjectManager.",
        {{"IAMUsers", F},
         {"IAMApplications", F},
         {"IAMGroups", F},
         {"IAMPolicies", F},
         {"IAMAPIKeys", F},
         {"IAMOrganization", F},
         {"IAMLogs", R},
         {"Quota", R},
         {"Projects", F}});
  b.org("IAMReadOnly", "IAM",
        "List and read IAM users, applications, groups, policies, API keys, logs and the "
        "Organization's security settings.",
        {{"IAMUsers", R},
         {"IAMApplications", R},
         {"IAMGroups", R},
         {"IAMPolicies", R},
         {"IAMAPIKeys", R},
         {"IAMOrganization", R},
         {"IAMLogs", R},
         {"Quota", R}});
  b.org("IAMApplicationManager", "IAM",
        "Create, edit and delete IAM applications, including their API keys.",
        {{"IAMApplications", F}, {"IAMAPIKeys", F}});
  b.org("IAMApplicationReadOnly", "IAM", "List and read IAM applications and their API keys.",
        {{"IAMApplications", R}, {"IAMAPIKeys", R}});
  b.org("IAMUserManager", "IAM",
        "Invite, create, edit, lock and delete users, including listing their API keys.",
        {{"IAMUsers", F}, {"IAMAPIKeys", F}});
  b.org("IAMUserReadOnly", "IAM", "List and read users, including listing their API keys.",
        {{"IAMUsers", R}, {"IAMAPIKeys", R}});
  b.org("IAMGroupManager", "IAM", "Create, edit and delete groups and their members.",
        {{"IAMGroups", F}});
  b.org("IAMGroupReadOnly", "IAM", "List and read groups.", {{"IAMGroups", R}});
  b.org("IAMPolicyManager", "IAM", "Create, edit and delete policies and their rules.",
        {{"IAMPolicies", F}});
  b.org("IAMPolicyReadOnly", "IAM", "List and read policies and their rules.",
        {{"IAMPolicies", R}});
  b.org("BillingManager", "Billing",
        "Manage billing contacts, payment methods, budgets and alerts; read invoices and "
        "consumption.",
        {{"Billing", F}, {"Contracts", F}});
  b.org("BillingReadOnly", "Billing", "Read billing information, invoices and consumption.",
        {{"Billing", R}, {"Contracts", R}});
  b.org("OrganizationManager", "Organization",
        "Manage the Organization: Projects, IAM, billing and support tickets (no access to "
        "resources).",
        {{"Projects", F},
         {"IAMUsers", F},
         {"IAMApplications", F},
         {"IAMGroups", F},
         {"IAMPolicies", F},
         {"IAMAPIKeys", F},
         {"IAMOrganization", F},
         {"IAMLogs", R},
         {"Quota", R},
         {"Billing", F},
         {"Contracts", F},
         {"SupportTickets", F}});
  b.org("OrganizationReadOnly", "Organization",
        "Read the Organization's information, Projects and quotas.",
        {{"Projects", R}, {"IAMOrganization", R}, {"Quota", R}, {"Contracts", R}});
  b.org("SupportTicketManager", "Support", "Create, read and close support tickets.",
        {{"SupportTickets", F}});
  b.org("SupportTicketReadOnly", "Support", "List and read support tickets.",
        {{"SupportTickets", R}});
  b.org("AbuseTicketManager", "Support", "Read and answer abuse tickets.", {{"AbuseTickets", F}});
  b.org("AuditTrailReadOnly", "Audit Trail", "List and read Audit Trail events.",
        {{"AuditTrail", R}, {"IAMLogs", R}});
  b.org("AuditTrailExportRead", "Audit Trail", "List and read Audit Trail exports.",
        {{"AuditTrailExport", R}});
  b.org("AuditTrailExportDelete", "Audit Trail", "Delete Audit Trail exports.",
        {{"AuditTrailExport", F}});
  b.org("AuditTrailFullAccess", "Audit Trail", "Full access to Audit Trail events and exports.",
        {{"AuditTrail", F}, {"AuditTrailExport", F}, {"IAMLogs", R}});
  b.org("EnvironmentalImpactReadOnly", "Environmental Footprint",
        "Read the environmental footprint reports of the Organization.",
        {{"EnvironmentalImpact", R}});
  b.org("NotificationManagerFullAccess", "Notifications",
        "Full access to notification contacts and preferences.", {{"NotificationManager", F}});
  b.org("NotificationManagerReadOnly", "Notifications",
        "Read notification contacts and preferences.", {{"NotificationManager", R}});

  // --- project level ---
  {
    PermissionSet all;
    all.name = "AllProductsFullAccess";
    all.scope = ScopeType::kProjects;
    all.description =
        "Full access to create, read, list, edit and delete the resources of every product.";
    all.categories = {"All products"};
    all.all_products = true;
    all.all_access = F;
    b.sets.push_back(all);
    all.name = "AllProductsReadOnly";
    all.description = "Read-only access to list and read the resources of every product.";
    all.all_access = R;
    b.sets.push_back(all);
  }
  b.product("InstancesFullAccess", "InstancesReadOnly", "Compute", "Instances");
  b.prj("InstancesServerStart", "Compute", "Power on Instances.");
  b.prj("InstancesServerStop", "Compute", "Power off Instances.");
  b.product("SSHKeysFullAccess", "SSHKeysReadOnly", "Compute", "SSH keys");
  b.product("ElasticMetalFullAccess", "ElasticMetalReadOnly", "Bare Metal",
            "Elastic Metal servers and flexible IPs");
  b.product("AppleSiliconFullAccess", "AppleSiliconReadOnly", "Bare Metal",
            "Apple silicon servers");
  b.product("DediboxFullAccess", "DediboxReadOnly", "Bare Metal", "Dedibox servers");
  b.prj("DediboxConsoleFullAccess", "Bare Metal", "Full access to the Dedibox console.");
  b.product("ObjectStorageFullAccess", "ObjectStorageReadOnly", "Storage",
            "Object Storage buckets and objects");
  b.prj("ObjectStorageObjectsRead", "Storage", "Read Object Storage objects.");
  b.prj("ObjectStorageObjectsWrite", "Storage", "Write Object Storage objects.");
  b.prj("ObjectStorageObjectsDelete", "Storage", "Delete Object Storage objects.");
  b.prj("ObjectStorageBucketsRead", "Storage", "List and read Object Storage buckets.");
  b.prj("ObjectStorageBucketsWrite", "Storage", "Create and edit Object Storage buckets.");
  b.prj("ObjectStorageBucketsDelete", "Storage", "Delete Object Storage buckets.");
  b.prj("ObjectStorageBucketPolicyFullAccess", "Storage",
        "Full access to Object Storage bucket policies.");
  b.product("BlockStorageFullAccess", "BlockStorageReadOnly", "Storage",
            "Block Storage volumes and snapshots");
  b.product("FileStorageFullAccess", "FileStorageReadOnly", "Storage", "File Storage");
  b.product("ContainerRegistryFullAccess", "ContainerRegistryReadOnly", "Containers",
            "Container Registry namespaces and images");
  b.product("PrivateNetworksFullAccess", "PrivateNetworksReadOnly", "Network", "Private Networks");
  b.product("VPCFullAccess", "VPCReadOnly", "Network", "VPCs and Private Networks");
  b.product("IPAMFullAccess", "IPAMReadOnly", "Network", "IPAM IP addresses");
  b.product("VPCGatewayFullAccess", "VPCGatewayReadOnly", "Network", "Public Gateways");
  b.product("InterlinkFullAccess", "InterlinkReadOnly", "Network", "InterLink connections");
  b.product("InterlinkPartnerFullAccess", "InterlinkPartnerReadOnly", "Network",
            "InterLink partner connections");
  b.product("SiteToSiteVPNFullAccess", "SiteToSiteVPNReadOnly", "Network",
            "Site-to-Site VPN gateways and connections");
  b.product("LoadBalancersFullAccess", "LoadBalancersReadOnly", "Network", "Load Balancers");
  b.product("EdgeServicesFullAccess", "EdgeServicesReadOnly", "Network", "Edge Services");
  b.product("KubernetesFullAccess", "KubernetesReadOnly", "Containers", "Kubernetes clusters");
  b.prj("KubernetesExternalNodeRegister", "Containers",
        "Register external nodes in Kubernetes Kosmos clusters.");
  b.prj("KubernetesSystemMastersGroupAccess", "Containers",
        "Access to the system:masters group of Kubernetes clusters.");
  b.product("FunctionsFullAccess", "FunctionsReadOnly", "Serverless", "Serverless Functions");
  b.prj("FunctionsPrivateAccess", "Serverless", "Invoke private Serverless Functions.");
  b.product("ContainersFullAccess", "ContainersReadOnly", "Serverless", "Serverless Containers");
  b.prj("ContainersPrivateAccess", "Serverless", "Invoke private Serverless Containers.");
  b.product("ServerlessJobsFullAccess", "ServerlessJobsReadOnly", "Serverless", "Serverless Jobs");
  b.product("RelationalDatabasesFullAccess", "RelationalDatabasesReadOnly", "Databases",
            "Managed Databases for PostgreSQL and MySQL");
  b.product("ServerlessSQLDatabaseFullAccess", "ServerlessSQLDatabaseReadOnly", "Databases",
            "Serverless SQL Databases");
  b.prj("ServerlessSQLDatabaseReadWrite", "Databases",
        "Read and write Serverless SQL Databases settings.");
  b.prj("ServerlessSQLDatabaseDataReadWrite", "Databases",
        "Read and write the data of Serverless SQL Databases.");
  b.product("RedisFullAccess", "RedisReadOnly", "Databases", "Managed Databases for Redis");
  b.product("MongoDBFullAccess", "MongoDBReadOnly", "Databases", "Managed MongoDB");
  b.product("SearchDBFullAccess", "SearchDBReadOnly", "Databases", "Managed OpenSearch");
  b.prj("GenerativeApisModelAccess", "AI", "Query the models of Generative APIs.");
  b.prj("GenerativeApisFullAccess", "AI", "Full access to Generative APIs.");
  b.product("InferenceFullAccess", "InferenceReadOnly", "AI", "Managed Inference deployments");
  b.product("DistributedDataLabFullAccess", "DistributedDataLabReadOnly", "Data",
            "Distributed Data Lab clusters");
  b.product("DataWarehouseFullAccess", "DataWarehouseReadOnly", "Data", "Data Warehouse");
  b.product("KafkaClusterFullAccess", "KafkaClusterReadOnly", "Data", "Kafka clusters");
  b.product("MessagingAndQueuingFullAccess", "MessagingAndQueuingReadOnly", "Integration",
            "Messaging and Queuing (NATS, SQS, SNS)");
  b.product("IoTFullAccess", "IoTReadOnly", "Integration", "IoT Hub");
  b.product("DomainsDNSFullAccess", "DomainsDNSReadOnly", "Domains & Web", "domains and DNS");
  b.product("WebHostingFullAccess", "WebHostingReadOnly", "Domains & Web", "Web Hosting");
  b.product("MailboxFullAccess", "MailboxReadOnly", "Domains & Web", "mailboxes");
  b.product("TransactionalEmailFullAccess", "TransactionalEmailReadOnly", "Domains & Web",
            "Transactional Email");
  b.product("TransactionalEmailBlocklistFullAccess", "TransactionalEmailBlocklistReadOnly",
            "Domains & Web", "Transactional Email blocklists");
  b.product("TransactionalEmailDomainFullAccess", "TransactionalEmailDomainReadOnly",
            "Domains & Web", "Transactional Email domains");
  b.product("TransactionalEmailEmailFullAccess", "TransactionalEmailEmailReadOnly", "Domains & Web",
            "Transactional Email emails");
  b.product("TransactionalEmailWebhookFullAccess", "TransactionalEmailWebhookReadOnly",
            "Domains & Web", "Transactional Email webhooks");
  b.product("TransactionalEmailProjectSettingsFullAccess",
            "TransactionalEmailProjectSettingsReadOnly", "Domains & Web",
            "Transactional Email project settings");
  b.product("TransactionalEmailOfferSubscriptionFullAccess",
            "TransactionalEmailOfferSubscriptionReadOnly", "Domains & Web",
            "Transactional Email offer subscriptions");
  b.prj("TransactionalEmailEmailSmtpCreate", "Domains & Web",
        "Send Transactional Emails through SMTP.");
  b.prj("TransactionalEmailEmailApiCreate", "Domains & Web",
        "Send Transactional Emails through the API.");
  b.prj("TransactionalEmailPoolReadOnly", "Domains & Web",
        "List and read Transactional Email IP pools.");
  b.product("ObservabilityFullAccess", "ObservabilityReadOnly", "Observability",
            "Cockpit data sources, tokens and alerts");
  b.product("SecretManagerFullAccess", "SecretManagerReadOnly", "Security & Identity",
            "Secret Manager secrets");
  b.prj("SecretManagerSecretAccess", "Security & Identity", "Access the versions of secrets.");
  b.prj("SecretManagerSecretCreate", "Security & Identity", "Create secrets.");
  b.prj("SecretManagerSecretDelete", "Security & Identity", "Delete secrets.");
  b.prj("SecretManagerSecretWrite", "Security & Identity", "Edit secrets and add versions.");
  b.prj("SecretManagerSecretRestore", "Security & Identity", "Restore deleted secrets.");
  b.product("KeyManagerFullAccess", "KeyManagerReadOnly", "Security & Identity",
            "Key Manager keys");
  b.prj("KeyManagerKeyWrite", "Security & Identity", "Edit Key Manager keys.");
  b.prj("KeyManagerKeyDecrypt", "Security & Identity", "Decrypt data with Key Manager keys.");
  b.prj("KeyManagerKeyEncrypt", "Security & Identity", "Encrypt data with Key Manager keys.");
  b.prj("KeyManagerKeySign", "Security & Identity", "Sign data with Key Manager keys.");
  b.prj("KeyManagerKeyVerify", "Security & Identity", "Verify signatures with Key Manager keys.");
  b.prj("KeyManagerKeyDelete", "Security & Identity", "Delete Key Manager keys.");
  b.prj("KeyManagerKeyCreate", "Security & Identity", "Create Key Manager keys.");
  b.prj("KeyManagerKeyRestore", "Security & Identity", "Restore Key Manager keys.");
  b.product("QaaSFullAccess", "QaaSReadOnly", "Labs", "Quantum as a Service");

  for (auto& s : b.sets) s.id = uuid_from(s.name);
  return std::move(b.sets);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Families that live at organization level (every other declared family with a matching
// "<Family>FullAccess"/"ReadOnly" set of scope projects is project-level).
const std::map<std::string_view, Family>& org_families() {
  static const std::map<std::string_view, Family> kFamilies = [] {
    std::map<std::string_view, Family> m;
    for (std::string_view n : {"IAMUsers", "IAMApplications", "IAMGroups", "IAMPolicies",
                               "IAMAPIKeys", "IAMOrganization", "IAMLogs", "Quota", "Billing",
                               "Contracts", "SupportTickets", "AbuseTickets", "AuditTrail",
                               "AuditTrailExport", "EnvironmentalImpact", "NotificationManager"})
      m.emplace(n, Family{n, FamilyScope::kOrganization, false});
    m.emplace("Projects", Family{"Projects", FamilyScope::kOrganization, true});
    m.emplace("PermissionSets", Family{"PermissionSets", FamilyScope::kAuthenticated, false});
    return m;
  }();
  return kFamilies;
}

}  // namespace

std::span<const PermissionSet> permission_sets() {
  static const std::vector<PermissionSet> kSets = build();
  return kSets;
}

const PermissionSet* find_permission_set(std::string_view name) {
  static const std::map<std::string_view, const PermissionSet*> kByName = [] {
    std::map<std::string_view, const PermissionSet*> m;
    for (auto& s : permission_sets()) m.emplace(s.name, &s);
    return m;
  }();
  auto it = kByName.find(name);
  return it == kByName.end() ? nullptr : it->second;
}

Family family(std::string_view name) {
  if (auto it = org_families().find(name); it != org_families().end()) return it->second;
  auto full = find_permission_set(std::string(name) + "FullAccess");
  auto ro = find_permission_set(std::string(name) + "ReadOnly");
  if ((full && full->scope == ScopeType::kProjects) || (ro && ro->scope == ScopeType::kProjects))
    return Family{name, FamilyScope::kProjects, false};
  return Family{name, FamilyScope::kUnknown, false};
}

Access granted(const PermissionSet& set, std::string_view fam) {
  Access best = Access::kNone;
  auto better = [&](Access a) {
    if (static_cast<int>(a) > static_cast<int>(best)) best = a;
  };
  for (auto& g : set.grants)
    if (g.family == fam) better(g.access);
  if (set.scope == ScopeType::kProjects) {
    if (set.all_products && family(fam).scope == FamilyScope::kProjects) better(set.all_access);
    if (ends_with(set.name, "FullAccess") && set.name.substr(0, set.name.size() - 10) == fam)
      better(Access::kFull);
    if (ends_with(set.name, "ReadOnly") && set.name.substr(0, set.name.size() - 8) == fam)
      better(Access::kRead);
  }
  return best;
}

}  // namespace scwd::iam

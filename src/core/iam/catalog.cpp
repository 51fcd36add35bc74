#include "core/iam/catalog.hpp"

#include <deque>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "core/util/crypto.hpp"

namespace scwd::iam {

using app::Access;

namespace {

// The name of `value` in `names` (in the order the enum declares its values), or `fallback`.
template <typename E, std::size_t N>
std::string_view name_of(E value, const std::string_view (&names)[N], std::string_view fallback) {
  auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : fallback;
}

}  // namespace

std::string_view to_string(ScopeType s) {
  return name_of(s, {"projects", "organization", "account_root_user"}, "unknown_scope_type");
}

std::string_view to_string(Access a) {
  return name_of(a, {"none", "read", "write", "full"}, "none");
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

// A name built at start-up, kept for the life of the process (sets refer to their names).
std::string_view keep(std::string name) {
  static std::deque<std::string> names;
  return names.emplace_back(std::move(name));
}

// A set named "<stem><suffix>" of a product, and what it grants.
struct Named {
  std::string_view suffix, description;
};
// One project-level entry of a category: when `what` is given, a product's "<stem>FullAccess" and
// "<stem>ReadOnly" (on `what`), then those of its `parts` ("<stem><suffix>", on "<what> <part's
// description>"); then its other sets, in order.
struct Entry {
  std::string_view stem, what;
  std::vector<Named> sets, parts;
};
Entry product(std::string_view stem, std::string_view what, std::vector<Named> sets = {},
              std::vector<Named> parts = {}) {
  return {stem, what, std::move(sets), std::move(parts)};
}
Entry sets(std::string_view stem, std::vector<Named> sets) {
  return {stem, {}, std::move(sets), {}};
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
  // "<stem>Manager" (full access to `families`) and "<stem>ReadOnly" (read access to them).
  void managed(std::string_view stem, std::string_view category, std::string manager,
               std::string read_only, std::initializer_list<std::string_view> families) {
    std::vector<Grant> full, read;
    for (auto f : families) {
      full.push_back({f, Access::kFull});
      read.push_back({f, Access::kRead});
    }
    org(keep(std::string(stem) + "Manager"), category, std::move(manager), std::move(full));
    org(keep(std::string(stem) + "ReadOnly"), category, std::move(read_only), std::move(read));
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
  // A product's "<stem>FullAccess" and "<stem>ReadOnly", on `what`.
  void pair(const std::string& stem, const std::string& what, std::string_view category) {
    prj(keep(stem + "FullAccess"), category,
        "Full access to create, read, list, edit and delete " + what + ".");
    prj(keep(stem + "ReadOnly"), category, "Read-only access to list and read " + what + ".");
  }
  // The project-level sets of one category, in order.
  void category(std::string_view category, std::initializer_list<Entry> entries) {
    for (auto& e : entries) {
      std::string stem(e.stem), what(e.what);
      if (!what.empty()) pair(stem, what, category);
      for (auto& part : e.parts)
        pair(stem + std::string(part.suffix), what + " " + std::string(part.description), category);
      for (auto& n : e.sets)
        prj(keep(stem + std::string(n.suffix)), category, std::string(n.description));
    }
  }
};

std::vector<PermissionSet> build() {
  Builder b;
  constexpr Access R = Access::kRead;
  constexpr Access F = Access::kFull;
  // `before`, then `access` on each family of IAM (users, applications, groups, policies, API
  // keys, the Organization's settings), then `after`.
  auto iam = [](Access access, std::vector<Grant> after, std::vector<Grant> before = {}) {
    for (std::string_view f : {"IAMUsers", "IAMApplications", "IAMGroups", "IAMPolicies",
                               "IAMAPIKeys", "IAMOrganization"})
      before.push_back({f, access});
    before.insert(before.end(), after.begin(), after.end());
    return before;
  };
  // --- organization level ---
  b.managed("Project", "Projects",
            "Create, rename, list and delete Projects of the Organization (no access to the "
            "resources inside them).",
            "List and read the Projects of the Organization.", {"Projects"});
  b.org("IAMManager", "IAM",
        "Full access to IAM: users, applications, groups, policies, API keys and the "
        "Organization's security settings; includes ProjectManager.",
        iam(F, {{"IAMLogs", R}, {"Quota", R}, {"Projects", F}}));
  b.org("IAMReadOnly", "IAM",
        "List and read IAM users, applications, groups, policies, API keys, logs and the "
        "Organization's security settings.",
        iam(R, {{"IAMLogs", R}, {"Quota", R}}));
  b.managed("IAMApplication", "IAM",
            "Create, edit and delete IAM applications, including their API keys.",
            "List and read IAM applications and their API keys.",
            {"IAMApplications", "IAMAPIKeys"});
  b.managed("IAMUser", "IAM",
            "Invite, create, edit, lock and delete users, including listing their API keys.",
            "List and read users, including listing their API keys.", {"IAMUsers", "IAMAPIKeys"});
  b.managed("IAMGroup", "IAM", "Create, edit and delete groups and their members.",
            "List and read groups.", {"IAMGroups"});
  b.managed("IAMPolicy", "IAM", "Create, edit and delete policies and their rules.",
            "List and read policies and their rules.", {"IAMPolicies"});
  b.managed("Billing", "Billing",
            "Manage billing contacts, payment methods, budgets and alerts; read invoices and "
            "consumption.",
            "Read billing information, invoices and consumption.", {"Billing", "Contracts"});
  b.org("OrganizationManager", "Organization",
        "Manage the Organization: Projects, IAM, billing and support tickets (no access to "
        "resources).",
        iam(F,
            {{"IAMLogs", R}, {"Quota", R}, {"Billing", F}, {"Contracts", F}, {"SupportTickets", F}},
            {{"Projects", F}}));
  b.org("OrganizationReadOnly", "Organization",
        "Read the Organization's information, Projects and quotas.",
        {{"Projects", R}, {"IAMOrganization", R}, {"Quota", R}, {"Contracts", R}});
  b.managed("SupportTicket", "Support", "Create, read and close support tickets.",
            "List and read support tickets.", {"SupportTickets"});
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
  b.category(
      "Compute",
      {product("Instances", "Instances",
               {{"ServerStart", "Power on Instances."}, {"ServerStop", "Power off Instances."}}),
       product("SSHKeys", "SSH keys")});
  b.category("Bare Metal",
             {product("ElasticMetal", "Elastic Metal servers and flexible IPs"),
              product("AppleSilicon", "Apple silicon servers"),
              product("Dedibox", "Dedibox servers",
                      {{"ConsoleFullAccess", "Full access to the Dedibox console."}})});
  b.category(
      "Storage",
      {product("ObjectStorage", "Object Storage buckets and objects",
               {{"ObjectsRead", "Read Object Storage objects."},
                {"ObjectsWrite", "Write Object Storage objects."},
                {"ObjectsDelete", "Delete Object Storage objects."},
                {"BucketsRead", "List and read Object Storage buckets."},
                {"BucketsWrite", "Create and edit Object Storage buckets."},
                {"BucketsDelete", "Delete Object Storage buckets."},
                {"BucketPolicyFullAccess", "Full access to Object Storage bucket policies."}}),
       product("BlockStorage", "Block Storage volumes and snapshots"),
       product("FileStorage", "File Storage")});
  b.category("Containers",
             {product("ContainerRegistry", "Container Registry namespaces and images")});
  b.category(
      "Network",
      {product("PrivateNetworks", "Private Networks"), product("VPC", "VPCs and Private Networks"),
       product("IPAM", "IPAM IP addresses"), product("VPCGateway", "Public Gateways"),
       product("Interlink", "InterLink connections"),
       product("InterlinkPartner", "InterLink partner connections"),
       product("SiteToSiteVPN", "Site-to-Site VPN gateways and connections"),
       product("LoadBalancers", "Load Balancers"), product("EdgeServices", "Edge Services")});
  b.category(
      "Containers",
      {product("Kubernetes", "Kubernetes clusters",
               {{"ExternalNodeRegister", "Register external nodes in Kubernetes Kosmos clusters."},
                {"SystemMastersGroupAccess",
                 "Access to the system:masters group of Kubernetes clusters."}})});
  b.category("Serverless", {product("Functions", "Serverless Functions",
                                    {{"PrivateAccess", "Invoke private Serverless Functions."}}),
                            product("Containers", "Serverless Containers",
                                    {{"PrivateAccess", "Invoke private Serverless Containers."}}),
                            product("ServerlessJobs", "Serverless Jobs")});
  b.category("Databases",
             {product("RelationalDatabases", "Managed Databases for PostgreSQL and MySQL"),
              product("ServerlessSQLDatabase", "Serverless SQL Databases",
                      {{"ReadWrite", "Read and write Serverless SQL Databases settings."},
                       {"DataReadWrite", "Read and write the data of Serverless SQL Databases."}}),
              product("Redis", "Managed Databases for Redis"),
              product("MongoDB", "Managed MongoDB"), product("SearchDB", "Managed OpenSearch")});
  b.category("AI", {sets("GenerativeApis", {{"ModelAccess", "Query the models of Generative APIs."},
                                            {"FullAccess", "Full access to Generative APIs."}}),
                    product("Inference", "Managed Inference deployments")});
  b.category("Data", {product("DistributedDataLab", "Distributed Data Lab clusters"),
                      product("DataWarehouse", "Data Warehouse"),
                      product("KafkaCluster", "Kafka clusters")});
  b.category("Integration",
             {product("MessagingAndQueuing", "Messaging and Queuing (NATS, SQS, SNS)"),
              product("IoT", "IoT Hub")});
  b.category("Domains & Web",
             {product("DomainsDNS", "domains and DNS"), product("WebHosting", "Web Hosting"),
              product("Mailbox", "mailboxes"),
              product("TransactionalEmail", "Transactional Email",
                      {{"EmailSmtpCreate", "Send Transactional Emails through SMTP."},
                       {"EmailApiCreate", "Send Transactional Emails through the API."},
                       {"PoolReadOnly", "List and read Transactional Email IP pools."}},
                      {{"Blocklist", "blocklists"},
                       {"Domain", "domains"},
                       {"Email", "emails"},
                       {"Webhook", "webhooks"},
                       {"ProjectSettings", "project settings"},
                       {"OfferSubscription", "offer subscriptions"}})});
  b.category("Observability",
             {product("Observability", "Cockpit data sources, tokens and alerts")});
  b.category("Security & Identity",
             {product("SecretManager", "Secret Manager secrets",
                      {{"SecretAccess", "Access the versions of secrets."},
                       {"SecretCreate", "Create secrets."},
                       {"SecretDelete", "Delete secrets."},
                       {"SecretWrite", "Edit secrets and add versions."},
                       {"SecretRestore", "Restore deleted secrets."}}),
              product("KeyManager", "Key Manager keys",
                      {{"KeyWrite", "Edit Key Manager keys."},
                       {"KeyDecrypt", "Decrypt data with Key Manager keys."},
                       {"KeyEncrypt", "Encrypt data with Key Manager keys."},
                       {"KeySign", "Sign data with Key Manager keys."},
                       {"KeyVerify", "Verify signatures with Key Manager keys."},
                       {"KeyDelete", "Delete Key Manager keys."},
                       {"KeyCreate", "Create Key Manager keys."},
                       {"KeyRestore", "Restore Key Manager keys."}})});
  b.category("Labs", {product("QaaS", "Quantum as a Service")});

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

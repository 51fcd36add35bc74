// The store kinds of IAM records, named once: the bootstrap and authentication (core/auth) write
// and read principals and keys, policy evaluation (core/iam) reads groups and policies, and the
// IAM product serves them all.
#pragma once

#include <string_view>

namespace scwd::iam {
inline namespace kinds {

inline constexpr std::string_view kApiKeyKind = "iam.api_key";
inline constexpr std::string_view kUserKind = "iam.user";
inline constexpr std::string_view kApplicationKind = "iam.application";
inline constexpr std::string_view kJwtKind = "iam.jwt";  // console sessions (X-Session-Token)
inline constexpr std::string_view kGroupKind = "iam.group";
inline constexpr std::string_view kPolicyKind = "iam.policy";
inline constexpr std::string_view kSshKeyKind = "iam.ssh_key";
inline constexpr std::string_view kLogKind = "iam.log";
inline constexpr std::string_view kOrgSettingsKind = "iam.organization";
inline constexpr std::string_view kSamlKind = "iam.saml";
inline constexpr std::string_view kSamlCertificateKind = "iam.saml_certificate";
inline constexpr std::string_view kConnectionTokenKind = "iam.connection_token";
inline constexpr std::string_view kScimKind = "iam.scim";
inline constexpr std::string_view kScimTokenKind = "iam.scim_token";

}  // namespace kinds
}  // namespace scwd::iam

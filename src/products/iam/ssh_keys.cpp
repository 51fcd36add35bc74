// SSH keys: validated public keys of a project, with MD5 fingerprints and a disabled flag.
#include "core/resource/resource.hpp"
#include "products/iam/handlers.hpp"
#include "products/iam/secrets.hpp"

namespace scwd::products::iam {

namespace {

constexpr auto kSshKey = permissions("SSHKeys", "ssh_key");

json::object render(const resource::View&, const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["public_key"] = str_of(r.body, "public_key");
  o["fingerprint"] = str_of(r.body, "fingerprint");
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["organization_id"] = r.organization_id;
  o["project_id"] = r.project_id;
  o["disabled"] = bool_of(r.body, "disabled");
  return o;
}

struct KeyIn {
  std::optional<std::string> name;
  Required<std::string> public_key;
};
BOOST_DESCRIBE_STRUCT(KeyIn, (), (name, public_key))

std::optional<ApiError> create_key(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  KeyIn in;
  codec::read(b, in);
  // Recorded: an empty project_id is a format error, not the default project.
  if (auto project = b.str("project_id"); project && !is_uuid(*project))
    b.add("project_id", ArgReason::kFormat, "value must be a valid UUID");
  if (auto e = b.error()) return e;
  auto parsed = parse_ssh_key(*in.public_key.value);
  if (!parsed)
    return ApiError::invalid_argument(
        "public_key", ArgReason::kFormat,
        "invalid SSH public key (accepted types: ssh-rsa, ssh-dss, ssh-ed25519, "
        "ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521)");
  r.name = in.name.value_or("");
  r.body = json::object{{"public_key", parsed->public_key},
                        {"fingerprint", parsed->fingerprint},
                        {"disabled", false}};
  return std::nullopt;
}

}  // namespace

void register_ssh_keys(app::Registry& r) {
  resource::add_resource(r,
                         iam_spec(kSshKeyKind, "ssh_key", "ssh-keys", kSshKey.read, kSshKey.write,
                                  resource::Spec{
                                      .render = render,
                                      .filters = {resource::body_bool("disabled")},
                                      .create = create_key,
                                      .quota = kSshKeysQuota,
                                      .patch = {{"name", resource::PatchField::As::kName},
                                                {"disabled", resource::PatchField::As::kBool}},
                                  }));
}

}  // namespace scwd::products::iam

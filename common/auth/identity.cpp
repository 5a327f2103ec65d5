#include "common/auth/identity.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ducha::auth {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 8> kRoles = {{
    {Role::kIntegration, "integration"},
    {Role::kBody, "body"},
    {Role::kEnforcementBureau, "enforcement_bureau"},
    {Role::kCommissionerOffice, "commissioner_office"},
    {Role::kSupervisionCenter, "supervision_center"},
    {Role::kOperator, "operator"},
    {Role::kService, "service"},
    {Role::kGateway, "gateway"},
}};

}  // namespace

std::string_view RoleName(Role r) {
  for (const auto& [role, name] : kRoles) {
    if (role == r) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view s) {
  for (const auto& [role, name] : kRoles) {
    if (name == s) return role;
  }
  return std::nullopt;
}

bool Identity::MayUseChannel(std::string_view channel) const {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

void Registry::Replace(Snapshot snapshot) {
  auto next = std::make_shared<const Snapshot>(std::move(snapshot));
  std::lock_guard lock(mu_);
  snapshot_ = std::move(next);
}

std::shared_ptr<const Registry::Snapshot> Registry::Current() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

std::optional<std::string> Registry::IdentityForKey(std::string_view public_key_z85) const {
  const auto snap = Current();
  const auto it = snap->key_to_identity.find(std::string(public_key_z85));
  if (it == snap->key_to_identity.end()) return std::nullopt;
  return it->second;
}

std::optional<Identity> Registry::Find(std::string_view name) const {
  const auto snap = Current();
  const auto it = snap->identities.find(std::string(name));
  if (it == snap->identities.end()) return std::nullopt;
  return it->second;
}

std::optional<Identity> Registry::FindByApiKeyHash(std::string_view api_key_hash) const {
  const auto snap = Current();
  const auto key = snap->api_key_hash_to_identity.find(std::string(api_key_hash));
  if (key == snap->api_key_hash_to_identity.end()) return std::nullopt;
  const auto it = snap->identities.find(key->second);
  if (it == snap->identities.end()) return std::nullopt;
  return it->second;
}

std::size_t Registry::size() const { return Current()->identities.size(); }

}  // namespace ducha::auth

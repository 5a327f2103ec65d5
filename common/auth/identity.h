#pragma once
// Who is calling: the identity behind an authenticated key, with its role and scope. The
// Registry holds the current set (loaded from ref.identity by the service's refresher) and is
// read by the ZAP handler (key → name) and by request handlers (name → identity), so a revoked
// key or identity stops working on the next refresh, without a restart, even on a connection
// that was authenticated before the revocation. Thread-safe: readers take a shared snapshot.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ducha::auth {

enum class Role {
  kIntegration,         // pushes reports on given channels
  kBody,                // a city or county government / city environmental bureau
  kEnforcementBureau,   // 省环境综合执法局: re-inspection results
  kCommissionerOffice,  // 驻市环境监察专员办: responsibility opinions
  kSupervisionCenter,   // 省环境保护督查中心: approvals, listing
  kOperator,            // runs the fleet
  kService,             // another ducha service (stream consumers)
  kGateway,             // the HTTP gateway: submits and reads on behalf of integrations
};

std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view s);

struct Identity {
  std::string name;
  Role role = Role::kIntegration;
  std::vector<std::string> channels;  // integration: channels it may submit on
  std::vector<std::string> scope;     // body: division codes it answers for

  bool MayUseChannel(std::string_view channel) const;
};

class Registry {
 public:
  struct Snapshot {
    std::unordered_map<std::string, std::string> key_to_identity;  // active keys only
    std::unordered_map<std::string, Identity> identities;          // active identities only
    // The HTTP gateway's API keys: the SHA-256 (hex) of each active key → identity name. The
    // keys themselves are never stored.
    std::unordered_map<std::string, std::string> api_key_hash_to_identity;
  };

  void Replace(Snapshot snapshot);
  std::optional<std::string> IdentityForKey(std::string_view public_key_z85) const;
  std::optional<Identity> Find(std::string_view name) const;
  // The active identity whose API key hashes to `api_key_hash` (see common/auth/api_key.h).
  std::optional<Identity> FindByApiKeyHash(std::string_view api_key_hash) const;
  std::size_t size() const;

 private:
  std::shared_ptr<const Snapshot> Current() const;

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ = std::make_shared<Snapshot>();
};

// The identity every plain (non-CURVE) client gets in development mode.
inline constexpr std::string_view kDevIdentity = "dev-plaintext";

}  // namespace ducha::auth

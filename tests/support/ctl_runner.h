#pragma once
// The real ducha-ctl binary as operators, bodies and the supervision center run it against a
// test Fleet (tests/support/fleet.h): identities registered in ref with their keys in the fleet's
// directory, the arguments that call a service as one of them, and the command's exit status and
// output. Shared by the ctl integration tests.

#include <string>
#include <vector>

#include "common/auth/identity.h"
#include "tests/support/fleet.h"

namespace ducha::testing {

struct CtlResult {
  int status = -1;
  std::string out;
  std::string err;
};

class CtlRunner {
 public:
  explicit CtlRunner(const Fleet& fleet) : fleet_(fleet) {}

  // Registers an identity in ref and writes its secret key to <fleet dir>/<name>.key.
  void Register(const std::string& name, auth::Role role, std::vector<std::string> scope = {},
                std::vector<std::string> channels = {}) const;
  // Writes a secret key as <fleet dir>/<name>.key (for keys the fleet made).
  void WriteKey(const std::string& name, const std::string& secret) const;
  // Runs ducha-ctl with the shipped campaign and the operator's read URL in its environment.
  CtlResult Run(const std::vector<std::string>& args) const;
  // The arguments that make a call to `service`'s command endpoint as `identity`.
  std::vector<std::string> As(const std::string& identity, const std::string& service) const;
  // Writes a file in the fleet's directory; returns its path.
  std::string WriteFile(const std::string& name, const std::string& text) const;

 private:
  const Fleet& fleet_;
};

std::vector<std::string> Join(std::vector<std::string> a, const std::vector<std::string>& b);
bool Contains(const std::string& haystack, const std::string& needle);
std::string ShellQuote(const std::string& s);
// Polls `sql` (one value) on the test cluster until it equals `want`.
bool AwaitValue(const std::string& sql, const std::string& want, int timeout_ms);
// A whole file's text (empty if it cannot be read).
std::string ReadAll(const std::string& path);

}  // namespace ducha::testing

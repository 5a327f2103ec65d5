#include "common/audit/chain.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace ducha::audit {
namespace {

void Put(std::string& out, const std::string& field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ';';
}

}  // namespace

std::string LineHash(const std::string& prev_hash, std::int64_t problem_id, std::int64_t at,
                     const std::string& what, const std::string& by, const std::string& detail) {
  std::string data;
  Put(data, prev_hash);
  Put(data, std::to_string(problem_id));
  Put(data, std::to_string(at));
  Put(data, what);
  Put(data, by);
  Put(data, detail);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 0xf];
  }
  return hex;
}

std::optional<ChainBreak> VerifyChain(const std::vector<AuditLine>& lines) {
  std::string prev = kGenesisHash;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const AuditLine& l = lines[i];
    if (l.prev_hash != prev) {
      return ChainBreak{i, l.id,
                        "line " + std::to_string(l.id) +
                            " does not follow the line before it (a line was removed, inserted "
                            "or reordered)"};
    }
    const std::string expected = LineHash(l.prev_hash, l.problem_id, l.at, l.what, l.by, l.detail);
    if (l.hash != expected) {
      return ChainBreak{i, l.id,
                        "line " + std::to_string(l.id) + " was changed after it was written"};
    }
    prev = l.hash;
  }
  return std::nullopt;
}

}  // namespace ducha::audit

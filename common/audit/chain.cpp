#include "common/audit/chain.h"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace ducha::audit {
namespace {

void Put(std::string& out, const std::string& field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ';';
}

// SHA-256 with one digest context per thread and the algorithm fetched once: EVP_Digest with
// EVP_sha256() fetches the implementation from the provider on every call, which was as costly
// as the hashing itself for the sweep's short lines (bench/tracking_bench).
struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

void Sha256(const std::string& data, unsigned char* md, unsigned int* len) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (sha256 == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), sha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), md, len) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
}

}  // namespace

std::string LineHash(const std::string& prev_hash, std::int64_t problem_id, std::int64_t at,
                     const std::string& what, const std::string& by, const std::string& detail) {
  std::string data;
  data.reserve(prev_hash.size() + what.size() + by.size() + detail.size() + 64);
  Put(data, prev_hash);
  Put(data, std::to_string(problem_id));
  Put(data, std::to_string(at));
  Put(data, what);
  Put(data, by);
  Put(data, detail);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  Sha256(data, md.data(), &len);
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

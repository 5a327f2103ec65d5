#pragma once
// The hash chain of a per-problem history (审计链): each line's hash is SHA-256 over the previous
// line's hash and the line's fields, so editing, inserting or deleting a line breaks the chain
// from that line on. Review's decisions and dispatch's operator changes are chained; their
// stores append, `ducha-ctl audit verify` checks. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ducha::audit {

inline constexpr const char* kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditLine {
  std::int64_t id = 0;
  std::int64_t problem_id = 0;
  std::int64_t at = 0;
  std::string what;
  std::string by;
  std::string detail;
  std::string prev_hash;
  std::string hash;
};

// Lowercase hex SHA-256 of prev_hash and the line's canonical fields (length-prefixed, so no
// two different lines hash the same bytes).
std::string LineHash(const std::string& prev_hash, std::int64_t problem_id, std::int64_t at,
                     const std::string& what, const std::string& by, const std::string& detail);

struct ChainBreak {
  std::size_t index = 0;  // position in the lines given
  std::int64_t id = 0;    // the line's id
  std::string reason;
};

// The first broken link of one problem's lines (in id order), or none when the chain holds.
std::optional<ChainBreak> VerifyChain(const std::vector<AuditLine>& lines);

}  // namespace ducha::audit

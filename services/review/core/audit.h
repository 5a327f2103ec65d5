#pragma once
// Review's history is hash-chained with the shared chain of common/audit.

#include "common/audit/chain.h"

namespace ducha::review {
using audit::AuditLine;
using audit::ChainBreak;
using audit::kGenesisHash;
using audit::LineHash;
using audit::VerifyChain;
}  // namespace ducha::review

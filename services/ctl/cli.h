#pragma once
// What every ducha-ctl command shares: the command line, failing with a stable code, the two
// database URLs, the campaign directory, the CURVE identity of a call and the Lazy Pirate
// request to a service, and printing tables (aligned for a terminal, or CSV for spreadsheets).
//
// A command is a function `int Command(const Args&)` returning the exit status; Fail() ends the
// process with status 1 and `error: code: message` on stderr.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/campaign/campaign.h"
#include "common/codec/frame.h"
#include "common/transport/transport.h"
#include "proto/common.h"
#include "proto/common_codec.h"
#include "proto/registry.h"
#include "services/ctl/json_msgpack.h"

namespace ducha::ctl {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool json = false;

  std::string Opt(const std::string& name, const std::string& fallback = "") const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  bool Flag(const std::string& name) const { return options.count(name) != 0; }
};

// `--json` anywhere; the flags --plain --csv --responsibility --all --gaps-only take no value;
// every other `--name` takes the next argument (or `--name=value`).
Args ParseArgs(int argc, char** argv);

[[noreturn]] void Fail(const std::string& code, const std::string& message);
// `error: code field: message` on stderr (no field when empty), as a service's refusal reads.
void PrintError(const std::string& code, const std::string& field, const std::string& message);

// A whole decimal integer (optional leading '-'); none for anything else.
std::optional<std::int64_t> ParseInt(std::string_view s);
std::vector<std::string> SplitList(const std::string& s);
// The file's text without trailing newlines and blanks; fails with io_error.
std::string ReadText(const std::string& path);

// --db-url, or DUCHA_CTL_DB_URL (role ducha_ref: the writes to the reference schema).
std::string DbUrl(const Args& a);
// --db-url, or DUCHA_CTL_READ_URL (role ducha_operator: reads of the service schemas), or the
// write URL when only that is set.
std::string ReadUrl(const Args& a);

// --campaign DIR, or DUCHA_CAMPAIGN_DIR, or deploy/campaigns/hebei-2017-2018 (relative to the
// current directory).
std::string CampaignDir(const Args& a);
// The campaign for names in the output; none (with a warning on stderr) when it cannot be
// loaded, and the command prints codes only.
std::optional<campaign::Campaign> CampaignForNames(const Args& a);

// The CURVE identity of this CLI call: --server-key (the service's public key file) and
// --key-file (our secret key), or --plain for a development fleet.
transport::ClientSecurity SecurityFrom(const Args& a);

// Lazy Pirate: send, wait, and on a timeout resend on a fresh socket. Every request we send is
// safe to repeat (a submission carries its idempotency key, a tracking action its request id;
// admin commands and queries are idempotent or answered from state). Returns the reply frame;
// fails with "timeout" after `retries` attempts.
std::string RequestFrame(const std::string& endpoint, const transport::ClientSecurity& sec,
                         const std::string& frame, int retries, std::chrono::milliseconds timeout);
// The same, with the reply decoded into JSON for display.
nlohmann::json Request(const std::string& endpoint, const transport::ClientSecurity& sec,
                       const std::string& frame, int retries, std::chrono::milliseconds timeout);
// One request to a service endpoint as the caller's identity (SecurityFrom): --endpoint (or
// `default_endpoint`), --retries (3) and --timeout-ms (5000). Returns the reply frame.
std::string ServiceRequest(const Args& a, const std::string& frame,
                           const std::string& default_endpoint);
// One request to a service's admin endpoint as the operator's identity; --endpoint required.
nlohmann::json AdminRequest(const Args& a, const std::string& frame);

// The positional argument at `index` as a positive whole number, an id named `name`
// (PROBLEM_ID, TASK_ID); fails with usage.
std::int64_t IdArg(const Args& a, std::size_t index, const std::string& name,
                   const std::string& usage);
// The option's value; fails with usage when it is absent or empty.
std::string Required(const Args& a, const std::string& name);
// The option's yes or no; fails with usage for anything else.
bool YesNo(const Args& a, const std::string& name);
// ctl-<verb>-<ms since epoch, base 36>-<8 random hex digits>: unique enough for one operator's
// requests, and within request_id's format (ASCII id, at most 64 bytes).
std::string FreshRequestId(const std::string& verb);
// The idempotency key of a command: --request-id, or a fresh one when absent.
struct RequestId {
  std::string id;
  bool fresh = false;
};
RequestId RequestIdFor(const Args& a, const std::string& verb);
// A fresh request id is printed on stderr, so that a retry of the same command can pass it again.
void Announce(const RequestId& r);

// The reply as the message M: printed as JSON with --json. A common.error is printed on
// stderr as `error: code field: message` and gives none; anything else fails.
template <typename M>
std::optional<M> ExpectReply(const Args& a, const std::string& reply) {
  auto frame = proto::ParseMessage(reply);
  if (!frame) Fail("bad_reply", "the reply does not parse: " + frame.error().message);
  if (a.json) std::cout << FrameToJson(reply).dump(2) << "\n";
  if (frame->type() == proto::common::ErrorReply::kType) {
    auto err = codec::DecodeAs<proto::common::ErrorReply>(*frame);
    if (!err) Fail("bad_reply", "common.error: " + err.error().message);
    PrintError(err->code, err->field.value_or(""), err->message);
    return std::nullopt;
  }
  if (frame->type() != M::kType) {
    Fail("unexpected_reply",
         "expected " + std::string(M::kType) + ", got " + std::string(frame->type()));
  }
  auto m = codec::DecodeAs<M>(*frame);
  if (!m) {
    Fail("bad_reply", std::string(M::kType) + ": " + m.error().code + " " + m.error().field + ": " +
                          m.error().message);
  }
  return std::move(m).value();
}

// Names for codes, from the campaign when it loaded; the codes themselves otherwise.
class Names {
 public:
  static constexpr int kDefaultZoneMinutes = 480;  // Asia/Shanghai, when no campaign is loaded

  explicit Names(const std::optional<campaign::Campaign>& campaign) : c_(campaign) {}

  // The division's name (长安区), or empty when unknown.
  std::string Place(std::int64_t code) const;
  std::string Place(const std::string& code) const;
  // 长安区 130102, or 130102 alone.
  std::string PlaceAndCode(const std::string& code) const;
  std::string Category(std::string_view name) const;
  std::string Channel(std::string_view name) const;
  std::string Severity(std::string_view name) const;
  // SG1 第一督察组, or the id alone.
  std::string Group(const std::string& id) const;
  int ZoneMinutes() const { return c_ ? c_->info().utc_offset_minutes : kDefaultZoneMinutes; }
  const campaign::Campaign* campaign() const { return c_ ? &*c_ : nullptr; }

 private:
  const std::optional<campaign::Campaign>& c_;
};

// Terminal columns a UTF-8 string takes: East Asian wide characters (汉字, full-width
// punctuation) take two, everything else one.
std::size_t DisplayWidth(std::string_view s);
// RFC 4180 quoting of one CSV field.
std::string CsvField(const std::string& v);
// A table: aligned columns for a terminal, or CSV (a UTF-8 byte-order mark so that Excel shows
// Chinese, CRLF line ends) with the header as its first line.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, bool csv);

}  // namespace ducha::ctl

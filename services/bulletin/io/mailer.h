#pragma once
// SmtpMailer: sends one bulletin mail over SMTP with libcurl (smtp:// with STARTTLS none, try or
// required, or smtps://; optional authentication). The message is built with curl's MIME API:
//
//   multipart/mixed
//   ├── multipart/alternative
//   │   ├── text/plain; charset=UTF-8                (the plain-text bulletin)
//   │   └── multipart/related; type="text/html"
//   │       ├── text/html; charset=UTF-8             (refers to the chart as cid:chart)
//   │       └── image/png, Content-ID: <chart>       (inline)
//   └── application/pdf                              (attachment, the printable bulletin)
//
// Headers are UTF-8 as RFC 2047 encoded words; the Message-ID is the caller's, so every attempt
// of one send carries the same one. Send() blocks for at most the configured timeout; a refusal
// or an unreachable server is an Error value (smtp_failed), never an exception.
//
// Not thread-safe: one thread uses one instance.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/base/time.h"
#include "services/bulletin/core/recipients.h"

namespace ducha::bulletin {

enum class StartTls { kNone, kTry, kRequired };

struct SmtpSettings {
  std::string url;  // smtp://host:port or smtps://host:port
  StartTls starttls = StartTls::kRequired;
  std::string username;  // empty: no authentication
  std::string password;
  std::string from;       // the sender's address
  std::string from_name;  // its display name
  std::string ca_file;    // CA certificates to verify the server with; empty: the system's
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};
};

struct Mail {
  std::string message_id;  // without angle brackets
  std::vector<Recipient> to;
  std::string subject;
  std::string text;
  std::string html;
  std::string png;  // the chart
  std::string pdf;
  std::string pdf_name;  // ASCII file name
  timeutil::Millis date = 0;
  int utc_offset_minutes = 0;  // the Date header's zone
};

class SmtpMailer {
 public:
  explicit SmtpMailer(SmtpSettings settings);
  Status Send(const Mail& mail) const;
  const SmtpSettings& settings() const { return settings_; }

 private:
  SmtpSettings settings_;
};

// RFC 2047 encoded words (UTF-8, base64) for a header value; ASCII without specials is kept.
std::string EncodeHeaderText(std::string_view utf8);
// "=?UTF-8?B?...?= <address>".
std::string FormatMailbox(std::string_view name, std::string_view address);
// RFC 5322 date in the given zone: "Sat, 25 Nov 2017 09:00:00 +0800".
std::string FormatMailDate(timeutil::Millis t, int utc_offset_minutes);
// LF line ends as CRLF (SMTP's), CRLF kept.
std::string ToCrlf(std::string_view text);
std::string Base64(std::string_view bytes);

}  // namespace ducha::bulletin

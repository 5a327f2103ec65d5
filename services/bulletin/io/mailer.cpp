#include "services/bulletin/io/mailer.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace ducha::bulletin {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SList = std::unique_ptr<curl_slist, ListDeleter>;

// Appends to a curl list, keeping ownership in one place.
void Append(SList& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (next == nullptr) throw std::bad_alloc();
  (void)list.release();
  list.reset(next);
}

bool PlainAscii(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || ch == '"' || ch == '=' || ch == '?' || ch == '<' || ch == '>' ||
        ch == '(' || ch == ')' || ch == ',' || ch == ';' || ch == ':' || ch == '@' || ch == '\\') {
      return false;
    }
  }
  return true;
}

void AddPart(curl_mimepart* part, std::string_view data, const char* type, const char* encoder) {
  curl_mime_data(part, data.data(), data.size());
  curl_mime_type(part, type);
  curl_mime_encoder(part, encoder);
}

void PartHeaders(curl_mimepart* part, std::initializer_list<std::string> lines) {
  curl_slist* headers = nullptr;
  for (const std::string& l : lines) headers = curl_slist_append(headers, l.c_str());
  curl_mime_headers(part, headers, 1);  // the part owns the list
}

}  // namespace

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
                   (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
                   static_cast<unsigned>(static_cast<unsigned char>(in[i + 2]));
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string EncodeHeaderText(std::string_view s) {
  if (PlainAscii(s)) return std::string(s);
  // Encoded words of at most 75 characters: 12 of "=?UTF-8?B??=" leave 63, so 45 bytes of
  // text, cut on a character boundary (never inside a UTF-8 sequence).
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = std::min(s.size(), i + 45);
    while (end < s.size() && end > i && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(s.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string FormatMailbox(std::string_view name, std::string_view address) {
  if (name.empty()) return "<" + std::string(address) + ">";
  return EncodeHeaderText(name) + " <" + std::string(address) + ">";
}

std::string FormatMailDate(timeutil::Millis t, int offset) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t day = timeutil::DayOf(t, offset);
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  timeutil::CivilFromDays(day, y, m, d);
  const std::int64_t seconds = (t - timeutil::StartOfDay(day, offset)) / 1000;
  char buf[64];
  const int a = offset < 0 ? -offset : offset;
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d %c%02d%02d",
                kDays[timeutil::Weekday(day)], d, kMonths[m - 1], y,
                static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                static_cast<int>(seconds % 60), offset < 0 ? '-' : '+', a / 60, a % 60);
  return buf;
}

std::string ToCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

SmtpMailer::SmtpMailer(SmtpSettings settings) : settings_(std::move(settings)) { GlobalInit(); }

Status SmtpMailer::Send(const Mail& mail) const {
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return MakeError("smtp_failed", "", "curl_easy_init failed");
  CURL* c = curl.get();
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  switch (settings_.starttls) {
    case StartTls::kNone:
      curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE));
      break;
    case StartTls::kTry:
      curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
      break;
    case StartTls::kRequired:
      curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
      break;
  }
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  const std::string from = "<" + settings_.from + ">";
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  SList recipients;
  std::string to_header;
  for (const Recipient& r : mail.to) {
    Append(recipients, "<" + r.address + ">");
    if (!to_header.empty()) to_header += ",\r\n ";
    to_header += FormatMailbox(r.title, r.address);
  }
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());

  SList headers;
  Append(headers, "Date: " + FormatMailDate(mail.date, mail.utc_offset_minutes));
  Append(headers, "From: " + FormatMailbox(settings_.from_name, settings_.from));
  Append(headers, "To: " + to_header);
  Append(headers, "Subject: " + EncodeHeaderText(mail.subject));
  Append(headers, "Message-ID: <" + mail.message_id + ">");
  Append(headers, "Auto-Submitted: auto-generated");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(c));
  curl_mime* alternative = curl_mime_init(c);
  const std::string text = ToCrlf(mail.text);
  AddPart(curl_mime_addpart(alternative), text, "text/plain; charset=UTF-8", "quoted-printable");
  curl_mime* related = curl_mime_init(c);
  const std::string html = ToCrlf(mail.html);
  AddPart(curl_mime_addpart(related), html, "text/html; charset=UTF-8", "quoted-printable");
  curl_mimepart* chart = curl_mime_addpart(related);
  AddPart(chart, mail.png, "image/png", "base64");
  PartHeaders(chart,
              {"Content-ID: <chart>", "Content-Disposition: inline; filename=\"chart.png\""});
  curl_mimepart* related_part = curl_mime_addpart(alternative);
  curl_mime_subparts(related_part, related);
  curl_mime_type(related_part, "multipart/related; type=\"text/html\"");
  curl_mimepart* alternative_part = curl_mime_addpart(mime.get());
  curl_mime_subparts(alternative_part, alternative);
  curl_mime_type(alternative_part, "multipart/alternative");
  curl_mimepart* pdf = curl_mime_addpart(mime.get());
  AddPart(pdf, mail.pdf, "application/pdf", "base64");
  curl_mime_filename(pdf, mail.pdf_name.c_str());
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    long response = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    std::string message = error[0] != '\0' ? error : curl_easy_strerror(rc);
    if (response != 0) message += " (last SMTP reply " + std::to_string(response) + ")";
    return MakeError("smtp_failed", "", message);
  }
  return OkStatus();
}

}  // namespace ducha::bulletin

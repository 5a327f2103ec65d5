#include "services/ctl/cli.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <zmq.hpp>

#include "common/campaign/loader.h"
#include "common/svc/runtime.h"
#include "services/ctl/json_msgpack.h"

namespace ducha::ctl {
namespace {

constexpr const char* kDefaultCampaignDir = "deploy/campaigns/hebei-2017-2018";

bool IsFlag(const std::string& s) {
  return s == "--plain" || s == "--csv" || s == "--responsibility" || s == "--all" ||
         s == "--gaps-only" || s == "--dry-run" || s == "--counties";
}

// East Asian Wide and Fullwidth code points (Unicode's EastAsianWidth W and F), coarsely.
bool IsWide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
         (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

}  // namespace

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--json") {
      a.json = true;
    } else if (IsFlag(s)) {
      a.options[s.substr(2)] = "1";
    } else if (s.rfind("--", 0) == 0) {
      const auto eq = s.find('=');
      if (eq != std::string::npos) {
        a.options[s.substr(2, eq - 2)] = s.substr(eq + 1);
      } else if (i + 1 < argc) {
        a.options[s.substr(2)] = argv[++i];
      } else {
        Fail("usage", "option " + s + " needs a value");
      }
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

void Fail(const std::string& code, const std::string& message) {
  std::cout.flush();
  std::fprintf(stderr, "error: %s: %s\n", code.c_str(), message.c_str());
  std::exit(1);
}

void PrintError(const std::string& code, const std::string& field, const std::string& message) {
  std::cout.flush();
  const std::string at = field.empty() ? "" : " " + field;
  std::fprintf(stderr, "error: %s%s: %s\n", code.c_str(), at.c_str(), message.c_str());
}

std::optional<std::int64_t> ParseInt(std::string_view s) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string ReadText(const std::string& path) {
  std::ifstream f(path);
  if (!f) Fail("io_error", "cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string DbUrl(const Args& a) {
  std::string url = a.Opt("db-url");
  if (url.empty()) {
    if (const char* env = std::getenv("DUCHA_CTL_DB_URL")) url = env;
  }
  if (url.empty()) Fail("usage", "no database: pass --db-url URL or set DUCHA_CTL_DB_URL");
  return url;
}

std::string ReadUrl(const Args& a) {
  std::string url = a.Opt("db-url");
  if (url.empty()) {
    if (const char* env = std::getenv("DUCHA_CTL_READ_URL")) url = env;
  }
  if (url.empty()) return DbUrl(a);
  return url;
}

std::string CampaignDir(const Args& a) {
  std::string dir = a.Opt("campaign");
  if (dir.empty()) {
    if (const char* env = std::getenv("DUCHA_CAMPAIGN_DIR")) dir = env;
  }
  return dir.empty() ? kDefaultCampaignDir : dir;
}

std::optional<campaign::Campaign> CampaignForNames(const Args& a) {
  const std::string dir = CampaignDir(a);
  auto loaded = campaign::LoadCampaign(dir);
  if (!loaded) {
    std::fprintf(stderr,
                 "warning: cannot load the campaign from %s (%s); printing codes without names "
                 "(use --campaign DIR or DUCHA_CAMPAIGN_DIR)\n",
                 dir.c_str(), loaded.error().message.c_str());
    return std::nullopt;
  }
  return std::move(loaded).value();
}

transport::ClientSecurity SecurityFrom(const Args& a) {
  transport::ClientSecurity sec;
  sec.curve = !a.Flag("plain");
  if (sec.curve) {
    if (a.Opt("server-key").empty() || a.Opt("key-file").empty()) {
      Fail("usage",
           "pass --server-key FILE and --key-file FILE (or --plain for a development fleet)");
    }
    sec.server_public_z85 = ReadText(a.Opt("server-key"));
    const auto secret = svc::ReadSecretKeyFile(a.Opt("key-file"));
    if (!secret) Fail("bad_key", "--key-file must hold a 40-character Z85 secret key");
    sec.client.secret_z85 = *secret;
    sec.client.public_z85 = transport::PublicKeyOf(*secret);
  }
  return sec;
}

std::string RequestFrame(const std::string& endpoint, const transport::ClientSecurity& sec,
                         const std::string& frame, int retries, std::chrono::milliseconds timeout) {
  zmq::context_t ctx;
  for (int attempt = 1; attempt <= retries; ++attempt) {
    zmq::socket_t sock = transport::MakeClientSocket(ctx, zmq::socket_type::dealer, sec);
    sock.connect(endpoint);
    zmq::message_t m(frame.data(), frame.size());
    (void)sock.send(m, zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, timeout) > 0) {
      std::vector<zmq::message_t> frames;
      transport::RecvMessage(sock, frames, 8);
      return frames.back().to_string();
    }
    std::fprintf(stderr, "no reply within %lld ms (attempt %d of %d)\n",
                 static_cast<long long>(timeout.count()), attempt, retries);
  }
  Fail("timeout", "no answer from " + endpoint);
}

nlohmann::json Request(const std::string& endpoint, const transport::ClientSecurity& sec,
                       const std::string& frame, int retries, std::chrono::milliseconds timeout) {
  return FrameToJson(RequestFrame(endpoint, sec, frame, retries, timeout));
}

std::string ServiceRequest(const Args& a, const std::string& frame,
                           const std::string& default_endpoint) {
  const auto retries = ParseInt(a.Opt("retries", "3"));
  const auto timeout_ms = ParseInt(a.Opt("timeout-ms", "5000"));
  if (!retries || *retries < 1 || *retries > 100) Fail("usage", "--retries must be 1..100");
  if (!timeout_ms || *timeout_ms < 1) Fail("usage", "--timeout-ms must be a positive number");
  return RequestFrame(a.Opt("endpoint", default_endpoint), SecurityFrom(a), frame,
                      static_cast<int>(*retries), std::chrono::milliseconds(*timeout_ms));
}

nlohmann::json AdminRequest(const Args& a, const std::string& frame) {
  const std::string endpoint = a.Opt("endpoint");
  if (endpoint.empty()) Fail("usage", "--endpoint (the service's admin endpoint) is required");
  return Request(endpoint, SecurityFrom(a), frame, 3, std::chrono::seconds(10));
}

std::int64_t IdArg(const Args& a, std::size_t index, const std::string& name,
                   const std::string& usage) {
  if (a.positional.size() <= index) Fail("usage", usage);
  const auto id = ParseInt(a.positional[index]);
  if (!id || *id < 1) {
    Fail("usage", name + " must be a positive whole number, not '" + a.positional[index] + "'");
  }
  return *id;
}

std::string Required(const Args& a, const std::string& name) {
  const std::string v = a.Opt(name);
  if (v.empty()) Fail("usage", "--" + name + " is required");
  return v;
}

bool YesNo(const Args& a, const std::string& name) {
  const std::string v = Required(a, name);
  if (v == "yes") return true;
  if (v == "no") return false;
  Fail("usage", "--" + name + " must be yes or no, not '" + v + "'");
}

std::string FreshRequestId(const std::string& verb) {
  auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  std::string stamp;
  do {
    stamp.insert(stamp.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[ms % 36]);
    ms /= 36;
  } while (ms > 0);
  std::random_device rd;
  char rnd[16];
  std::snprintf(rnd, sizeof rnd, "%08x", rd());
  return "ctl-" + verb + "-" + stamp + "-" + rnd;
}

RequestId RequestIdFor(const Args& a, const std::string& verb) {
  const std::string given = a.Opt("request-id");
  return given.empty() ? RequestId{FreshRequestId(verb), true} : RequestId{given, false};
}

void Announce(const RequestId& r) {
  if (!r.fresh) return;
  std::fprintf(stderr, "request id %s (pass --request-id %s to retry this command safely)\n",
               r.id.c_str(), r.id.c_str());
}

std::string Names::Place(std::int64_t code) const {
  if (c_) {
    if (auto n = c_->NameOf(static_cast<campaign::DivisionCode>(code))) return std::string(*n);
  }
  return {};
}

std::string Names::Place(const std::string& code) const {
  const auto v = ParseInt(code);
  return v ? Place(*v) : std::string();
}

std::string Names::PlaceAndCode(const std::string& code) const {
  const std::string n = Place(code);
  return n.empty() ? code : n + " " + code;
}

std::string Names::Category(std::string_view name) const {
  if (c_) {
    if (const auto* info = c_->FindCategory(name)) return info->display_name;
  }
  return std::string(name);
}

std::string Names::Channel(std::string_view name) const {
  if (c_) {
    if (const auto* info = c_->FindChannel(name)) return info->display_name;
  }
  return std::string(name);
}

std::string Names::Severity(std::string_view name) const {
  if (c_) {
    if (const auto* info = c_->FindSeverity(name)) return info->display_name;
  }
  return std::string(name);
}

std::string Names::Group(const std::string& id) const {
  if (c_) {
    if (const auto* g = c_->FindGroup(id)) return id + " " + g->name;
  }
  return id;
}

std::size_t DisplayWidth(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    }
    w += IsWide(cp) ? 2u : 1u;
    i += len;
  }
  return w;
}

std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, bool csv) {
  if (csv) {
    std::cout << "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::cout << (i ? "," : "") << CsvField(header[i]);
    }
    std::cout << "\r\n";
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < r.size(); ++i) std::cout << (i ? "," : "") << CsvField(r[i]);
      std::cout << "\r\n";
    }
    return;
  }
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = DisplayWidth(header[i]);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(r[i]));
    }
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(widths[i] - DisplayWidth(r[i]) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();  // no trailing blanks
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

}  // namespace ducha::ctl

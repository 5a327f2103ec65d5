// The bulletin by email against a real SMTP server on loopback (Debian's aiosmtpd, started by the
// test on a free port): every recipient list gets the week's bulletin exactly once with the
// chart inline and the PDF attached; a send interrupted between `sending` and `sent` is sent
// again with the same Message-ID, never a second distinct one; a failed delivery waits for its
// backoff and is visible; STARTTLS and authentication; and no reporter's name or phone appears
// in any mail, the PDF or the log.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "proto/bulletin_codec.h"
#include "proto/registry.h"
#include "services/bulletin/core/numbers_json.h"
#include "services/bulletin/core/render.h"
#include "services/bulletin/io/commands.h"
#include "services/bulletin/io/mailer.h"
#include "services/bulletin/io/runner.h"
#include "tests/integration/bulletin/bulletin_fixture.h"

extern char** environ;

namespace ducha::bulletin::itest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-aiosmtpd

std::string Here() { return ducha::testing::SourceDir() + "/tests/integration/bulletin/"; }

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A real SMTP server process on 127.0.0.1, storing what it receives in a Maildir.
class SmtpServer {
 public:
  // Plain SMTP: python3 -m aiosmtpd with its Mailbox handler.
  static std::unique_ptr<SmtpServer> Plain(const std::string& dir) {
    const int port = ducha::testing::FreePort();
    return std::make_unique<SmtpServer>(
        dir, port,
        std::vector<std::string>{kPython, "-m", "aiosmtpd", "-n", "-l",
                                 "127.0.0.1:" + std::to_string(port), "-c",
                                 "aiosmtpd.handlers.Mailbox", dir + "/maildir"});
  }
  // STARTTLS and AUTH required (tests/integration/bulletin/smtp_tls_server.py).
  static std::unique_ptr<SmtpServer> Tls(const std::string& dir, const std::string& cert,
                                         const std::string& key) {
    const int port = ducha::testing::FreePort();
    return std::make_unique<SmtpServer>(
        dir, port,
        std::vector<std::string>{kPython, Here() + "smtp_tls_server.py", std::to_string(port),
                                 dir + "/maildir", cert, key, "bulletin", "s3cret-pass"});
  }

  SmtpServer(std::string dir, int port, std::vector<std::string> argv)
      : dir_(std::move(dir)), port_(port) {
    fs::create_directories(dir_);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = dir_ + "/server.log";
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 200 && pid_ != 0 && !Accepts(port_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~SmtpServer() {
    if (pid_ != 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  bool up() const { return pid_ != 0 && Accepts(port_); }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::string server_log() const { return ReadAll(dir_ + "/server.log"); }

  // Every message received so far (tests/integration/bulletin/mail_summary.py).
  json Messages() const {
    if (!fs::exists(dir_ + "/maildir")) return json::array();
    return json::parse(
        Shell(std::string(kPython) + " " + Here() + "mail_summary.py " + dir_ + "/maildir"));
  }

 private:
  std::string dir_;
  int port_;
  pid_t pid_ = 0;
};

// Three of the shipped lists, for the tests about one send's life rather than about coverage.
const Distribution& FewLists() {
  static const Distribution d = [] {
    Distribution few;
    few.issuer = ShippedLists().issuer;
    for (const char* id : {"provincial", "city-130100", "city-130200"}) {
      few.lists.push_back(*ShippedLists().Find(id));
    }
    return few;
  }();
  return d;
}

// A campaign calendar whose issue 1 is the week of 2017-11-18 .. 11-24 (cut-off 11-25).
const WeekCalendar& Weeks() {
  static const WeekCalendar w = *WeekCalendar::Create(480, D("2017-11-20"), D("2017-12-04"), {});
  return w;
}

class BulletinMailTest : public BulletinDbTest {
 protected:
  void SetUp() override {
    BulletinDbTest::SetUp();
    dir_ = ::testing::TempDir() + "bulletin-mail-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    settings_.interval = std::chrono::milliseconds(50);
    settings_.retry_initial = std::chrono::milliseconds(30'000);
    settings_.retry_max = std::chrono::milliseconds(600'000);
    settings_.send = SendSettings{"hebei-2017-2018", "ducha.hebei.example"};
    // Reports with the reporter's name and phone in every free-text field, a problem whose
    // title names them, one overdue problem.
    Intake(Accepted(1, "2017-11-20T10:00:00+08:00"),
           Accepted(2, "2017-11-21T10:00:00+08:00", "130202"));
    Dispatch(Assigned(101, "2017-11-01T09:00:00+08:00", "2017-11-15"),
             Assigned(102, "2017-11-20T09:00:00+08:00", "2017-12-11", "130202"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  SmtpSettings Smtp(const std::string& url) {
    SmtpSettings s;
    s.url = url;
    s.starttls = StartTls::kNone;
    s.from = "bulletin@ducha.hebei.example";
    s.from_name = "督察快报";
    s.connect_timeout = std::chrono::milliseconds(3000);
    s.timeout = std::chrono::milliseconds(20'000);
    return s;
  }

  std::unique_ptr<BulletinRunner> Runner(const SmtpMailer& mailer,
                                         const Distribution& lists = FewLists()) {
    return std::make_unique<BulletinRunner>(settings_, Hebei(), Weeks(), lists, fleet_, wall_,
                                            mailer, [] { return true; });
  }

  static std::set<std::string> Ids(const json& messages) {
    std::set<std::string> ids;
    for (const json& m : messages) ids.insert(m["message_id"].get<std::string>());
    return ids;
  }

  std::string dir_;
  RunnerSettings settings_;
  SimulatedClock fleet_{At("2017-11-25T09:30:00+08:00")};
  SimulatedClock wall_{At("2024-03-02T10:00:00Z")};
};

TEST_F(BulletinMailTest, EveryListGetsTheWeeksBulletinOnceWithTheChartInlineAndThePdfAttached) {
  const auto server = SmtpServer::Plain(dir_ + "/smtp");
  ASSERT_TRUE(server->up()) << server->server_log();
  const SmtpMailer mailer(Smtp(server->url()));
  auto runner = Runner(mailer, ShippedLists());
  EXPECT_EQ(runner->Recover(conn_), 0);
  EXPECT_EQ(runner->Generate(conn_), 1);
  EXPECT_EQ(runner->SendDue(conn_), static_cast<int>(ShippedLists().lists.size()));
  // Later passes find nothing to do: each list has its one send.
  EXPECT_EQ(runner->Generate(conn_), 0);
  EXPECT_EQ(runner->SendDue(conn_), 0);
  EXPECT_EQ(runner->stats().sent.load(), ShippedLists().lists.size());
  EXPECT_EQ(runner->stats().sent_total.load(),
            static_cast<std::int64_t>(ShippedLists().lists.size()));
  EXPECT_EQ(runner->stats().pending.load(), 0);

  const json messages = server->Messages();
  ASSERT_EQ(messages.size(), ShippedLists().lists.size());
  EXPECT_EQ(Ids(messages).size(), ShippedLists().lists.size());
  std::map<std::string, json> by_id;
  for (const json& m : messages) by_id[m["message_id"].get<std::string>()] = m;
  for (const RecipientList& list : ShippedLists().lists) {
    const std::string id = "<bulletin.hebei-2017-2018.1." + list.id + ".1@ducha.hebei.example>";
    ASSERT_TRUE(by_id.contains(id)) << id;
    const json& m = by_id[id];
    std::vector<std::string> expected;
    for (const Recipient& r : list.recipients) expected.push_back(r.address);
    EXPECT_EQ(m["rcpt_to"].get<std::vector<std::string>>(), expected) << list.id;
    EXPECT_EQ(m["to"].get<std::vector<std::string>>(), expected) << list.id;
    EXPECT_EQ(m["to_names"][0].get<std::string>(), list.recipients[0].title);
    EXPECT_EQ(m["mail_from"].get<std::string>(), "bulletin@ducha.hebei.example");
  }
  const json& m = by_id["<bulletin.hebei-2017-2018.1.provincial.1@ducha.hebei.example>"];
  EXPECT_EQ(m["subject"].get<std::string>().find("督察快报 第1期（11月18日—11月24日）"), 0u)
      << m["subject"];
  EXPECT_EQ(m["from"].get<std::string>(), "督察快报 <bulletin@ducha.hebei.example>");
  // multipart/mixed( multipart/alternative( text/plain, multipart/related( text/html,
  // image/png <chart> ) ), application/pdf attachment )
  std::vector<std::string> tree;
  for (const json& p : m["tree"]) {
    tree.push_back(std::to_string(p["depth"].get<int>()) + " " + p["type"].get<std::string>());
  }
  EXPECT_EQ(tree, (std::vector<std::string>{"0 multipart/mixed", "1 multipart/alternative",
                                            "2 text/plain", "2 multipart/related", "3 text/html",
                                            "3 image/png", "1 application/pdf"}));
  EXPECT_EQ(m["tree"][2]["charset"], "utf-8");
  EXPECT_EQ(m["tree"][5]["content_id"], "<chart>");
  EXPECT_EQ(m["tree"][5]["disposition"], "inline");
  EXPECT_EQ(m["tree"][6]["disposition"], "attachment");
  EXPECT_EQ(m["tree"][6]["filename"], "ducha-bulletin-2017-11-25.pdf");
  EXPECT_NE(m["html"].get<std::string>().find("<img src=\"cid:chart\""), std::string::npos);
  EXPECT_NE(m["text"].get<std::string>().find("督察快报"), std::string::npos);
  EXPECT_EQ(m["png_head"], "89504e470d0a1a0a");
  EXPECT_GT(m["png_size"].get<int>(), 1000);
  const std::string pdf = ReadAll(m["pdf"].get<std::string>());
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(Shell("pdftotext -enc UTF-8 " + m["pdf"].get<std::string>() + " -").find("第1期"),
            std::string::npos);
}

TEST_F(BulletinMailTest, AnInterruptedSendIsSentAgainWithItsMessageIdNeverASecondDistinctOne) {
  const auto server = SmtpServer::Plain(dir_ + "/smtp");
  ASSERT_TRUE(server->up()) << server->server_log();
  const SmtpMailer mailer(Smtp(server->url()));
  {
    // The first process: generates, claims the first send (`sending` committed), delivers it,
    // and is killed before `sent` is committed.
    auto first = Runner(mailer);
    ASSERT_EQ(first->Generate(conn_), 1);
    const auto send = conn_.Transact([&](pqxx::work& tx) { return ClaimNextDue(tx, wall_.Now()); });
    ASSERT_TRUE(send.has_value());
    auto rendered = RenderNumbers(*NumbersFromJson(conn_.Read([](pqxx::read_transaction& tx) {
      return LoadBulletin(tx, 1)->numbers;
    })),
                                  Hebei(), ShippedLists().issuer);
    ASSERT_TRUE(rendered.ok());
    Mail mail;
    mail.message_id = send->message_id;
    mail.to = {Recipient{"", send->recipients[0]}};
    mail.subject = rendered->subject;
    mail.text = rendered->text;
    mail.html = rendered->html;
    mail.png = rendered->png;
    mail.pdf = rendered->pdf;
    mail.pdf_name = "b.pdf";
    mail.date = fleet_.Now();
    ASSERT_TRUE(mailer.Send(mail).ok());
  }
  // The restarted process.
  auto second = Runner(mailer);
  EXPECT_EQ(second->Recover(conn_), 1);
  EXPECT_EQ(second->stats().ambiguous.load(), 1u);
  EXPECT_EQ(second->Generate(conn_), 0);
  EXPECT_EQ(second->SendDue(conn_), static_cast<int>(FewLists().lists.size()));
  EXPECT_EQ(Q("SELECT ambiguous || ' ' || attempts || ' ' || state FROM bulletin.send WHERE list "
              "= 'provincial'"),
            "1 2 sent");
  const json messages = server->Messages();
  EXPECT_EQ(messages.size(), FewLists().lists.size() + 1) << "the interrupted one arrived twice";
  EXPECT_EQ(Ids(messages).size(), FewLists().lists.size()) << "but with one Message-ID";
  // A third start finds nothing interrupted and nothing to send.
  auto third = Runner(mailer);
  EXPECT_EQ(third->Recover(conn_), 0);
  EXPECT_EQ(third->SendDue(conn_), 0);
  EXPECT_EQ(server->Messages().size(), FewLists().lists.size() + 1);
}

TEST_F(BulletinMailTest, AFailedDeliveryWaitsForItsBackoffAndIsVisibleThenSucceeds) {
  const SmtpMailer down(Smtp("smtp://127.0.0.1:" + std::to_string(ducha::testing::FreePort())));
  auto runner = Runner(down);
  ASSERT_EQ(runner->Generate(conn_), 1);
  EXPECT_EQ(runner->SendDue(conn_), 1) << "after a failure the pass stops: the server is down";
  EXPECT_EQ(runner->stats().failed_attempts.load(), 1u);
  EXPECT_EQ(runner->stats().failed.load(), 1);
  const std::string row =
      Q("SELECT state || ' ' || attempts || ' ' || (next_attempt_at - " +
        std::to_string(wall_.Now()) + ") FROM bulletin.send WHERE list = 'provincial'");
  EXPECT_EQ(row, "failed 1 30000");
  EXPECT_NE(
      Q("SELECT last_error FROM bulletin.send_status WHERE list = 'provincial'").find("onnect"),
      std::string::npos);

  const auto server = SmtpServer::Plain(dir_ + "/smtp");
  ASSERT_TRUE(server->up()) << server->server_log();
  const SmtpMailer up(Smtp(server->url()));
  auto back = Runner(up);
  EXPECT_EQ(back->SendDue(conn_), static_cast<int>(FewLists().lists.size()) - 1)
      << "the failed send waits for its backoff";
  wall_.Advance(30'000);
  EXPECT_EQ(back->SendDue(conn_), 1);
  EXPECT_EQ(Q("SELECT state || ' ' || attempts FROM bulletin.send WHERE list = 'provincial'"),
            "sent 2");
  EXPECT_EQ(Ids(server->Messages()).size(), FewLists().lists.size());
}

TEST_F(BulletinMailTest, StartTlsIsRequiredAndAuthenticationChecked) {
  const std::string cert = dir_ + "/cert.pem";
  const std::string key = dir_ + "/key.pem";
  Shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key +
        " -out " + cert + " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 " +
        "2>/dev/null");
  ASSERT_TRUE(fs::exists(cert));
  auto rendered = RenderNumbers(ComputeNumbers(Hebei(), Projection{}, Weeks().Issue(1)), Hebei(),
                                ShippedLists().issuer);
  ASSERT_TRUE(rendered.ok());
  Mail mail;
  mail.message_id = "tls-test.1@ducha.hebei.example";
  mail.to = {Recipient{"省长", "governor@province.hebei.example"}};
  mail.subject = rendered->subject;
  mail.text = rendered->text;
  mail.html = rendered->html;
  mail.png = rendered->png;
  mail.pdf = rendered->pdf;
  mail.pdf_name = "b.pdf";

  // A server that offers no STARTTLS is refused when TLS is required.
  const auto plain = SmtpServer::Plain(dir_ + "/plain");
  ASSERT_TRUE(plain->up());
  SmtpSettings required = Smtp(plain->url());
  required.starttls = StartTls::kRequired;
  const Status refused = SmtpMailer(required).Send(mail);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "smtp_failed");
  EXPECT_TRUE(plain->Messages().empty());

  const auto tls = SmtpServer::Tls(dir_ + "/tls", cert, key);
  ASSERT_TRUE(tls->up()) << tls->server_log();
  SmtpSettings s = Smtp(tls->url());
  s.starttls = StartTls::kRequired;
  s.ca_file = cert;
  s.username = "bulletin";
  s.password = "wrong";
  EXPECT_FALSE(SmtpMailer(s).Send(mail).ok()) << "a wrong password is refused";
  s.password = "s3cret-pass";
  const Status sent = SmtpMailer(s).Send(mail);
  EXPECT_TRUE(sent.ok()) << sent.error().message << "\n" << tls->server_log();
  const json messages = tls->Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["message_id"], "<tls-test.1@ducha.hebei.example>");
}

// Captures the process's stderr (every spdlog logger writes there) into a file.
class StderrCapture {
 public:
  explicit StderrCapture(const std::string& path) : path_(path) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::string Stop() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      for (const auto& l : {"bulletin.send", "bulletin.schedule", "audit"}) log::Get(l)->flush();
      ::dup2(saved_, 2);
      ::close(saved_);
      saved_ = -1;
    }
    return ReadAll(path_);
  }
  ~StderrCapture() { Stop(); }

 private:
  std::string path_;
  int saved_ = -1;
};

TEST_F(BulletinMailTest, NoReporterNameOrPhoneAppearsInAnyMailPdfOrLog) {
  const auto server = SmtpServer::Plain(dir_ + "/smtp");
  ASSERT_TRUE(server->up());
  const SmtpMailer mailer(Smtp(server->url()));
  StderrCapture capture(dir_ + "/stderr.log");
  auto runner = Runner(mailer);
  ASSERT_EQ(runner->Generate(conn_), 1);
  ASSERT_EQ(runner->SendDue(conn_), static_cast<int>(FewLists().lists.size()));
  const auth::Registry nobody;  // with allow_plain the development identity is an operator
  BulletinCommands commands(Hebei(), Weeks(), FewLists(), nobody, true, BulletinDb(),
                            settings_.send, wall_, reports_.AsApplyFn(), stop_.get_token());
  const std::string preview =
      commands.Handle(std::string(auth::kDevIdentity),
                      proto::bulletin::Encode(proto::bulletin::Preview{"2017-11-25"}));
  const std::string log = capture.Stop();
  EXPECT_NE(log.find("sent bulletin 1"), std::string::npos) << "the log was captured";

  std::string everything = log + preview;
  const json messages = server->Messages();
  ASSERT_EQ(messages.size(), FewLists().lists.size());
  for (const json& m : messages) everything += m.dump();
  // Every list gets the same bytes; the PDF's text is read from one.
  everything += Shell("pdftotext -enc UTF-8 " + messages[0]["pdf"].get<std::string>() + " -");
  EXPECT_NE(everything.find("长安区"), std::string::npos) << "the places are there";
  EXPECT_EQ(everything.find(kReporterName), std::string::npos);
  EXPECT_EQ(everything.find(kReporterPhone), std::string::npos);
  for (const auto& entry : fs::recursive_directory_iterator(dir_ + "/smtp/maildir")) {
    if (!entry.is_regular_file()) continue;
    const std::string raw = ReadAll(entry.path());
    EXPECT_EQ(raw.find(kReporterPhone), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace ducha::bulletin::itest

namespace ducha::bulletin::itest {
namespace {

// Reporters who must never appear in anything published, mailed or logged.
struct Reporter {
  const char* name;
  const char* phone;
  const char* email;
};
constexpr Reporter kReporters[] = {
    {"欧阳翠芬", "13387654321", "ouyang.cuifen@leak-test.example"},
    {"司马铁柱", "15011223344", "simatiezhu88@leak-test.example"},
    {"张秀兰", "13912345678", "zxl.reporter@leak-test.example"},
};
// An official named in internal notes (findings, opinions) and, later, in a decision.
constexpr const char* kOfficial = "诸葛卫东";

pi::ReportAccepted ReportBy(const Reporter& r, std::int64_t id, const char* received_at,
                            const char* county) {
  pi::ReportAccepted a = Accepted(id, received_at, county);
  a.submission_id = std::string("sub-") + r.phone + "-" + std::to_string(id);
  a.title = std::string("举报人") + r.name + "反映锅炉冒黑烟，电话" + r.phone;
  a.description = std::string("我是") + r.name + "，手机" + r.phone + "，邮箱" + r.email;
  a.address = std::string(r.name) + "家隔壁，" + r.email;
  a.evidence = {std::string("photo-") + r.phone + ".jpg"};
  return a;
}

pd::ProblemAssigned ProblemBy(const Reporter& r, std::int64_t id, const char* at,
                              const char* deadline, const char* county, pd::AssignmentKind kind,
                              bool listed) {
  pd::ProblemAssigned a = Assigned(id, at, deadline, county);
  a.report_id = id;
  a.kind = kind;
  a.channel = kind == pd::AssignmentKind::kVerification ? pc::Channel::kCitizenWeb
                                                        : pc::Channel::kSupervisionGroup;
  a.listed = listed;
  if (listed) a.listing_reason = pd::ListingReason::kOperator;
  a.title = std::string("举报人") + r.name + "（" + r.phone + "，" + r.email + "）反映";
  a.supervising_group = "SG1";
  a.round = 3;
  return a;
}

pt::VerificationConcluded Verified(std::int64_t problem, bool substantiated, const char* at,
                                   const Reporter& r) {
  pt::VerificationConcluded v;
  v.problem_id = problem;
  v.body = BodyOf("130102");
  v.substantiated = substantiated;
  v.explanation = std::string("经联系举报人") + r.name + "（" + r.phone + "）核实";
  if (substantiated) v.rectification_deadline = "2017-12-15";
  v.by = "sjz-bureau";
  v.at = At(at);
  return v;
}

class BulletinLeakTest : public BulletinMailTest {
 protected:
  void SetUp() override {
    BulletinMailTest::SetUp();
    const Reporter& a = kReporters[0];
    const Reporter& b = kReporters[1];
    const Reporter& c = kReporters[2];
    Intake(ReportBy(a, 201, "2017-11-20T08:00:00+08:00", "130102"),
           ReportBy(b, 202, "2017-11-20T09:00:00+08:00", "130104"),
           ReportBy(c, 203, "2017-11-20T10:00:00+08:00", "130202"),
           ReportBy(a, 204, "2017-11-24T18:00:00+08:00", "130102"),
           ReportBy(b, 205, "2017-11-24T19:00:00+08:00", "130102"),
           ReportBy(c, 206, "2017-11-01T10:00:00+08:00", "130102"));
    using K = pd::AssignmentKind;
    // Found by inspection: disclosed a day after assignment.
    Dispatch(ProblemBy(a, 201, "2017-11-20T09:00:00+08:00", "2017-12-11", "130102",
                       K::kRectification, false),
             // Citizen reports: disclosed a day after verification, never if not substantiated.
             ProblemBy(b, 202, "2017-11-20T10:00:00+08:00", "2017-11-27", "130104",
                       K::kVerification, false),
             ProblemBy(c, 203, "2017-11-20T11:00:00+08:00", "2017-11-27", "130202",
                       K::kVerification, false),
             // Listed: disclosed as it happens; the other one is still within the delay.
             ProblemBy(a, 204, "2017-11-24T20:00:00+08:00", "2017-12-20", "130102",
                       K::kRectification, true),
             ProblemBy(b, 205, "2017-11-24T20:30:00+08:00", "2017-12-20", "130102",
                       K::kRectification, false),
             ProblemBy(c, 206, "2017-11-01T11:00:00+08:00", "2017-11-15", "130102",
                       K::kRectification, false));
    Tracking(Verified(202, true, "2017-11-22T10:00:00+08:00", b),
             Verified(203, false, "2017-11-22T11:00:00+08:00", c));
    pr::ReinspectionConcluded failed = Reinspected(31, 206, false, "2017-11-18T10:00:00+08:00");
    failed.findings =
        std::string("举报人") + c.name + "称" + kOfficial + "副区长知情，电话" + c.phone;
    pr::OpinionRecorded opinion;
    opinion.problem_id = 206;
    opinion.verified = true;
    opinion.responsible_units = {"长安区人民政府"};
    opinion.opinion = std::string(kOfficial) + "敷衍整改；举报人" + c.name;
    opinion.by = "co-sjz";
    opinion.at = At("2017-11-19T10:00:00+08:00");
    pr::CreditChanged credit;
    credit.enterprise = "91130100MA07L7XT37";
    credit.name = "石家庄某化工有限公司";
    credit.points = 12;
    credit.colour = pr::CreditColour::kBlack;
    credit.previous = pr::CreditColour::kRed;
    credit.problem_id = 201;
    credit.reason = std::string("举报人") + a.name + "多次举报";
    credit.at = At("2017-11-22T12:00:00+08:00");
    pr::Blacklisted black;
    black.enterprise = credit.enterprise;
    black.name = credit.name;
    black.points = 12;
    black.reason = std::string("经举报人") + a.name + "（" + a.phone + "，" + a.email + "）举报";
    black.by = "ops-1";
    black.at = At("2017-11-23T12:00:00+08:00");
    Review(failed, opinion, credit, black);
    pi::VisitReported visit;
    visit.visit_id = 1;
    visit.integration = "sg-tablets";
    visit.submission_id = "SG1-R3-V0001";
    visit.group_id = "SG1";
    visit.round = 3;
    visit.county = "130102";
    visit.city = "130100";
    visit.visit_date = "2017-11-21";
    visit.tasks = {pc::Category::kSmallCoalBoilers, pc::Category::kDust};
    visit.problems_found = 2;
    visit.note = std::string("走访举报人") + b.name + "所在村，电话" + b.phone;
    visit.received_at = At("2017-11-21T18:00:00+08:00");
    Visits(visit);
  }

  void Decide() {
    pr::DecisionRecorded d;
    d.problem_id = 206;
    d.decision = std::string("对长安区副区长") + kOfficial + "进行约谈";
    d.level = "interview";
    d.by = "co-sjz";
    d.at = At("2017-11-24T15:00:00+08:00");
    Review(d);
  }

  PublishSettings Publishing(const std::string& dir) {
    PublishSettings s;
    s.dir = dir;
    s.rules.delay = 24 * 3'600'000LL;
    return s;
  }

  static std::string Tree(const std::string& dir) {
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file()) all += e.path().string() + "\n" + ReadAll(e.path()) + "\n";
    }
    return all;
  }
};

TEST_F(BulletinLeakTest, NoReporterAppearsInTheSiteJsonFeedMailsOrLogs) {
  const auto server = SmtpServer::Plain(dir_ + "/smtp");
  ASSERT_TRUE(server->up()) << server->server_log();
  const SmtpMailer mailer(Smtp(server->url()));
  StderrCapture capture(dir_ + "/stderr.log");
  auto runner = Runner(mailer);
  ASSERT_EQ(runner->Generate(conn_), 1);
  ASSERT_EQ(runner->SendDue(conn_), static_cast<int>(FewLists().lists.size()));

  // Before the decision: the official's name is nowhere.
  DisclosurePublisher publisher(Publishing(dir_ + "/site"), Hebei());
  runner->SetPublisher(&publisher, std::chrono::hours(1));
  ASSERT_TRUE(runner->PublishIfDue(conn_));
  EXPECT_FALSE(runner->PublishIfDue(conn_)) << "not due again within the interval";
  const std::string before = Tree(dir_ + "/site/current");
  EXPECT_EQ(before.find(kOfficial), std::string::npos);

  // The decision is disclosed as it happens; the operator publishes at once.
  Decide();
  const auth::Registry nobody;
  BulletinCommands commands(Hebei(), Weeks(), FewLists(), nobody, true, BulletinDb(),
                            settings_.send, wall_, reports_.AsApplyFn(), stop_.get_token());
  commands.EnablePublish(&publisher, &fleet_);
  const std::string reply =
      commands.Handle(std::string(auth::kDevIdentity),
                      proto::bulletin::Encode(proto::bulletin::Publish{"决定公开"}));
  auto published = proto::ParseMessage(reply);
  ASSERT_TRUE(published.ok());
  ASSERT_EQ(published->type(), proto::bulletin::Published::kType) << reply;
  const auto p = codec::DecodeAs<proto::bulletin::Published>(*published);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->changed);
  EXPECT_EQ(p->decisions, 1);
  EXPECT_EQ(p->blacklisted, 1);
  // 101, 102 and 201 (found, a day passed), 202 (verified, a day passed), 204 (listed), 206
  // (decided); not 203 (not substantiated) nor 205 (within the delay).
  EXPECT_EQ(p->problems, 6);
  EXPECT_EQ(p->listed, 1);
  const std::string preview =
      commands.Handle(std::string(auth::kDevIdentity),
                      proto::bulletin::Encode(proto::bulletin::Preview{"2017-11-25"}));
  const std::string log = capture.Stop();
  EXPECT_NE(log.find("published the disclosure"), std::string::npos) << "the log was captured";

  const std::string site = Tree(dir_ + "/site/current");
  EXPECT_TRUE(fs::exists(dir_ + "/site/current/problem/204.html"));
  EXPECT_FALSE(fs::exists(dir_ + "/site/current/problem/203.html"));
  EXPECT_FALSE(fs::exists(dir_ + "/site/current/problem/205.html"));
  EXPECT_NE(site.find("石家庄某化工有限公司"), std::string::npos) << "the blacklist is public";
  EXPECT_NE(site.find(kOfficial), std::string::npos) << "named by the disclosed decision";
  EXPECT_EQ(site.find("敷衍整改"), std::string::npos) << "the opinion is an internal note";
  EXPECT_NE(site.find("<feed xmlns=\"http://www.w3.org/2005/Atom\""), std::string::npos);

  std::string everything = site + log + preview + reply;
  const json messages = server->Messages();
  ASSERT_EQ(messages.size(), FewLists().lists.size());
  for (const json& m : messages) everything += m.dump();
  everything += Shell("pdftotext -enc UTF-8 " + messages[0]["pdf"].get<std::string>() + " -");
  for (const auto& entry : fs::recursive_directory_iterator(dir_ + "/smtp/maildir")) {
    if (entry.is_regular_file()) everything += ReadAll(entry.path());
  }
  EXPECT_NE(everything.find("长安区"), std::string::npos) << "the places are there";
  EXPECT_NE(everything.find("列入"), std::string::npos)
      << "the bulletin shows the blacklist change";
  for (const Reporter& r : kReporters) {
    EXPECT_EQ(everything.find(r.name), std::string::npos) << r.name;
    EXPECT_EQ(everything.find(r.phone), std::string::npos) << r.phone;
    EXPECT_EQ(everything.find(r.email), std::string::npos) << r.email;
  }
}

TEST_F(BulletinLeakTest, TheSameDataGivesByteIdenticalSitesAndAnUnchangedSiteIsNotRewritten) {
  Decide();
  DisclosurePublisher first(Publishing(dir_ + "/a"), Hebei());
  DisclosurePublisher second(Publishing(dir_ + "/b"), Hebei());
  const auto started = std::chrono::steady_clock::now();
  const auto one = first.Publish(conn_, fleet_.Now(), "test");
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  ASSERT_TRUE(one.ok()) << one.error().message;
  const auto two = second.Publish(conn_, fleet_.Now(), "test");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(one->site.hash, two->site.hash);
  EXPECT_TRUE(one->site.changed);
  std::map<std::string, std::string> a, b;
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/a/current")) {
    if (e.is_regular_file()) a[fs::relative(e.path(), dir_ + "/a/current")] = ReadAll(e.path());
  }
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/b/current")) {
    if (e.is_regular_file()) b[fs::relative(e.path(), dir_ + "/b/current")] = ReadAll(e.path());
  }
  EXPECT_EQ(a, b);
  EXPECT_EQ(static_cast<std::int64_t>(a.size()), one->site.files);
  for (const char* f : {"index.html", "listed.html", "blacklist.html", "decisions.html",
                        "feed.atom", "data/problems.json", "data/blacklist.json",
                        "data/decisions.json", "city/130100.html", "problem/201.html"}) {
    EXPECT_TRUE(a.contains(f)) << f;
  }
  // Publishing again, later on the fleet clock, with nothing new: the same release, not rewritten.
  const auto again = first.Publish(conn_, fleet_.Now() + 60'000, "test");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->site.changed);
  EXPECT_EQ(again->site.hash, one->site.hash);
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.publication"), "2") << "one per directory changed";
  // New data switches `current` to a new release; the JSON has it.
  Dispatch(ProblemBy(kReporters[0], 207, "2017-11-22T09:00:00+08:00", "2017-12-20", "130104",
                     pd::AssignmentKind::kRectification, true));
  const auto changed = first.Publish(conn_, fleet_.Now(), "test");
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(changed->site.changed);
  EXPECT_NE(changed->site.hash, one->site.hash);
  const json problems = json::parse(ReadAll(dir_ + "/a/current/data/problems.json"));
  EXPECT_EQ(problems["problems"].size(), 7u);
  EXPECT_EQ(problems["problems"][0]["id"], 101);
  EXPECT_FALSE(problems["problems"][0].contains("title"));
  EXPECT_EQ(fs::read_symlink(dir_ + "/a/current").parent_path(), fs::path("releases"));
  std::printf("[ measure ] publish of %lld problems: %lld files, %lld bytes in %lld ms\n",
              static_cast<long long>(one->problems), static_cast<long long>(one->site.files),
              static_cast<long long>(one->site.bytes), static_cast<long long>(ms));
}

class BulletinRoundTest : public BulletinLeakTest {
 protected:
  void SetUp() override {
    BulletinLeakTest::SetUp();
    fleet_.Set(At("2017-12-05T09:30:00+08:00"));  // round 3 ended on 12-04, due at 09:00
    settings_.reports_dir = dir_ + "/reports";
  }
};

TEST_F(BulletinRoundTest, EachRoundsReportIsSavedAndMailedOnceToTheProvincialListReproducibly) {
  const auto server = SmtpServer::Plain(dir_ + "/smtp");
  ASSERT_TRUE(server->up()) << server->server_log();
  const SmtpMailer mailer(Smtp(server->url()));
  StderrCapture capture(dir_ + "/stderr.log");
  {
    auto runner = Runner(mailer);
    EXPECT_EQ(runner->GenerateRounds(conn_), 3) << "rounds 1, 2 and 3 have ended";
    EXPECT_EQ(runner->GenerateRounds(conn_), 0);
    EXPECT_EQ(runner->stats().rounds_saved.load(), 3u);
    EXPECT_EQ(runner->SendDue(conn_), 3);
  }
  {
    auto restarted = Runner(mailer);  // a restart sends nothing again
    EXPECT_EQ(restarted->Recover(conn_), 0);
    EXPECT_EQ(restarted->GenerateRounds(conn_), 0);
    EXPECT_EQ(restarted->SendDue(conn_), 0);
    EXPECT_EQ(restarted->stats().rounds_saved.load(), 0u) << "the files are there already";
  }
  const std::string log = capture.Stop();
  const json messages = server->Messages();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(Ids(messages).size(), 3u);
  std::map<std::string, json> by_id;
  for (const json& m : messages) by_id[m["message_id"].get<std::string>()] = m;
  const std::string id = "<round.hebei-2017-2018.3.provincial.1@ducha.hebei.example>";
  ASSERT_TRUE(by_id.contains(id));
  const json& m = by_id[id];
  std::vector<std::string> provincial;
  for (const Recipient& r : ShippedLists().Find("provincial")->recipients)
    provincial.push_back(r.address);
  EXPECT_EQ(m["rcpt_to"].get<std::vector<std::string>>(), provincial);
  EXPECT_EQ(m["subject"].get<std::string>().find("督察轮次报告 第3轮（11月20日—12月4日）"), 0u)
      << m["subject"];
  EXPECT_EQ(m["tree"][6]["filename"], "ducha-round-report-3.pdf");
  const std::string pdf_text = Shell("pdftotext -enc UTF-8 " + m["pdf"].get<std::string>() + " -");
  EXPECT_NE(pdf_text.find("第五督察组"), std::string::npos);
  EXPECT_EQ(Q("SELECT string_agg(round || ':' || state, ',' ORDER BY round) FROM "
              "bulletin.round_send_status"),
            "1:sent,2:sent,3:sent");

  // Saved to disk: HTML with its chart beside it, the PDF and the text.
  const std::string reports = dir_ + "/reports/";
  for (const char* f : {"round-report-3.html", "round-report-3-chart.png", "round-report-3.pdf",
                        "round-report-3.txt"}) {
    EXPECT_TRUE(fs::exists(reports + f)) << f;
  }
  const std::string html = ReadAll(reports + "round-report-3.html");
  EXPECT_NE(html.find("<img src=\"round-report-3-chart.png\""), std::string::npos);
  const std::string text = ReadAll(reports + "round-report-3.txt");
  EXPECT_NE(text.find("石家庄市"), std::string::npos);
  EXPECT_NE(text.find("第五督察组"), std::string::npos);

  // Reproducible: the data as of the round's end gives the stored figures, also after later facts.
  Dispatch(ProblemBy(kReporters[0], 301, "2017-12-06T09:00:00+08:00", "2017-12-20", "130102",
                     pd::AssignmentKind::kRectification, false));
  const campaign::Round& round3 = Hebei().rounds().at(2);
  conn_.Read([&](pqxx::read_transaction& tx) {
    const auto stored = LoadRoundReport(tx, 3);
    EXPECT_TRUE(stored.has_value());
    const std::string now = RoundNumbersToJson(
        ComputeRoundNumbers(Hebei(), LoadProjection(tx, RoundCutoff(Hebei(), round3)), round3));
    EXPECT_EQ(Sha256Hex(now), stored->hash);
    const auto numbers = RoundNumbersFromJson(stored->numbers);
    EXPECT_TRUE(numbers.ok());
    EXPECT_EQ(numbers->coverage.visits, 1);
    EXPECT_EQ(numbers->standing.received, 6) << "the six problems received in round 3";
    return 0;
  });

  std::string everything = log + html + text + pdf_text;
  for (const json& msg : messages) everything += msg.dump();
  for (const auto& entry : fs::recursive_directory_iterator(dir_ + "/smtp/maildir")) {
    if (entry.is_regular_file()) everything += ReadAll(entry.path());
  }
  for (const Reporter& r : kReporters) {
    EXPECT_EQ(everything.find(r.name), std::string::npos) << r.name;
    EXPECT_EQ(everything.find(r.phone), std::string::npos) << r.phone;
    EXPECT_EQ(everything.find(r.email), std::string::npos) << r.email;
  }
}

}  // namespace
}  // namespace ducha::bulletin::itest

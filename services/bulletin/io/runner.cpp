#include "services/bulletin/io/runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/log/log.h"
#include "services/bulletin/core/numbers_json.h"

namespace ducha::bulletin {
namespace {

std::chrono::milliseconds Backoff(const RunnerSettings& s, int attempts) {
  auto delay = s.retry_initial;
  for (int i = 1; i < attempts && delay < s.retry_max; ++i) delay *= 2;
  return std::min(delay, s.retry_max);
}

// Writes `bytes` to `path` through a temporary file in the same directory, synced and renamed.
Status WriteAtomically(const std::filesystem::path& path, const std::string& bytes) {
  const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeError("save_failed", "path", tmp.string() + ": " + std::strerror(errno));
  }
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n >= 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return MakeError("save_failed", "path",
                     path.string() + ": " + (ok ? ec.message() : std::strerror(saved)));
  }
  return OkStatus();
}

std::string RoundFile(int round, const std::string& suffix) {
  return "round-report-" + std::to_string(round) + suffix;
}

}  // namespace

BulletinRunner::BulletinRunner(RunnerSettings settings, const campaign::Campaign& campaign,
                               const WeekCalendar& weeks, const Distribution& distribution,
                               const Clock& fleet, const Clock& wall, const SmtpMailer& mailer,
                               std::function<bool()> caught_up)
    : settings_(std::move(settings)),
      campaign_(campaign),
      weeks_(weeks),
      distribution_(distribution),
      fleet_(fleet),
      wall_(wall),
      mailer_(mailer),
      caught_up_(std::move(caught_up)) {
  stats_.last_sent_seconds = wall_.Now() / 1000;
}

int BulletinRunner::Recover(db::Connection& conn) {
  const int n = conn.Transact([](pqxx::work& tx) { return RecoverInterrupted(tx); });
  if (n > 0) {
    stats_.ambiguous.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    log::Get("bulletin.send")
        ->warn(
            "{} send(s) were interrupted mid-send by the last stop: sending them again with "
            "their Message-IDs (a receiver that has them may drop the copies)",
            n);
  }
  return n;
}

int BulletinRunner::Generate(db::Connection& conn) {
  const int due = weeks_.LastDue(fleet_.Now());
  if (due == 0) return 0;
  const std::vector<int> missing =
      conn.Read([&](pqxx::read_transaction& tx) { return MissingIssues(tx, due); });
  if (missing.empty()) {
    stats_.waiting_for_streams = false;
    return 0;
  }
  auto log = log::Get("bulletin.schedule");
  if (!caught_up_()) {
    stats_.waiting_for_streams = true;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_wait_log_ > std::chrono::seconds(60)) {
      last_wait_log_ = now;
      log->warn("bulletin {} is due but the streams are not caught up; waiting", missing.front());
    }
    return 0;
  }
  stats_.waiting_for_streams = false;
  int generated = 0;
  for (const int issue : missing) {
    const Week week = weeks_.Issue(issue);
    const bool created = conn.Transact([&](pqxx::work& tx) {
      return GenerateBulletin(tx, campaign_, week, distribution_, settings_.send, fleet_.Now(),
                              wall_.Now());
    });
    if (!created) continue;
    ++generated;
    stats_.generated.fetch_add(1, std::memory_order_relaxed);
    stats_.last_generated = issue;
    log->info("generated bulletin {} (week {}, cut-off {}): {} recipient lists queued", issue,
              week.Name(), timeutil::FormatRfc3339(week.cutoff, weeks_.utc_offset_minutes()),
              distribution_.lists.size());
  }
  return generated;
}

Result<Rendered> BulletinRunner::RenderIssue(pqxx::transaction_base& tx, int issue) {
  const auto stored = LoadBulletin(tx, issue);
  if (!stored) {
    return MakeError("not_generated", "issue",
                     "bulletin " + std::to_string(issue) + " is not stored");
  }
  if (cached_ && cached_issue_ == issue && cached_hash_ == stored->hash) return *cached_;
  auto numbers = NumbersFromJson(stored->numbers);
  if (!numbers) return numbers.error();
  auto rendered = RenderNumbers(*numbers, campaign_, distribution_.issuer);
  if (!rendered) return rendered.error();
  cached_issue_ = issue;
  cached_hash_ = stored->hash;
  cached_ = *rendered;
  return rendered;
}

int BulletinRunner::GenerateRounds(db::Connection& conn) {
  const int offset = campaign_.info().utc_offset_minutes;
  std::vector<int> due;
  for (const campaign::Round& r : campaign_.rounds()) {
    const Millis at = RoundCutoff(campaign_, r) + settings_.round_report_hour * 3'600'000LL;
    if (at <= fleet_.Now()) due.push_back(r.number);
  }
  if (due.empty()) return 0;
  auto log = log::Get("bulletin.schedule");
  const std::vector<int> missing =
      conn.Read([&](pqxx::read_transaction& tx) { return MissingRounds(tx, due); });
  int generated = 0;
  if (!missing.empty() && caught_up_()) {
    for (const int number : missing) {
      const campaign::Round& round = campaign_.rounds()[static_cast<std::size_t>(number - 1)];
      const bool created = conn.Transact([&](pqxx::work& tx) {
        return GenerateRoundReport(tx, campaign_, round, distribution_, settings_.round_lists,
                                   settings_.send, fleet_.Now(), wall_.Now());
      });
      if (!created) continue;
      ++generated;
      stats_.rounds_generated.fetch_add(1, std::memory_order_relaxed);
      log->info("generated the report of round {} (cut-off {})", number,
                timeutil::FormatRfc3339(RoundCutoff(campaign_, round), offset));
    }
  } else if (!missing.empty()) {
    stats_.waiting_for_streams = true;
  }
  if (settings_.reports_dir.empty()) return generated;
  namespace fs = std::filesystem;
  for (const int number : due) {
    const fs::path dir(settings_.reports_dir);
    if (fs::exists(dir / RoundFile(number, ".pdf"))) continue;
    auto rendered = conn.Read([&](pqxx::read_transaction& tx) -> Result<Rendered> {
      if (!LoadRoundReport(tx, number)) {
        return MakeError("not_generated", "round", "not generated yet");
      }
      return RenderRound(tx, number);
    });
    if (!rendered) continue;  // not generated yet (waiting for the streams)
    auto numbers = conn.Read([&](pqxx::read_transaction& tx) {
      return RoundNumbersFromJson(LoadRoundReport(tx, number)->numbers);
    });
    if (!numbers) continue;
    const Document doc = BuildRoundDocument(*numbers, campaign_, distribution_.issuer);
    const Status saved =
        SaveRound(number, *rendered, RenderHtml(doc, RoundFile(number, "-chart.png")));
    if (!saved) {
      log->error("saving the report of round {} failed: {}", number, saved.error().message);
    }
  }
  return generated;
}

Status BulletinRunner::SaveRound(int round, const Rendered& rendered,
                                 const std::string& html_for_disk) {
  namespace fs = std::filesystem;
  const fs::path dir(settings_.reports_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return MakeError("save_failed", "path", dir.string() + ": " + ec.message());
  // The PDF last: its presence marks the round as saved.
  for (const auto& [suffix, bytes] :
       {std::pair<std::string, const std::string*>{".html", &html_for_disk},
        {"-chart.png", &rendered.png},
        {".txt", &rendered.text},
        {".pdf", &rendered.pdf}}) {
    if (auto st = WriteAtomically(dir / RoundFile(round, suffix), *bytes); !st) return st;
  }
  stats_.rounds_saved.fetch_add(1, std::memory_order_relaxed);
  log::Get("bulletin.schedule")
      ->info("saved the report of round {} to {}", round,
             (dir / RoundFile(round, ".pdf")).string());
  return OkStatus();
}

Result<Rendered> BulletinRunner::RenderRound(pqxx::transaction_base& tx, int round) {
  const auto stored = LoadRoundReport(tx, round);
  if (!stored) {
    return MakeError("not_generated", "round",
                     "the report of round " + std::to_string(round) + " is not stored");
  }
  auto numbers = RoundNumbersFromJson(stored->numbers);
  if (!numbers) return numbers.error();
  const Document doc = BuildRoundDocument(*numbers, campaign_, distribution_.issuer);
  return RenderAll(
      doc, timeutil::FormatRfc3339(
               RoundCutoff(campaign_, campaign_.rounds().at(static_cast<std::size_t>(round - 1))),
               campaign_.info().utc_offset_minutes));
}

int BulletinRunner::SendDue(db::Connection& conn, std::stop_token stop) {
  auto log = log::Get("bulletin.send");
  int attempted = 0;
  while (!stop.stop_requested()) {
    const auto send = conn.Transact([&](pqxx::work& tx) { return ClaimNextDue(tx, wall_.Now()); });
    if (!send) break;
    ++attempted;
    // `sending` is committed: from here until `sent` is, a crash leaves the send ambiguous.
    const bool round = send->document == "round";
    // "bulletin 3 (week 2017-09-30)" or "round report 3".
    const std::string name = round ? "round report " + std::to_string(send->issue)
                                   : "bulletin " + std::to_string(send->issue) + " (week " +
                                         weeks_.Issue(send->issue).Name() + ")";
    Status result = [&]() -> Status {
      auto rendered = conn.Read([&](pqxx::read_transaction& tx) {
        return round ? RenderRound(tx, send->issue) : RenderIssue(tx, send->issue);
      });
      if (!rendered) return rendered.error();
      Mail mail;
      mail.message_id = send->message_id;
      for (std::size_t i = 0; i < send->recipients.size(); ++i) {
        mail.to.push_back(
            Recipient{i < send->titles.size() ? send->titles[i] : "", send->recipients[i]});
      }
      mail.subject = rendered->subject;
      mail.text = rendered->text;
      mail.html = rendered->html;
      mail.png = rendered->png;
      mail.pdf = rendered->pdf;
      mail.pdf_name = round ? "ducha-" + RoundFile(send->issue, ".pdf")
                            : "ducha-bulletin-" + weeks_.Issue(send->issue).Name() + ".pdf";
      mail.date = fleet_.Now();
      mail.utc_offset_minutes = weeks_.utc_offset_minutes();
      return mailer_.Send(mail);
    }();
    if (result) {
      conn.Transact([&](pqxx::work& tx) { MarkSent(tx, *send); });
      stats_.sent.fetch_add(1, std::memory_order_relaxed);
      log->info("sent {} to list {}, send {}, attempt {}: {} recipients, Message-ID <{}>", name,
                send->list, send->send_no, send->attempts, send->recipients.size(),
                send->message_id);
    } else {
      const auto delay = Backoff(settings_, send->attempts);
      conn.Transact([&](pqxx::work& tx) {
        MarkFailed(tx, *send, result.error().message, wall_.Now() + delay.count());
      });
      stats_.failed_attempts.fetch_add(1, std::memory_order_relaxed);
      log->warn("{} to list {} (send {}) failed on attempt {}: {}; next attempt in {} s", name,
                send->list, send->send_no, send->attempts, result.error().message,
                delay.count() / 1000);
      break;  // the server is likely down or refusing: the other sends wait for the next pass
    }
  }
  RefreshCounts(conn);
  return attempted;
}

bool BulletinRunner::PublishIfDue(db::Connection& conn) {
  if (publisher_ == nullptr || !publisher_->enabled()) return false;
  const auto now = std::chrono::steady_clock::now();
  if (last_publish_ && now - *last_publish_ < publish_interval_) return false;
  last_publish_ = now;
  return publisher_->Publish(conn, fleet_.Now(), "schedule").ok();
}

void BulletinRunner::RefreshCounts(db::Connection& conn) {
  const SendCounts c = conn.Read([](pqxx::read_transaction& tx) { return CountSends(tx); });
  stats_.pending = c.pending + c.sending;
  stats_.failed = c.failed;
  stats_.sent_total = c.sent;
  if (c.last_sent_at > 0) stats_.last_sent_seconds = c.last_sent_at;
}

void BulletinRunner::Run(db::DbSettings db, std::stop_token stop) {
  auto log = log::Get("bulletin.schedule");
  db::Connection conn(std::move(db), stop);
  try {
    Recover(conn);
    log->info("bulletin scheduler running: {} weeks, first cut-off {}, last {}", weeks_.issues(),
              weeks_.Issue(1).Name(), weeks_.Issue(weeks_.issues()).Name());
    while (!stop.stop_requested()) {
      try {
        Generate(conn);
        GenerateRounds(conn);
        SendDue(conn, stop);
        PublishIfDue(conn);
      } catch (const db::Stopped&) {
        throw;
      } catch (const std::exception& e) {
        log->error("bulletin pass failed: {}", e.what());
      }
      const auto until = std::chrono::steady_clock::now() + settings_.interval;
      while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  } catch (const db::Stopped&) {
    // stopping while the database was away
  }
  log->info("bulletin scheduler stopped");
}

}  // namespace ducha::bulletin

#include "services/bulletin/io/runner.h"

#include <algorithm>
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

int BulletinRunner::SendDue(db::Connection& conn, std::stop_token stop) {
  auto log = log::Get("bulletin.send");
  int attempted = 0;
  while (!stop.stop_requested()) {
    const auto send = conn.Transact([&](pqxx::work& tx) { return ClaimNextDue(tx, wall_.Now()); });
    if (!send) break;
    ++attempted;
    // `sending` is committed: from here until `sent` is, a crash leaves the send ambiguous.
    const Week week = weeks_.Issue(send->issue);
    Status result = [&]() -> Status {
      auto rendered =
          conn.Read([&](pqxx::read_transaction& tx) { return RenderIssue(tx, send->issue); });
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
      mail.pdf_name = "ducha-bulletin-" + week.Name() + ".pdf";
      mail.date = fleet_.Now();
      mail.utc_offset_minutes = weeks_.utc_offset_minutes();
      return mailer_.Send(mail);
    }();
    if (result) {
      conn.Transact([&](pqxx::work& tx) { MarkSent(tx, *send); });
      stats_.sent.fetch_add(1, std::memory_order_relaxed);
      log->info(
          "sent bulletin {} (week {}) to list {}, send {}, attempt {}: {} recipients, "
          "Message-ID <{}>",
          send->issue, week.Name(), send->list, send->send_no, send->attempts,
          send->recipients.size(), send->message_id);
    } else {
      const auto delay = Backoff(settings_, send->attempts);
      conn.Transact([&](pqxx::work& tx) {
        MarkFailed(tx, *send, result.error().message, wall_.Now() + delay.count());
      });
      stats_.failed_attempts.fetch_add(1, std::memory_order_relaxed);
      log->warn("bulletin {} to list {} (send {}) failed on attempt {}: {}; next attempt in {} s",
                send->issue, send->list, send->send_no, send->attempts, result.error().message,
                delay.count() / 1000);
      break;  // the server is likely down or refusing: the other sends wait for the next pass
    }
  }
  RefreshCounts(conn);
  return attempted;
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
        SendDue(conn, stop);
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

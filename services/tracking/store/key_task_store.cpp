#include "services/tracking/store/key_task_store.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "common/base/time.h"
#include "common/db/array.h"
#include "proto/intake_codec.h"
#include "proto/tracking_codec.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::tracking {
namespace {

namespace pc = proto::common;
namespace pt = proto::tracking;

std::string Number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string EncodeMilestones(const std::vector<Milestone>& ms) {
  std::string out;
  for (const Milestone& m : ms) {
    if (!out.empty()) out += ';';
    out += timeutil::FormatDate(m.date) + ":" + Number(m.fraction);
  }
  return out;
}

std::vector<Milestone> DecodeMilestones(const std::string& s) {
  std::vector<Milestone> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(';', start);
    if (end == std::string::npos) end = s.size();
    const std::string item = s.substr(start, end - start);
    const std::size_t colon = item.find(':');
    if (colon != std::string::npos) {
      if (auto day = timeutil::ParseDate(item.substr(0, colon))) {
        out.push_back(Milestone{*day, std::stod(item.substr(colon + 1))});
      }
    }
    start = end + 1;
  }
  return out;
}

constexpr const char* kTaskColumns =
    "task_id, jurisdiction, city, special_action, title, unit, target, start_day::text, "
    "deadline::text, milestones, source, version, completed, lagging, lag_episodes, "
    "lagging_since::text";

struct StoredTask {
  KeyTask task;
  int version = 1;
  double completed = 0;
  LagState lag;
  std::optional<Day> lagging_since;
};

StoredTask TaskFromRow(const pqxx::row& row) {
  StoredTask s;
  KeyTask& t = s.task;
  t.task_id = row[0].as<std::string>();
  t.jurisdiction = row[1].as<DivisionCode>();
  t.city = row[2].as<DivisionCode>();
  t.special_action = row[3].as<std::string>();
  t.title = row[4].as<std::string>();
  t.unit = row[5].as<std::string>();
  t.target = row[6].as<double>();
  t.start = timeutil::ParseDate(row[7].as<std::string>()).value_or(0);
  t.deadline = timeutil::ParseDate(row[8].as<std::string>()).value_or(0);
  t.milestones = DecodeMilestones(row[9].as<std::string>());
  t.source = row[10].as<std::string>();
  s.version = row[11].as<int>();
  s.completed = row[12].as<double>();
  s.lag.lagging = row[13].as<bool>();
  s.lag.episodes = row[14].as<int>();
  if (!row[15].is_null()) s.lagging_since = timeutil::ParseDate(row[15].as<std::string>());
  return s;
}

pc::Category CategoryOf(const KeyTask& t) {
  return pc::ParseCategory(t.special_action).value_or(pc::Category::kOther);
}

// The task's identity on an event: id, place, special action and target.
template <typename Event>
Event About(const KeyTask& t) {
  Event e;
  e.task_id = t.task_id;
  e.jurisdiction = std::to_string(t.jurisdiction);
  e.city = std::to_string(t.city);
  e.special_action = CategoryOf(t);
  e.target = t.target;
  return e;
}

stream::OutgoingEvent Defined(const KeyTask& t, int version, timeutil::Millis now) {
  auto e = About<pt::TaskDefined>(t);
  e.title = t.title;
  e.unit = t.unit;
  e.start = timeutil::FormatDate(t.start);
  e.deadline = timeutil::FormatDate(t.deadline);
  e.version = version;
  e.at = now;
  return {std::string(pt::TaskDefined::kType), t.task_id, pt::Encode(e, "")};
}

pt::TaskImportOutcome Outcome(const pt::KeyTaskRow& row, pt::TaskImportResult result) {
  pt::TaskImportOutcome o;
  o.line = row.line;
  o.task_id = row.task_id.substr(0, 48);
  o.result = result;
  return o;
}

}  // namespace

pt::TasksImported ImportTasks(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                              const stream::Outbox& outbox, const pt::ImportTasks& request,
                              const std::string& by, timeutil::Millis now) {
  pt::TasksImported out;
  std::vector<stream::OutgoingEvent> events;
  std::set<std::string> seen;
  for (const pt::KeyTaskRow& row : request.rows) {
    auto checked = CheckTaskRow(row, campaign);
    if (checked && !seen.insert(checked->task_id).second) {
      checked = MakeError("duplicate_task", "task_id",
                          "line " + std::to_string(row.line) + ": task '" + row.task_id +
                              "' is listed twice in the same file");
    }
    if (!checked) {
      pt::TaskImportOutcome o = Outcome(row, pt::TaskImportResult::kRejected);
      o.code = checked.error().code;
      o.field = checked.error().field;
      o.message = checked.error().message.substr(0, 1000);
      ++out.rejected;
      out.outcomes.push_back(std::move(o));
      continue;
    }
    const KeyTask& t = *checked;
    const auto existing =
        tx.exec_params(std::string("SELECT ") + kTaskColumns +
                           " FROM tracking.key_task WHERE task_id = $1 FOR UPDATE",
                       t.task_id);
    if (existing.empty()) {
      tx.exec_params(
          "INSERT INTO tracking.key_task (task_id, jurisdiction, city, special_action, title, "
          "unit, target, start_day, deadline, milestones, source, updated_by, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9::date, $10, $11, $12, "
          "to_timestamp($13::double precision / 1000))",
          t.task_id, t.jurisdiction, t.city, t.special_action, t.title, t.unit, t.target,
          timeutil::FormatDate(t.start), timeutil::FormatDate(t.deadline),
          EncodeMilestones(t.milestones), t.source, by, static_cast<double>(now));
      events.push_back(Defined(t, 1, now));
      ++out.imported;
      out.outcomes.push_back(Outcome(row, pt::TaskImportResult::kImported));
      continue;
    }
    const StoredTask held = TaskFromRow(existing[0]);
    if (held.task.SameAs(t)) {
      ++out.unchanged;
      out.outcomes.push_back(Outcome(row, pt::TaskImportResult::kUnchanged));
      continue;
    }
    tx.exec_params(
        "UPDATE tracking.key_task SET jurisdiction = $2, city = $3, special_action = $4, "
        "title = $5, unit = $6, target = $7, start_day = $8::date, deadline = $9::date, "
        "milestones = $10, source = $11, version = version + 1, updated_by = $12, "
        "updated_at = to_timestamp($13::double precision / 1000) WHERE task_id = $1",
        t.task_id, t.jurisdiction, t.city, t.special_action, t.title, t.unit, t.target,
        timeutil::FormatDate(t.start), timeutil::FormatDate(t.deadline),
        EncodeMilestones(t.milestones), t.source, by, static_cast<double>(now));
    events.push_back(Defined(t, held.version + 1, now));
    ++out.updated;
    out.outcomes.push_back(Outcome(row, pt::TaskImportResult::kUpdated));
  }
  if (!events.empty()) outbox.AppendNumbered(tx, kLedgerStream, events);
  return out;
}

Result<pt::TaskProgressDone> ReportTaskProgress(pqxx::transaction_base& tx,
                                                const campaign::Campaign& campaign,
                                                const stream::Outbox& outbox, const Actor& actor,
                                                const pt::ReportTaskProgress& request,
                                                timeutil::Millis now) {
  if (actor.role != ActorRole::kBody) {
    return MakeError("forbidden", "",
                     "identity '" + actor.name +
                         "' is not a responsible body; only bodies report "
                         "progress on key tasks");
  }
  const auto replay = tx.exec_params(
      "SELECT p.task_id, p.completed, p.expected, p.lagging, t.target "
      "FROM tracking.key_task_progress p JOIN tracking.key_task t USING (task_id) "
      "WHERE p.by_identity = $1 AND p.request_id = $2",
      actor.name, request.request_id);
  if (!replay.empty()) {
    pt::TaskProgressDone done;
    done.task_id = replay[0][0].as<std::string>();
    done.completed = replay[0][1].as<double>();
    done.expected = replay[0][2].as<double>();
    done.lagging = replay[0][3].as<bool>();
    done.target = replay[0][4].as<double>();
    done.replayed = true;
    return done;
  }
  const auto rows = tx.exec_params(std::string("SELECT ") + kTaskColumns +
                                       " FROM tracking.key_task WHERE task_id = $1 FOR UPDATE",
                                   request.task_id);
  if (rows.empty()) {
    return MakeError("unknown_task", "task_id",
                     "task '" + request.task_id + "' is not on any imported task list");
  }
  const StoredTask held = TaskFromRow(rows[0]);
  const KeyTask& t = held.task;
  if (!actor.InScope(t.jurisdiction)) {
    return MakeError("out_of_scope", "task_id",
                     "identity '" + actor.name + "' does not answer for " +
                         std::to_string(t.jurisdiction) + ", the jurisdiction of task '" +
                         t.task_id + "'");
  }
  if (request.evidence.empty()) {
    return MakeError("missing_evidence", "evidence", "at least one evidence reference is required");
  }
  for (std::size_t i = 0; i < request.evidence.size(); ++i) {
    if (request.evidence[i].find_first_not_of(" \t\r\n") == std::string::npos) {
      return MakeError("blank", "evidence[" + std::to_string(i) + "]",
                       "an evidence reference is blank");
    }
  }
  const Day day = timeutil::DayOf(now, campaign.info().utc_offset_minutes);
  const double expected = ExpectedOn(t, day, campaign.calendar());
  const bool lagging = request.completed < t.target &&
                       request.completed < expected * (1.0 - campaign.key_tasks().lag_tolerance);
  db::ArrayBuilder evidence;
  for (const std::string& e : request.evidence) evidence.Add(e);
  tx.exec_params(
      "INSERT INTO tracking.key_task_progress (task_id, by_identity, request_id, as_of, "
      "completed, expected, lagging, evidence, note, at) VALUES ($1, $2, $3, $4::date, $5, $6, "
      "$7, $8::text[], $9, to_timestamp($10::double precision / 1000))",
      t.task_id, actor.name, request.request_id, timeutil::FormatDate(day), request.completed,
      expected, lagging, evidence.Finish(), request.note ? request.note->c_str() : nullptr,
      static_cast<double>(now));
  tx.exec_params(
      "UPDATE tracking.key_task SET completed = $2, progress_as_of = $3::date WHERE task_id = $1",
      t.task_id, request.completed, timeutil::FormatDate(day));

  auto e = About<pt::TaskProgressReported>(t);
  e.completed = request.completed;
  e.expected = expected;
  e.as_of = timeutil::FormatDate(day);
  e.evidence = request.evidence;
  e.by = actor.name;
  e.at = now;
  outbox.AppendNumbered(
      tx, kLedgerStream,
      {{std::string(pt::TaskProgressReported::kType), t.task_id, pt::Encode(e, "")}});
  pt::TaskProgressDone done;
  done.task_id = t.task_id;
  done.completed = request.completed;
  done.expected = expected;
  done.target = t.target;
  done.lagging = lagging;
  done.replayed = false;
  return done;
}

TaskSweepResult SweepTasks(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                           const stream::Outbox& outbox, Day today, timeutil::Millis now) {
  TaskSweepResult result;
  const auto last =
      tx.exec("SELECT last_day::text FROM tracking.key_task_sweep WHERE singleton FOR UPDATE");
  Day first = today;
  if (last.empty()) {
    tx.exec_params("INSERT INTO tracking.key_task_sweep (last_day) VALUES ($1::date)",
                   timeutil::FormatDate(today));
  } else {
    // The last day swept is decided again: progress may have come in since.
    first = std::min(today, timeutil::ParseDate(last[0][0].as<std::string>()).value_or(today));
  }

  std::vector<StoredTask> tasks;
  for (const auto& row : tx.exec(std::string("SELECT ") + kTaskColumns +
                                 " FROM tracking.key_task ORDER BY task_id FOR UPDATE")) {
    tasks.push_back(TaskFromRow(row));
  }
  if (tasks.empty()) {
    tx.exec_params("UPDATE tracking.key_task_sweep SET last_day = $1::date",
                   timeutil::FormatDate(today));
    return result;
  }
  // Progress by day, when more than one day is decided: the latest report on or before each.
  std::unordered_map<std::string, std::vector<std::pair<Day, double>>> history;
  if (first < today) {
    for (const auto& row :
         tx.exec_params("SELECT task_id, as_of::text, completed FROM tracking.key_task_progress "
                        "WHERE as_of <= $1::date ORDER BY task_id, as_of, id",
                        timeutil::FormatDate(today))) {
      history[row[0].as<std::string>()].emplace_back(
          timeutil::ParseDate(row[1].as<std::string>()).value_or(0), row[2].as<double>());
    }
  }
  auto completed_on = [&](const StoredTask& s, Day day) {
    if (day == today) return s.completed;
    double v = 0;
    const auto it = history.find(s.task.task_id);
    if (it == history.end()) return v;
    for (const auto& [d, c] : it->second) {
      if (d > day) break;
      v = c;
    }
    return v;
  };

  std::vector<stream::OutgoingEvent> events;
  for (Day day = first; day <= today; ++day) {
    ++result.days;
    for (StoredTask& s : tasks) {
      const double completed = completed_on(s, day);
      const LagStep step = DecideLag(s.task, completed, day, s.lag, campaign);
      if (!step.fell_behind && !step.caught_up) continue;
      const KeyTask& t = s.task;
      if (step.fell_behind) {
        ++result.fell_behind;
        const int episode = step.after.episodes;
        const std::string submission = LagSubmissionId(t.task_id, episode);
        const std::string report = proto::intake::Encode(
            LagReport(t, episode, step.expected, completed, day, now, campaign), submission);
        tx.exec_params(
            "INSERT INTO tracking.key_task_lag (task_id, episode, submission_id, day, expected, "
            "completed, report) VALUES ($1, $2, $3, $4::date, $5, $6, $7)",
            t.task_id, episode, submission, timeutil::FormatDate(day), step.expected, completed,
            pqxx::binarystring(report.data(), report.size()));
        auto e = About<pt::TaskLagging>(t);
        e.expected = step.expected;
        e.completed = completed;
        e.episode = episode;
        e.submission_id = submission;
        e.due_date = timeutil::FormatDate(day);
        events.push_back({std::string(pt::TaskLagging::kType), t.task_id, pt::Encode(e, "")});
        s.lagging_since = day;
      } else {
        ++result.caught_up;
        pt::TaskOnTrack e;
        e.task_id = t.task_id;
        e.jurisdiction = std::to_string(t.jurisdiction);
        e.episode = s.lag.episodes;
        e.expected = step.expected;
        e.completed = completed;
        e.due_date = timeutil::FormatDate(day);
        events.push_back({std::string(pt::TaskOnTrack::kType), t.task_id, pt::Encode(e, "")});
        s.lagging_since.reset();
      }
      s.lag = step.after;
      const std::string since = s.lagging_since ? timeutil::FormatDate(*s.lagging_since) : "";
      tx.exec_params(
          "UPDATE tracking.key_task SET lagging = $2, lag_episodes = $3, lagging_since = "
          "$4::date WHERE task_id = $1",
          t.task_id, s.lag.lagging, s.lag.episodes, s.lagging_since ? since.c_str() : nullptr);
    }
  }
  tx.exec_params("UPDATE tracking.key_task_sweep SET last_day = $1::date",
                 timeutil::FormatDate(today));
  if (!events.empty()) outbox.AppendNumbered(tx, kLedgerStream, events);
  return result;
}

std::vector<UnsentLag> UnsentLagReports(pqxx::transaction_base& tx, int limit) {
  std::vector<UnsentLag> out;
  for (const auto& row : tx.exec_params(
           "SELECT submission_id, report FROM tracking.key_task_lag WHERE submitted_at IS NULL "
           "ORDER BY day, task_id, episode LIMIT $1",
           limit)) {
    out.push_back(UnsentLag{row[0].as<std::string>(), pqxx::binarystring(row[1]).str()});
  }
  return out;
}

void MarkLagReportSent(pqxx::transaction_base& tx, const std::string& submission_id,
                       std::int64_t report_id, const std::string& receipt_no,
                       timeutil::Millis now) {
  tx.exec_params(
      "UPDATE tracking.key_task_lag SET submitted_at = to_timestamp($2::double precision / 1000), "
      "report_id = $3, receipt_no = $4 WHERE submission_id = $1 AND submitted_at IS NULL",
      submission_id, static_cast<double>(now), report_id, receipt_no);
}

Result<pt::TaskSummary> TaskSummary(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                                    const std::optional<std::string>& city, Day today) {
  std::optional<DivisionCode> only;
  if (city) {
    DivisionCode code = 0;
    const auto [ptr, ec] = std::from_chars(city->data(), city->data() + city->size(), code);
    if (ec != std::errc() || ptr != city->data() + city->size() || !campaign.IsCity(code)) {
      return MakeError("unknown_jurisdiction", "city",
                       "'" + *city + "' is not a city (jurisdiction) of the campaign");
    }
    only = code;
  }
  struct Acc {
    std::int64_t tasks = 0, done = 0, lagging = 0;
    double completion = 0;
  };
  std::map<DivisionCode, Acc> by_city, by_county;
  std::map<std::string, Acc> by_action;
  pt::TaskSummary out;
  out.day = timeutil::FormatDate(today);
  std::vector<std::pair<Day, pt::LaggingTask>> lagging;
  const auto rows =
      tx.exec(std::string("SELECT ") + kTaskColumns +
              ", (SELECT submission_id FROM tracking.key_task_lag l WHERE l.task_id = k.task_id "
              "ORDER BY episode DESC LIMIT 1) FROM tracking.key_task k ORDER BY task_id");
  for (const auto& row : rows) {
    const StoredTask s = TaskFromRow(row);
    const KeyTask& t = s.task;
    if (only && t.city != *only) continue;
    const double completion = CompletionOf(t, s.completed);
    const bool done = s.completed >= t.target;
    for (Acc* a : {&by_city[t.city], &by_county[t.jurisdiction], &by_action[t.special_action]}) {
      ++a->tasks;
      a->done += done ? 1 : 0;
      a->lagging += s.lag.lagging ? 1 : 0;
      a->completion += completion;
    }
    ++out.tasks;
    out.done += done ? 1 : 0;
    if (s.lag.lagging) {
      ++out.lagging;
      pt::LaggingTask l;
      l.task_id = t.task_id;
      l.jurisdiction = std::to_string(t.jurisdiction);
      l.special_action = CategoryOf(t);
      l.title = t.title;
      l.unit = t.unit;
      l.target = t.target;
      l.expected = ExpectedOn(t, today, campaign.calendar());
      l.completed = s.completed;
      l.since = timeutil::FormatDate(s.lagging_since.value_or(today));
      l.submission_id = row[16].is_null() ? "" : row[16].as<std::string>();
      lagging.emplace_back(s.lagging_since.value_or(today), std::move(l));
    }
  }
  auto line = [](std::string key, std::string name, const Acc& a) {
    pt::TaskCompletionLine l;
    l.key = std::move(key);
    l.name = std::move(name);
    l.tasks = a.tasks;
    l.done = a.done;
    l.lagging = a.lagging;
    l.completion = a.tasks == 0 ? 0 : a.completion / static_cast<double>(a.tasks);
    return l;
  };
  for (const auto& [code, a] : by_city) {
    out.by_city.push_back(
        line(std::to_string(code), std::string(campaign.NameOf(code).value_or("")), a));
  }
  for (const auto& [code, a] : by_county) {
    out.by_county.push_back(
        line(std::to_string(code), std::string(campaign.NameOf(code).value_or("")), a));
  }
  for (const auto& [action, a] : by_action) {
    const campaign::CategoryInfo* info = campaign.FindCategory(action);
    out.by_action.push_back(line(action, info ? info->display_name : action, a));
  }
  std::stable_sort(lagging.begin(), lagging.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [since, l] : lagging) out.lagging_tasks.push_back(std::move(l));
  return out;
}

}  // namespace ducha::tracking

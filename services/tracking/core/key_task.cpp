#include "services/tracking/core/key_task.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/base/time.h"

namespace ducha::tracking {
namespace {

namespace pc = proto::common;

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string Line(std::int64_t line) { return "line " + std::to_string(line) + ": "; }

// The working days in (a, b], or the calendar days when either end is outside the calendar
// (a task list may run past the campaign; the trajectory then degrades to calendar days).
double WorkingSpan(const campaign::Calendar& calendar, Day a, Day b) {
  if (calendar.Covers(a) && calendar.Covers(b)) {
    if (auto n = calendar.WorkingDaysBetween(a, b)) return static_cast<double>(*n);
  }
  return static_cast<double>(b - a);
}

}  // namespace

bool KeyTask::SameAs(const KeyTask& o) const {
  if (milestones.size() != o.milestones.size()) return false;
  for (std::size_t i = 0; i < milestones.size(); ++i) {
    if (milestones[i].date != o.milestones[i].date ||
        milestones[i].fraction != o.milestones[i].fraction) {
      return false;
    }
  }
  return task_id == o.task_id && jurisdiction == o.jurisdiction &&
         special_action == o.special_action && title == o.title && unit == o.unit &&
         target == o.target && start == o.start && deadline == o.deadline && source == o.source;
}

Result<KeyTask> CheckTaskRow(const proto::tracking::KeyTaskRow& row,
                             const campaign::Campaign& campaign) {
  const std::string at = Line(row.line);
  KeyTask t;
  t.task_id = row.task_id;
  if (t.task_id.empty()) return MakeError("blank", "task_id", at + "the task id is empty");
  DivisionCode code = 0;
  const auto [ptr, ec] = std::from_chars(row.jurisdiction.data(),
                                         row.jurisdiction.data() + row.jurisdiction.size(), code);
  if (ec != std::errc() || ptr != row.jurisdiction.data() + row.jurisdiction.size() ||
      !campaign.IsKnownCode(code)) {
    return MakeError(
        "unknown_jurisdiction", "jurisdiction",
        at + "'" + row.jurisdiction + "' is not a county-level unit or city of the campaign");
  }
  t.jurisdiction = code;
  t.city = campaign.JurisdictionOf(code).value_or(code);
  if (!pc::ParseCategory(row.special_action)) {
    return MakeError("unknown_special_action", "special_action",
                     at + "'" + row.special_action + "' is not a special action");
  }
  if (!campaign.key_tasks().IsSpecialAction(row.special_action)) {
    return MakeError("not_a_special_action", "special_action",
                     at + "'" + row.special_action +
                         "' is a problem category but not one of the campaign's special actions");
  }
  t.special_action = row.special_action;
  if (IsBlank(row.title)) return MakeError("blank", "title", at + "the title is blank");
  if (IsBlank(row.unit)) return MakeError("blank", "unit", at + "the unit is blank");
  if (IsBlank(row.source)) return MakeError("blank", "source", at + "the source is blank");
  t.title = row.title;
  t.unit = row.unit;
  t.source = row.source;
  if (!std::isfinite(row.target)) {
    return MakeError("invalid_value", "target", at + "the target is not a number");
  }
  if (row.target < 0) {
    return MakeError("negative_target", "target",
                     at + "target " + FormatQuantity(row.target) + " is negative");
  }
  if (row.target == 0) {
    return MakeError("invalid_value", "target", at + "the target is 0: nothing to track");
  }
  t.target = row.target;
  const auto start = timeutil::ParseDate(row.start);
  const auto deadline = timeutil::ParseDate(row.deadline);
  if (!start) return MakeError("invalid_format", "start", at + "start must be YYYY-MM-DD");
  if (!deadline) return MakeError("invalid_format", "deadline", at + "deadline must be YYYY-MM-DD");
  if (*deadline < *start) {
    return MakeError("invalid_value", "deadline",
                     at + "deadline " + row.deadline + " is before start " + row.start);
  }
  if (!campaign.calendar().Covers(*deadline)) {
    return MakeError("outside_calendar", "deadline",
                     at + "deadline " + row.deadline + " is outside the campaign calendar");
  }
  t.start = *start;
  t.deadline = *deadline;
  double last_fraction = 0;
  Day last_date = t.start;
  for (std::size_t i = 0; i < row.milestones.size(); ++i) {
    const auto& m = row.milestones[i];
    const std::string field = "milestones[" + std::to_string(i) + "]";
    const auto date = timeutil::ParseDate(m.date);
    if (!date) return MakeError("invalid_format", field + ".date", at + "date must be YYYY-MM-DD");
    if (*date < last_date || *date > t.deadline) {
      return MakeError(
          "invalid_value", field + ".date",
          at + "milestone " + m.date + " is out of order or outside the task's start and deadline");
    }
    if (m.fraction < last_fraction) {
      return MakeError("invalid_value", field + ".fraction",
                       at + "milestone fractions must not decrease");
    }
    t.milestones.push_back(Milestone{*date, m.fraction});
    last_date = *date;
    last_fraction = m.fraction;
  }
  return t;
}

double ExpectedOn(const KeyTask& task, Day day, const campaign::Calendar& calendar) {
  if (day >= task.deadline) return task.target;
  if (day < task.start) return 0;
  if (!task.milestones.empty()) {
    double fraction = 0;
    for (const Milestone& m : task.milestones) {
      if (m.date <= day) fraction = std::max(fraction, m.fraction);
    }
    return task.target * fraction;
  }
  const double total = WorkingSpan(calendar, task.start, task.deadline);
  if (total <= 0) return task.target;
  const double used = std::clamp(WorkingSpan(calendar, task.start, day), 0.0, total);
  return task.target * used / total;
}

double CompletionOf(const KeyTask& task, double completed) {
  if (task.target <= 0) return 1;
  return std::clamp(completed / task.target, 0.0, 1.0);
}

LagStep DecideLag(const KeyTask& task, double completed, Day day, LagState before,
                  const campaign::Campaign& campaign) {
  LagStep step;
  step.after = before;
  step.expected = ExpectedOn(task, day, campaign.calendar());
  const auto& policy = campaign.key_tasks();
  bool behind = false;
  if (completed < task.target && day >= task.start) {
    const double grace_end = WorkingSpan(campaign.calendar(), task.start, day);
    const bool judged = grace_end >= policy.grace_working_days || day >= task.deadline;
    behind = judged && completed < step.expected * (1.0 - policy.lag_tolerance);
  }
  if (behind && !before.lagging) {
    step.after.lagging = true;
    step.after.episodes = before.episodes + 1;
    step.fell_behind = true;
  } else if (!behind && before.lagging) {
    step.after.lagging = false;
    step.caught_up = true;
  }
  return step;
}

std::string LagSubmissionId(const std::string& task_id, int episode) {
  return "task:" + task_id + ":" + std::to_string(episode);
}

std::string FormatQuantity(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

proto::intake::SubmitReport LagReport(const KeyTask& task, int episode, double expected,
                                      double completed, Day day, timeutil::Millis now,
                                      const campaign::Campaign& campaign) {
  proto::intake::SubmitReport r;
  r.submission_id = LagSubmissionId(task.task_id, episode);
  r.channel = pc::Channel::kKeyTask;
  r.jurisdiction = std::to_string(task.jurisdiction);
  r.category = pc::ParseCategory(task.special_action).value_or(pc::Category::kOther);
  r.severity = pc::ParseSeverity(campaign.key_tasks().lag_severity);
  const std::string place = std::string(campaign.NameOf(task.jurisdiction).value_or(""));
  const auto pct = [](double part, double whole) {
    return whole <= 0 ? std::string("100") : FormatQuantity(std::round(part / whole * 1000) / 10);
  };
  // The title is at most 100 characters: the task's title is cut to 60 (by code points).
  const std::string title = place + "重点任务进度滞后：";
  std::size_t chars = 0;
  std::string task_title;
  for (std::size_t i = 0; i < task.title.size();) {
    const auto c = static_cast<unsigned char>(task.title[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (chars >= 60) break;
    task_title.append(task.title, i, len);
    i += len;
    ++chars;
  }
  r.title = title + task_title;
  r.description = "任务「" + task.title + "」（" + task.source + "，编号" + task.task_id +
                  "）目标" + FormatQuantity(task.target) + task.unit + "，完成时限" +
                  timeutil::FormatDate(task.deadline) + "。截至" + timeutil::FormatDate(day) +
                  "应完成" + FormatQuantity(expected) + task.unit + "（" +
                  pct(expected, task.target) + "%），实际完成" + FormatQuantity(completed) +
                  task.unit + "（" + pct(completed, task.target) + "%），进度滞后" +
                  (episode > 1 ? "（第" + std::to_string(episode) + "次）" : std::string()) + "。";
  r.observed_at = timeutil::StartOfDay(day, campaign.info().utc_offset_minutes);
  r.reported_at = now;
  return r;
}

}  // namespace ducha::tracking

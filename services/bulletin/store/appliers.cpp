#include "services/bulletin/store/appliers.h"

#include <charconv>
#include <optional>

#include "common/base/time.h"
#include "common/db/array.h"
#include "common/stream/decode.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "proto/tracking_codec.h"

namespace ducha::bulletin {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;
namespace pr = proto::review;
namespace pt = proto::tracking;
using timeutil::Millis;

template <typename Applier>
stream::ApplyFn Bind(Applier* self) {
  return [self](pqxx::transaction_base& tx, std::span<const stream::IncomingEvent> events) {
    return self->Apply(tx, events);
  };
}

void Count(ApplierStats& stats, const std::vector<Status>& out) {
  for (const Status& s : out) {
    (s ? stats.applied : stats.rejected).fetch_add(1, std::memory_order_relaxed);
  }
}

std::optional<campaign::DivisionCode> Code(std::string_view s) {
  campaign::DivisionCode code = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return code;
}

Error BadDate(const std::string& field, const std::string& value) {
  return MakeError("invalid_format", field, "'" + value + "' is not a date (YYYY-MM-DD)");
}

Error BadCode(const std::string& field, const std::string& value) {
  return MakeError("invalid_format", field, "'" + value + "' is not a division code");
}

// Dated facts of one stream, written with one statement.
class FactBatch {
 public:
  FactBatch(std::string producer, std::string stream)
      : producer_(std::move(producer)), stream_(std::move(stream)) {}

  void Add(std::int64_t seq, std::int64_t problem, Millis at, std::string_view what,
           std::optional<std::int64_t> deadline = std::nullopt,
           std::optional<bool> listed = std::nullopt, std::optional<bool> flag = std::nullopt,
           std::optional<std::int64_t> rung = std::nullopt,
           std::optional<std::string> rung_name = std::nullopt) {
    seq_.AddInt(seq);
    problem_.AddInt(problem);
    at_.AddInt(at);
    what_.Add(what);
    deadline ? deadline_.AddInt(*deadline) : deadline_.AddNull();
    listed ? listed_.Add(*listed ? "true" : "false") : listed_.AddNull();
    flag ? flag_.Add(*flag ? "true" : "false") : flag_.AddNull();
    rung ? rung_.AddInt(*rung) : rung_.AddNull();
    rung_name_.AddOptional(rung_name);
  }

  void Flush(pqxx::transaction_base& tx) {
    if (seq_.size() == 0) return;
    tx.exec_params(
        "INSERT INTO bulletin.fact (producer, stream, seq, problem_id, at, what, deadline, listed, "
        "flag, rung, rung_name) SELECT $1, $2, s, p, a, w, d, l, f, r, n FROM unnest($3::bigint[], "
        "$4::bigint[], $5::bigint[], $6::text[], $7::int[], $8::bool[], $9::bool[], $10::int[], "
        "$11::text[]) AS u(s, p, a, w, d, l, f, r, n) ON CONFLICT (producer, stream, seq) DO "
        "NOTHING",
        producer_, stream_, seq_.Finish(), problem_.Finish(), at_.Finish(), what_.Finish(),
        deadline_.Finish(), listed_.Finish(), flag_.Finish(), rung_.Finish(), rung_name_.Finish());
  }

 private:
  std::string producer_;
  std::string stream_;
  db::ArrayBuilder seq_, problem_, at_, what_, deadline_, listed_, flag_, rung_, rung_name_;
};

// A double as a PostgreSQL literal, exactly (the shortest text that reads back the same).
std::string Float(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

// The key tasks' rows of one batch (重点任务), written with one statement per table.
class KeyTaskBatch {
 public:
  explicit KeyTaskBatch(int offset) : offset_(offset) {}

  Status Defined(const pt::TaskDefined& m) {
    const auto place = Code(m.jurisdiction);
    const auto its_city = Code(m.city);
    if (!place || !its_city) {
      return BadCode(place ? "city" : "jurisdiction", place ? m.city : m.jurisdiction);
    }
    const auto start = timeutil::ParseDate(m.start);
    if (!start) return BadDate("start", m.start);
    const auto deadline = timeutil::ParseDate(m.deadline);
    if (!deadline) return BadDate("deadline", m.deadline);
    d_task_.Add(m.task_id);
    d_version_.AddInt(m.version);
    d_jurisdiction_.AddInt(*place);
    d_city_.AddInt(*its_city);
    d_action_.Add(pc::ToString(m.special_action));
    d_target_.Add(Float(m.target));
    d_start_.AddInt(*start);
    d_deadline_.AddInt(*deadline);
    d_at_.AddInt(m.at);
    return OkStatus();
  }

  Status Progress(std::int64_t seq, const pt::TaskProgressReported& m) {
    const auto as_of = timeutil::ParseDate(m.as_of);
    if (!as_of) return BadDate("as_of", m.as_of);
    p_seq_.AddInt(seq);
    p_task_.Add(m.task_id);
    p_completed_.Add(Float(m.completed));
    p_expected_.Add(Float(m.expected));
    p_as_of_.AddInt(*as_of);
    p_at_.AddInt(m.at);
    return OkStatus();
  }

  Status Turn(const std::string& task_id, std::int64_t episode, bool lagging, double expected,
              double completed, const std::string& due_date) {
    const auto day = timeutil::ParseDate(due_date);
    if (!day) return BadDate("due_date", due_date);
    s_task_.Add(task_id);
    s_episode_.AddInt(episode);
    s_kind_.Add(lagging ? "lagging" : "on_track");
    s_expected_.Add(Float(expected));
    s_completed_.Add(Float(completed));
    s_day_.AddInt(*day);
    s_at_.AddInt(timeutil::StartOfDay(*day, offset_));
    return OkStatus();
  }

  void Flush(pqxx::transaction_base& tx) {
    if (d_task_.size() > 0) {
      tx.exec_params(
          "INSERT INTO bulletin.key_task (task_id, version, jurisdiction, city, special_action, "
          "target, start_day, deadline, at) SELECT * FROM unnest($1::text[], $2::int[], "
          "$3::int[], $4::int[], $5::text[], $6::float8[], $7::int[], $8::int[], $9::bigint[]) "
          "ON CONFLICT (task_id, version) DO NOTHING",
          d_task_.Finish(), d_version_.Finish(), d_jurisdiction_.Finish(), d_city_.Finish(),
          d_action_.Finish(), d_target_.Finish(), d_start_.Finish(), d_deadline_.Finish(),
          d_at_.Finish());
    }
    if (p_seq_.size() > 0) {
      tx.exec_params(
          "INSERT INTO bulletin.key_task_progress (producer, stream, seq, task_id, completed, "
          "expected, as_of, at) SELECT 'tracking', 'ledger', s, t, c, e, d, a FROM "
          "unnest($1::bigint[], $2::text[], $3::float8[], $4::float8[], $5::int[], "
          "$6::bigint[]) AS u(s, t, c, e, d, a) ON CONFLICT (producer, stream, seq) DO NOTHING",
          p_seq_.Finish(), p_task_.Finish(), p_completed_.Finish(), p_expected_.Finish(),
          p_as_of_.Finish(), p_at_.Finish());
    }
    if (s_task_.size() > 0) {
      tx.exec_params(
          "INSERT INTO bulletin.key_task_status (task_id, episode, kind, expected, completed, "
          "day, at) SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::float8[], "
          "$5::float8[], $6::int[], $7::bigint[]) ON CONFLICT (task_id, episode, kind) DO NOTHING",
          s_task_.Finish(), s_episode_.Finish(), s_kind_.Finish(), s_expected_.Finish(),
          s_completed_.Finish(), s_day_.Finish(), s_at_.Finish());
    }
  }

 private:
  int offset_;
  db::ArrayBuilder d_task_, d_version_, d_jurisdiction_, d_city_, d_action_, d_target_, d_start_,
      d_deadline_, d_at_;
  db::ArrayBuilder p_seq_, p_task_, p_completed_, p_expected_, p_as_of_, p_at_;
  db::ArrayBuilder s_task_, s_episode_, s_kind_, s_expected_, s_completed_, s_day_, s_at_;
};

template <typename M>
Result<M> As(const codec::Frame& frame) {
  return codec::DecodeAs<M>(frame);
}

}  // namespace

// --- intake ---------------------------------------------------------------------------------

stream::ApplyFn ReportApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> ReportApplier::Apply(pqxx::transaction_base& tx,
                                         std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  db::ArrayBuilder id, channel, jurisdiction, city, duplicate, received;
  const auto reports = stream::DecodeEventsOf<pi::ReportAccepted>(events, out);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!reports[i]) continue;
    const pi::ReportAccepted* m = &*reports[i];
    const auto place = Code(m->jurisdiction);
    if (!place) {
      out[i] = BadCode("jurisdiction", m->jurisdiction);
      continue;
    }
    const auto its_city = campaign_.JurisdictionOf(*place);
    if (!its_city) {
      out[i] = MakeError("unknown_jurisdiction", "jurisdiction",
                         m->jurisdiction + " is not a place of the campaign");
      continue;
    }
    id.AddInt(m->report_id);
    channel.Add(pc::ToString(m->channel));
    jurisdiction.AddInt(*place);
    city.AddInt(*its_city);
    duplicate.Add(m->duplicate_of ? "true" : "false");
    received.AddInt(m->received_at);
  }
  if (id.size() > 0) {
    tx.exec_params(
        "INSERT INTO bulletin.report (report_id, channel, jurisdiction, city, duplicate, "
        "received_at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], "
        "$5::bool[], $6::bigint[]) ON CONFLICT (report_id) DO NOTHING",
        id.Finish(), channel.Finish(), jurisdiction.Finish(), city.Finish(), duplicate.Finish(),
        received.Finish());
  }
  Count(stats_, out);
  return out;
}

// --- dispatch -------------------------------------------------------------------------------

stream::ApplyFn AssignmentApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> AssignmentApplier::Apply(pqxx::transaction_base& tx,
                                             std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  db::ArrayBuilder id, kind, jurisdiction, city, channel, category, severity, listed, reason,
      deadline, assigned, group, round;
  db::ArrayBuilder r_group, r_round, r_version, r_members, r_leaders, r_deputies, r_ordinary,
      r_aggregators, r_vehicles, r_days, r_allowance, r_rate, r_at;
  FactBatch facts("dispatch", "assignments");
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto frame = proto::ParseMessage(events[i].payload);
    if (!frame) {
      out[i] = frame.error();
      continue;
    }
    const std::string_view type = frame->type();
    if (type == pd::ProblemAssigned::kType) {
      auto m = As<pd::ProblemAssigned>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      const auto place = Code(m->jurisdiction);
      const auto its_city = Code(m->city);
      const auto day = timeutil::ParseDate(m->deadline);
      if (!place || !its_city) {
        out[i] = BadCode(place ? "city" : "jurisdiction", place ? m->city : m->jurisdiction);
        continue;
      }
      if (!day) {
        out[i] = BadDate("deadline", m->deadline);
        continue;
      }
      id.AddInt(m->problem_id);
      kind.Add(pd::ToString(m->kind));
      jurisdiction.AddInt(*place);
      city.AddInt(*its_city);
      channel.Add(pc::ToString(m->channel));
      category.Add(pc::ToString(m->category));
      severity.Add(pc::ToString(m->severity));
      listed.Add(m->listed ? "true" : "false");
      if (m->listing_reason) {
        reason.Add(pd::ToString(*m->listing_reason));
      } else {
        reason.AddNull();
      }
      deadline.AddInt(*day);
      assigned.AddInt(m->assigned_at);
      group.AddOptional(m->supervising_group);
      m->round ? round.AddInt(*m->round) : round.AddNull();
    } else if (type == pd::ProblemChanged::kType) {
      auto m = As<pd::ProblemChanged>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      std::optional<std::int64_t> day;
      if (m->deadline) {
        day = timeutil::ParseDate(*m->deadline);
        if (!day) {
          out[i] = BadDate("deadline", *m->deadline);
          continue;
        }
      }
      facts.Add(events[i].seq, m->problem_id, m->at, "changed", day, m->listed);
    } else if (type == pd::RosterRegistered::kType) {
      // Counts only: the event carries no member's details, and none are kept.
      auto m = As<pd::RosterRegistered>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      r_group.Add(m->group_id);
      r_round.AddInt(m->round);
      r_version.AddInt(m->version);
      r_members.AddInt(m->members);
      r_leaders.AddInt(m->roles.leader);
      r_deputies.AddInt(m->roles.deputy);
      r_ordinary.AddInt(m->roles.member);
      r_aggregators.AddInt(m->roles.aggregator);
      r_vehicles.AddInt(m->vehicles);
      r_days.AddInt(m->days_stationed);
      r_allowance.AddInt(m->meal_allowance_yuan);
      r_rate.AddInt(m->meal_rate_yuan);
      r_at.AddInt(m->registered_at);
    }  // source_added: the repeat report is counted from intake's stream
  }
  if (id.size() > 0) {
    tx.exec_params(
        "INSERT INTO bulletin.problem (problem_id, kind, jurisdiction, city, channel, category, "
        "severity, listed, listing_reason, deadline, assigned_at, supervising_group, round) "
        "SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::text[], "
        "$6::text[], $7::text[], $8::bool[], $9::text[], $10::int[], $11::bigint[], $12::text[], "
        "$13::int[]) ON CONFLICT (problem_id) DO NOTHING",
        id.Finish(), kind.Finish(), jurisdiction.Finish(), city.Finish(), channel.Finish(),
        category.Finish(), severity.Finish(), listed.Finish(), reason.Finish(), deadline.Finish(),
        assigned.Finish(), group.Finish(), round.Finish());
  }
  if (r_group.size() > 0) {
    // Every version is kept; the round report reads the latest one before its cut-off.
    tx.exec_params(
        "INSERT INTO bulletin.roster (group_id, round, version, members, leaders, deputies, "
        "ordinary_members, aggregators, vehicles, days_stationed, meal_allowance_yuan, "
        "meal_rate_yuan, registered_at) SELECT * FROM unnest($1::text[], $2::int[], $3::int[], "
        "$4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], "
        "$11::bigint[], $12::int[], $13::bigint[]) ON CONFLICT (group_id, round, version) DO "
        "NOTHING",
        r_group.Finish(), r_round.Finish(), r_version.Finish(), r_members.Finish(),
        r_leaders.Finish(), r_deputies.Finish(), r_ordinary.Finish(), r_aggregators.Finish(),
        r_vehicles.Finish(), r_days.Finish(), r_allowance.Finish(), r_rate.Finish(), r_at.Finish());
  }
  facts.Flush(tx);
  Count(stats_, out);
  return out;
}

// --- tracking -------------------------------------------------------------------------------

stream::ApplyFn LedgerApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> LedgerApplier::Apply(pqxx::transaction_base& tx,
                                         std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  FactBatch facts("tracking", "ledger");
  KeyTaskBatch tasks(offset_);
  auto day_of = [](const std::string& s) { return timeutil::ParseDate(s); };
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto frame = proto::ParseMessage(events[i].payload);
    if (!frame) {
      out[i] = frame.error();
      continue;
    }
    const std::int64_t seq = events[i].seq;
    const std::string_view type = frame->type();
    Status st = OkStatus();
    if (type == pt::VerificationConcluded::kType) {
      auto m = As<pt::VerificationConcluded>(*frame);
      if (!m) {
        st = m.error();
      } else {
        std::optional<std::int64_t> day;
        if (m->rectification_deadline) day = day_of(*m->rectification_deadline);
        if (m->rectification_deadline && !day) {
          st = BadDate("rectification_deadline", *m->rectification_deadline);
        } else {
          facts.Add(seq, m->problem_id, m->at, "verified", day, std::nullopt, m->substantiated);
        }
      }
    } else if (type == pt::RectificationClaimed::kType) {
      auto m = As<pt::RectificationClaimed>(*frame);
      if (!m) {
        st = m.error();
      } else if (const auto day = day_of(m->deadline); !day) {
        st = BadDate("deadline", m->deadline);
      } else {
        facts.Add(seq, m->problem_id, m->at, "claimed", day, std::nullopt, m->late);
      }
    } else if (type == pt::Rectified::kType) {
      auto m = As<pt::Rectified>(*frame);
      if (!m) {
        st = m.error();
      } else {
        facts.Add(seq, m->problem_id, m->at, "rectified");
      }
    } else if (type == pt::Reopened::kType) {
      auto m = As<pt::Reopened>(*frame);
      if (!m) {
        st = m.error();
      } else if (const auto day = day_of(m->deadline); !day) {
        st = BadDate("deadline", m->deadline);
      } else {
        facts.Add(seq, m->problem_id, m->at, "reopened", day);
      }
    } else if (type == pt::ExtensionRequested::kType) {
      auto m = As<pt::ExtensionRequested>(*frame);
      if (!m) {
        st = m.error();
      } else {
        facts.Add(seq, m->problem_id, m->at, "extension_requested");
      }
    } else if (type == pt::ExtensionDecided::kType) {
      auto m = As<pt::ExtensionDecided>(*frame);
      if (!m) {
        st = m.error();
      } else if (const auto day = day_of(m->deadline); !day) {
        st = BadDate("deadline", m->deadline);
      } else {
        facts.Add(seq, m->problem_id, m->at, "extension_decided", day, std::nullopt, m->approved);
      }
    } else if (type == pt::Overdue::kType) {
      auto m = As<pt::Overdue>(*frame);
      if (!m) {
        st = m.error();
      } else if (const auto due = day_of(m->due_date); !due) {
        st = BadDate("due_date", m->due_date);
      } else {
        facts.Add(seq, m->problem_id, timeutil::StartOfDay(*due, offset_), "overdue",
                  day_of(m->deadline));
      }
    } else if (type == pt::Escalated::kType) {
      auto m = As<pt::Escalated>(*frame);
      if (!m) {
        st = m.error();
      } else if (const auto due = day_of(m->due_date); !due) {
        st = BadDate("due_date", m->due_date);
      } else {
        facts.Add(seq, m->problem_id, timeutil::StartOfDay(*due, offset_), "escalated",
                  std::nullopt, std::nullopt, std::nullopt, m->rung, m->display_name);
      }
    } else if (type == pt::TaskDefined::kType) {
      auto m = As<pt::TaskDefined>(*frame);
      st = m ? tasks.Defined(*m) : Status(m.error());
    } else if (type == pt::TaskProgressReported::kType) {
      auto m = As<pt::TaskProgressReported>(*frame);
      st = m ? tasks.Progress(seq, *m) : Status(m.error());
    } else if (type == pt::TaskLagging::kType) {
      auto m = As<pt::TaskLagging>(*frame);
      st = m ? tasks.Turn(m->task_id, m->episode, true, m->expected, m->completed, m->due_date)
             : Status(m.error());
    } else if (type == pt::TaskOnTrack::kType) {
      auto m = As<pt::TaskOnTrack>(*frame);
      st = m ? tasks.Turn(m->task_id, m->episode, false, m->expected, m->completed, m->due_date)
             : Status(m.error());
    }  // problems' progress reports and early warnings are not in the bulletin
    out[i] = std::move(st);
  }
  facts.Flush(tx);
  tasks.Flush(tx);
  Count(stats_, out);
  return out;
}

// --- review ---------------------------------------------------------------------------------

stream::ApplyFn ReviewApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> ReviewApplier::Apply(pqxx::transaction_base& tx,
                                         std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  db::ArrayBuilder task, problem, passed, on_site, at;
  db::ArrayBuilder a_seq, a_problem, a_kind, a_level, a_name, a_at, a_text;
  db::ArrayBuilder c_seq, c_key, c_name, c_points, c_colour, c_previous, c_problem, c_city, c_at;
  db::ArrayBuilder b_seq, b_key, b_name, b_points, b_added, b_city, b_at;
  // The campaign jurisdiction of the division code inside a unified social credit code.
  auto city_of = [this](const std::string& key) -> std::int64_t {
    if (campaign_ == nullptr || key.size() != 18) return 0;
    const auto code = Code(std::string_view(key).substr(2, 6));
    if (!code) return 0;
    return campaign_->JurisdictionOf(*code).value_or(0);
  };
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto frame = proto::ParseMessage(events[i].payload);
    if (!frame) {
      out[i] = frame.error();
      continue;
    }
    const std::string_view type = frame->type();
    if (type == pr::ReinspectionConcluded::kType) {
      auto m = As<pr::ReinspectionConcluded>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      task.AddInt(m->task_id);
      problem.AddInt(m->problem_id);
      passed.Add(m->passed ? "true" : "false");
      on_site.Add(m->method == pr::Method::kReinspected ? "true" : "false");
      at.AddInt(m->at);
    } else if (type == pr::RecommendationMade::kType) {
      auto m = As<pr::RecommendationMade>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      a_seq.AddInt(events[i].seq);
      a_problem.AddInt(m->problem_id);
      a_kind.Add("recommendation");
      a_level.Add(m->level);
      a_name.Add(m->display_name);
      a_at.AddInt(m->at);
      a_text.AddNull();
    } else if (type == pr::DecisionRecorded::kType) {
      auto m = As<pr::DecisionRecorded>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      a_seq.AddInt(events[i].seq);
      a_problem.AddInt(m->problem_id);
      a_kind.Add("decision");
      a_level.AddOptional(m->level);
      a_name.AddNull();
      a_at.AddInt(m->at);
      a_text.Add(m->decision);
    } else if (type == pr::CreditChanged::kType) {
      auto m = As<pr::CreditChanged>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      c_seq.AddInt(events[i].seq);
      c_key.Add(m->enterprise);
      c_name.Add(m->name);
      c_points.AddInt(m->points);
      c_colour.Add(pr::ToString(m->colour));
      c_previous.Add(pr::ToString(m->previous));
      m->problem_id ? c_problem.AddInt(*m->problem_id) : c_problem.AddNull();
      c_city.AddInt(city_of(m->enterprise));
      c_at.AddInt(m->at);
    } else if (type == pr::Blacklisted::kType || type == pr::Delisted::kType) {
      const bool added = type == pr::Blacklisted::kType;
      // Both carry the same fields; the operator's reason is not kept (an internal note).
      auto put = [&](const auto& m) {
        b_seq.AddInt(events[i].seq);
        b_key.Add(m.enterprise);
        b_name.Add(m.name);
        b_points.AddInt(m.points);
        b_added.Add(added ? "true" : "false");
        b_city.AddInt(city_of(m.enterprise));
        b_at.AddInt(m.at);
      };
      if (added) {
        auto m = As<pr::Blacklisted>(*frame);
        if (!m) {
          out[i] = m.error();
          continue;
        }
        put(*m);
      } else {
        auto m = As<pr::Delisted>(*frame);
        if (!m) {
          out[i] = m.error();
          continue;
        }
        put(*m);
      }
    }  // tasks, referrals and opinions are not in the bulletin
  }
  if (task.size() > 0) {
    tx.exec_params(
        "INSERT INTO bulletin.reinspection (task_id, problem_id, passed, on_site, at) SELECT * "
        "FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::bool[], $5::bigint[]) "
        "ON CONFLICT (task_id) DO NOTHING",
        task.Finish(), problem.Finish(), passed.Finish(), on_site.Finish(), at.Finish());
  }
  if (a_seq.size() > 0) {
    tx.exec_params(
        "INSERT INTO bulletin.accountability (producer, stream, seq, problem_id, kind, level, "
        "level_name, at, decision_text) SELECT 'review', 'reinspections', s, p, k, l, n, a, t "
        "FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], "
        "$6::bigint[], $7::text[]) AS u(s, p, k, l, n, a, t) ON CONFLICT (producer, stream, seq) "
        "DO NOTHING",
        a_seq.Finish(), a_problem.Finish(), a_kind.Finish(), a_level.Finish(), a_name.Finish(),
        a_at.Finish(), a_text.Finish());
  }
  if (c_seq.size() > 0) {
    tx.exec_params(
        "INSERT INTO bulletin.credit_change (producer, stream, seq, enterprise, name, points, "
        "colour, previous, problem_id, city, at) SELECT 'review', 'reinspections', s, e, n, pt, "
        "c, pv, p, CASE WHEN ci <> 0 THEN ci ELSE coalesce((SELECT city FROM bulletin.problem "
        "WHERE problem_id = p), 0) END, a FROM unnest($1::bigint[], $2::text[], $3::text[], "
        "$4::int[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::bigint[]) AS u(s, e, n, "
        "pt, c, pv, p, ci, a) ON CONFLICT (producer, stream, seq) DO NOTHING",
        c_seq.Finish(), c_key.Finish(), c_name.Finish(), c_points.Finish(), c_colour.Finish(),
        c_previous.Finish(), c_problem.Finish(), c_city.Finish(), c_at.Finish());
  }
  if (b_seq.size() > 0) {
    tx.exec_params(
        "INSERT INTO bulletin.blacklist_change (producer, stream, seq, enterprise, name, points, "
        "added, city, at) SELECT 'review', 'reinspections', s, e, n, pt, ad, CASE WHEN ci <> 0 "
        "THEN ci ELSE coalesce((SELECT c.city FROM bulletin.credit_change c WHERE c.enterprise = "
        "e AND c.city <> 0 ORDER BY c.at DESC, c.seq DESC LIMIT 1), 0) END, a FROM "
        "unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::bool[], $6::int[], "
        "$7::bigint[]) AS u(s, e, n, pt, ad, ci, a) ON CONFLICT (producer, stream, seq) DO "
        "NOTHING",
        b_seq.Finish(), b_key.Finish(), b_name.Finish(), b_points.Finish(), b_added.Finish(),
        b_city.Finish(), b_at.Finish());
  }
  Count(stats_, out);
  return out;
}

// --- intake's visits -------------------------------------------------------------------------

stream::ApplyFn VisitApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> VisitApplier::Apply(pqxx::transaction_base& tx,
                                        std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  db::ArrayBuilder id, group, round, county, city, day, tasks, found, received, methods, mode;
  const auto visits = stream::DecodeEventsOf<pi::VisitReported>(events, out);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!visits[i]) continue;
    const pi::VisitReported* m = &*visits[i];
    const auto place = Code(m->county);
    const auto its_city = Code(m->city);
    if (!place || !its_city) {
      out[i] = BadCode(place ? "city" : "county", place ? m->city : m->county);
      continue;
    }
    const auto d = timeutil::ParseDate(m->visit_date);
    if (!d) {
      out[i] = BadDate("visit_date", m->visit_date);
      continue;
    }
    db::ArrayBuilder t;
    for (const auto& task : m->tasks) t.Add(pc::ToString(task));
    db::ArrayBuilder how;
    for (const auto method : m->methods) how.Add(pi::ToString(method));
    methods.Add(how.Finish());
    if (m->mode) {
      mode.Add(pi::ToString(*m->mode));
    } else {
      mode.AddNull();
    }
    id.AddInt(m->visit_id);
    group.Add(m->group_id);
    round.AddInt(m->round);
    county.AddInt(*place);
    city.AddInt(*its_city);
    day.AddInt(*d);
    tasks.Add(t.Finish());
    found.AddInt(m->problems_found);
    received.AddInt(m->received_at);
  }
  if (id.size() > 0) {
    // tasks travel as an array of array literals, one per visit, parsed back row by row.
    tx.exec_params(
        "INSERT INTO bulletin.visit (visit_id, group_id, round, county, city, visit_day, tasks, "
        "problems_found, received_at, methods, mode) SELECT v, g, r, c, ci, d, t::text[], f, a, "
        "m::text[], o FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::int[], "
        "$6::int[], $7::text[], $8::int[], $9::bigint[], $10::text[], $11::text[]) AS u(v, g, r, "
        "c, ci, d, t, f, a, m, o) ON CONFLICT (visit_id) DO NOTHING",
        id.Finish(), group.Finish(), round.Finish(), county.Finish(), city.Finish(), day.Finish(),
        tasks.Finish(), found.Finish(), received.Finish(), methods.Finish(), mode.Finish());
  }
  Count(stats_, out);
  return out;
}

}  // namespace ducha::bulletin

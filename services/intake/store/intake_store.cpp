#include "services/intake/store/intake_store.h"

#include <unordered_map>

#include "common/db/array.h"
#include "proto/intake_codec.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;

std::string KeyString(const std::string& integration, const std::string& submission_id) {
  return integration + '\x1f' + submission_id;
}

pi::ReceiptOutcome OutcomeOf(bool duplicate) {
  return duplicate ? pi::ReceiptOutcome::kDuplicate : pi::ReceiptOutcome::kNewProblem;
}

pi::Receipt MakeReceipt(std::int64_t id, std::optional<std::int64_t> duplicate_of,
                        timeutil::Millis accepted_at) {
  pi::Receipt r;
  r.report_id = id;
  r.receipt_no = ReceiptNo(id);
  r.outcome = OutcomeOf(duplicate_of.has_value());
  r.duplicate_of = duplicate_of;
  r.accepted_at = accepted_at;
  return r;
}

void AddOptional(db::ArrayBuilder& a, const std::optional<std::string>& v) { a.AddOptional(v); }

// A row's methods as one array literal, and its mode (or NULL), for the unnest of a batch.
void AddMethods(db::ArrayBuilder& methods, db::ArrayBuilder& modes,
                const std::vector<pi::VisitMethod>& list,
                const std::optional<pi::VisitMode>& mode) {
  db::ArrayBuilder one;
  for (const auto m : list) one.Add(pi::ToString(m));
  methods.Add(one.Finish());
  if (mode) {
    modes.Add(pi::ToString(*mode));
  } else {
    modes.AddNull();
  }
}

}  // namespace

IntakeStore::IntakeStore(db::Connection& conn, const campaign::Campaign& campaign)
    : conn_(conn), campaign_(campaign), outbox_("intake") {}

BatchOutcome IntakeStore::CommitBatch(const std::vector<Submission>& reports,
                                      const std::vector<Visit>& visits,
                                      const RejectionCounts& rejected, timeutil::Millis now) {
  return conn_.Transact([&](pqxx::work& w) {
    BatchOutcome out;
    out.reports = CommitIn(w, reports, rejected, now);
    out.visits = CommitVisitsIn(w, visits);
    db::InsertRefusals(w, "intake", rejected.audited);
    return out;
  });
}

std::vector<SubmitOutcome> IntakeStore::CommitIn(pqxx::transaction_base& tx,
                                                 const std::vector<Submission>& batch,
                                                 const RejectionCounts& rejected,
                                                 timeutil::Millis now) {
  std::vector<SubmitOutcome> out(batch.size());
  const int offset = campaign_.info().utc_offset_minutes;

  // 1. Idempotency: what is already stored for these keys.
  struct Stored {
    std::int64_t id;
    std::string hash;
    std::optional<std::int64_t> duplicate_of;
    timeutil::Millis accepted_at;
  };
  std::unordered_map<std::string, Stored> stored;
  if (!batch.empty()) {
    db::ArrayBuilder integrations, ids;
    for (const auto& s : batch) {
      integrations.Add(s.integration);
      ids.Add(s.report.submission_id);
    }
    const pqxx::result r = tx.exec_params(
        "SELECT r.integration, r.submission_id, r.report_id, r.request_hash, r.duplicate_of, "
        "(extract(epoch FROM r.received_at) * 1000)::bigint "
        "FROM unnest($1::text[], $2::text[]) AS k(integration, submission_id) "
        "JOIN intake.report r USING (integration, submission_id)",
        integrations.Finish(), ids.Finish());
    for (const auto& row : r) {
      Stored st{row[2].as<std::int64_t>(), row[3].as<std::string>(), std::nullopt,
                row[5].as<timeutil::Millis>()};
      if (!row[4].is_null()) st.duplicate_of = row[4].as<std::int64_t>();
      stored.emplace(KeyString(row[0].as<std::string>(), row[1].as<std::string>()), st);
    }
  }

  // 2. Which items are new (first occurrence of a key not yet stored).
  std::vector<std::size_t> fresh;
  std::unordered_map<std::string, std::size_t> first_in_batch;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto key = KeyString(batch[i].integration, batch[i].report.submission_id);
    if (stored.count(key) != 0) continue;
    if (first_in_batch.emplace(key, i).second) fresh.push_back(i);
  }

  // 3. Ids for the new reports and their contacts.
  std::vector<std::int64_t> report_ids(batch.size(), 0);
  std::vector<std::optional<std::int64_t>> contact_refs(batch.size());
  std::vector<std::optional<std::int64_t>> duplicate_of(batch.size());
  if (!fresh.empty()) {
    std::size_t contacts = 0;
    for (std::size_t i : fresh) contacts += HasContact(batch[i].report) ? 1u : 0u;
    const pqxx::result ids = tx.exec_params(
        "SELECT nextval('intake.report_id_seq'), CASE WHEN g <= $2 THEN "
        "nextval('intake.contact_ref_seq') END FROM generate_series(1, $1) g",
        static_cast<long long>(fresh.size()), static_cast<long long>(contacts));
    std::size_t next_contact = 0;
    std::vector<std::int64_t> contact_pool;
    for (const auto& row : ids) {
      if (!row[1].is_null()) contact_pool.push_back(row[1].as<std::int64_t>());
    }
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      const std::size_t i = fresh[k];
      report_ids[i] = ids[static_cast<pqxx::result::size_type>(k)][0].as<std::int64_t>();
      if (HasContact(batch[i].report)) contact_refs[i] = contact_pool[next_contact++];
    }

    // 4. Duplicates: against open originals already committed, then earlier items of this batch.
    const double radius = campaign_.policy().DuplicateRadiusMetres();
    db::ArrayBuilder ns, credits, categories, lats, lons;
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      const auto& s = batch[fresh[k]];
      ns.AddInt(static_cast<long long>(k));
      credits.AddOptional(s.report.enterprise ? s.report.enterprise->credit_code : std::nullopt);
      categories.Add(pc::ToString(s.report.category));
      if (s.report.location) {
        lats.Add(fmt::format("{:.7f}", s.report.location->lat));
        lons.Add(fmt::format("{:.7f}", s.report.location->lon));
      } else {
        lats.AddNull();
        lons.AddNull();
      }
    }
    // One degree of latitude is ~111 km; the box is widened for longitude by 1/cos(lat).
    const pqxx::result cands = tx.exec_params(
        "SELECT b.n, (SELECT r.report_id FROM intake.report r WHERE r.is_open AND "
        "r.duplicate_of IS NULL AND ((b.credit IS NOT NULL AND r.credit_code = b.credit) OR "
        "(b.lat IS NOT NULL AND r.category = b.category AND "
        " r.lat BETWEEN b.lat - $6 / 111000.0 AND b.lat + $6 / 111000.0 AND "
        " r.lon BETWEEN b.lon - $6 / (111000.0 * cos(radians(b.lat))) AND "
        "               b.lon + $6 / (111000.0 * cos(radians(b.lat))) AND "
        " 2 * 6371000 * asin(least(1, sqrt(power(sin(radians(r.lat - b.lat) / 2), 2) + "
        "   cos(radians(b.lat)) * cos(radians(r.lat)) * "
        "   power(sin(radians(r.lon - b.lon) / 2), 2)))) <= $6)) "
        " ORDER BY r.report_id LIMIT 1) "
        "FROM unnest($1::int[], $2::text[], $3::text[], $4::float8[], $5::float8[]) "
        "AS b(n, credit, category, lat, lon)",
        ns.Finish(), credits.Finish(), categories.Finish(), lats.Finish(), lons.Finish(), radius);
    for (const auto& row : cands) {
      if (!row[1].is_null()) {
        duplicate_of[fresh[row[0].as<std::size_t>()]] = row[1].as<std::int64_t>();
      }
    }
    std::vector<DuplicateKey> batch_originals;
    for (std::size_t i : fresh) {
      const DuplicateKey key = KeyOf(batch[i], report_ids[i]);
      if (!duplicate_of[i]) {
        for (const auto& original : batch_originals) {
          if (IsDuplicate(key, original, radius)) {
            duplicate_of[i] = original.report_id;
            break;
          }
        }
      }
      if (!duplicate_of[i]) batch_originals.push_back(key);
    }

    // 5. Write reports, evidence, contacts and events.
    db::ArrayBuilder a_id, a_int, a_sub, a_hash, a_chan, a_plat, a_jur, a_cat, a_sev, a_title,
        a_desc, a_obs, a_rep, a_recv, a_lat, a_lon, a_addr, a_ename, a_credit, a_group, a_round,
        a_dup, a_contact, a_methods, a_mode;
    db::ArrayBuilder e_id, e_n, e_ref;
    db::ArrayBuilder c_ref, c_id, c_name, c_phone, c_email;
    std::vector<stream::OutgoingEvent> events;
    events.reserve(fresh.size());
    for (std::size_t i : fresh) {
      const Submission& s = batch[i];
      const auto& r = s.report;
      a_id.AddInt(static_cast<long long>(report_ids[i]));
      a_int.Add(s.integration);
      a_sub.Add(r.submission_id);
      a_hash.Add(s.request_hash);
      a_chan.Add(pc::ToString(r.channel));
      AddOptional(a_plat, r.platform);
      a_jur.AddInt(static_cast<long long>(s.jurisdiction));
      a_cat.Add(pc::ToString(r.category));
      a_sev.Add(pc::ToString(s.severity));
      a_title.Add(r.title);
      a_desc.Add(r.description);
      a_obs.AddInt(static_cast<long long>(r.observed_at));
      a_rep.AddInt(static_cast<long long>(r.reported_at));
      a_recv.AddInt(static_cast<long long>(s.received_at));
      if (r.location) {
        a_lat.Add(fmt::format("{:.7f}", r.location->lat));
        a_lon.Add(fmt::format("{:.7f}", r.location->lon));
      } else {
        a_lat.AddNull();
        a_lon.AddNull();
      }
      AddOptional(a_addr, r.address);
      if (r.enterprise) {
        a_ename.Add(r.enterprise->name);
        a_credit.AddOptional(r.enterprise->credit_code);
      } else {
        a_ename.AddNull();
        a_credit.AddNull();
      }
      AddOptional(a_group, r.group_id);
      AddMethods(a_methods, a_mode, r.methods, r.mode);
      if (r.round) {
        a_round.AddInt(static_cast<long long>(*r.round));
      } else {
        a_round.AddNull();
      }
      if (duplicate_of[i]) {
        a_dup.AddInt(static_cast<long long>(*duplicate_of[i]));
      } else {
        a_dup.AddNull();
      }
      if (contact_refs[i]) {
        a_contact.AddInt(static_cast<long long>(*contact_refs[i]));
        c_ref.AddInt(static_cast<long long>(*contact_refs[i]));
        c_id.AddInt(static_cast<long long>(report_ids[i]));
        AddOptional(c_name, r.reporter->name);
        AddOptional(c_phone, r.reporter->phone);
        AddOptional(c_email, r.reporter->email);
      } else {
        a_contact.AddNull();
      }
      for (std::size_t n = 0; n < r.evidence.size(); ++n) {
        e_id.AddInt(static_cast<long long>(report_ids[i]));
        e_n.AddInt(static_cast<long long>(n));
        e_ref.Add(r.evidence[n]);
      }
      events.push_back(stream::OutgoingEvent{
          std::string(pi::ReportAccepted::kType), std::to_string(report_ids[i]),
          pi::Encode(MakeAcceptedEvent(s, report_ids[i], duplicate_of[i], contact_refs[i]),
                     ReceiptNo(report_ids[i]))});
    }
    tx.exec_params(
        "INSERT INTO intake.report (report_id, integration, submission_id, request_hash, channel, "
        "platform, jurisdiction, category, severity, title, description, observed_at, "
        "reported_at, received_at, lat, lon, address, enterprise_name, credit_code, group_id, "
        "round, duplicate_of, contact_ref, methods, mode) "
        "SELECT id, integ, sub, hash, chan, plat, jur, cat, sev, title, descr, "
        "to_timestamp(obs / 1000.0), to_timestamp(rep / 1000.0), to_timestamp(recv / 1000.0), "
        "lat, lon, addr, ename, credit, grp, rnd, dup, contact, meth::text[], mode "
        "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
        "$7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], "
        "$13::bigint[], $14::bigint[], $15::float8[], $16::float8[], $17::text[], $18::text[], "
        "$19::text[], $20::text[], $21::int[], $22::bigint[], $23::bigint[], $24::text[], "
        "$25::text[]) "
        "AS x(id, integ, sub, hash, chan, plat, jur, cat, sev, title, descr, obs, rep, recv, lat, "
        "lon, addr, ename, credit, grp, rnd, dup, contact, meth, mode) ORDER BY id",
        a_id.Finish(), a_int.Finish(), a_sub.Finish(), a_hash.Finish(), a_chan.Finish(),
        a_plat.Finish(), a_jur.Finish(), a_cat.Finish(), a_sev.Finish(), a_title.Finish(),
        a_desc.Finish(), a_obs.Finish(), a_rep.Finish(), a_recv.Finish(), a_lat.Finish(),
        a_lon.Finish(), a_addr.Finish(), a_ename.Finish(), a_credit.Finish(), a_group.Finish(),
        a_round.Finish(), a_dup.Finish(), a_contact.Finish(), a_methods.Finish(), a_mode.Finish());
    if (e_id.size() > 0) {
      tx.exec_params(
          "INSERT INTO intake.report_evidence (report_id, n, reference) "
          "SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[])",
          e_id.Finish(), e_n.Finish(), e_ref.Finish());
    }
    if (c_ref.size() > 0) {
      tx.exec_params(
          "INSERT INTO intake.reporter_contact (contact_ref, report_id, name, phone, email) "
          "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])",
          c_ref.Finish(), c_id.Finish(), c_name.Finish(), c_phone.Finish(), c_email.Finish());
    }
    outbox_.AppendNumbered(tx, kReportStream, events);
  }

  // 6. Outcomes, and the funnel.
  struct Funnel {
    std::int64_t received = 0, valid = 0, merged = 0, fresh = 0, replayed = 0;
  };
  std::map<std::pair<std::int64_t, std::string>, Funnel> funnel;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Submission& s = batch[i];
    const auto day = timeutil::DayOf(s.received_at, offset);
    Funnel& f = funnel[{day, std::string(pc::ToString(s.report.channel))}];
    const auto key = KeyString(s.integration, s.report.submission_id);
    if (auto it = stored.find(key); it != stored.end()) {
      if (it->second.hash != s.request_hash) {
        out[i].error = MakeError("idempotency_conflict", "submission_id",
                                 "submission_id '" + s.report.submission_id +
                                     "' was already used for a different report");
      } else {
        out[i].receipt =
            MakeReceipt(it->second.id, it->second.duplicate_of, it->second.accepted_at);
        out[i].replay = true;
        ++f.replayed;
      }
      continue;
    }
    const std::size_t first = first_in_batch.at(key);
    if (first != i) {
      if (batch[first].request_hash != s.request_hash) {
        out[i].error = MakeError("idempotency_conflict", "submission_id",
                                 "submission_id '" + s.report.submission_id +
                                     "' was already used for a different report");
      } else {
        out[i].receipt =
            MakeReceipt(report_ids[first], duplicate_of[first], batch[first].received_at);
        out[i].replay = true;
        ++f.replayed;
      }
      continue;
    }
    out[i].receipt = MakeReceipt(report_ids[i], duplicate_of[i], s.received_at);
    ++f.received;
    ++f.valid;
    if (duplicate_of[i]) {
      ++f.merged;
    } else {
      ++f.fresh;
    }
  }
  const std::int64_t today = timeutil::DayOf(now, offset);
  for (const auto& [key, count] : rejected.reports) funnel[{today, key.first}].received += count;
  if (!funnel.empty()) {
    db::ArrayBuilder d, ch, rc, va, me, fr, rp;
    for (const auto& [key, f] : funnel) {
      d.Add(timeutil::FormatDate(key.first));
      ch.Add(key.second);
      rc.AddInt(static_cast<long long>(f.received));
      va.AddInt(static_cast<long long>(f.valid));
      me.AddInt(static_cast<long long>(f.merged));
      fr.AddInt(static_cast<long long>(f.fresh));
      rp.AddInt(static_cast<long long>(f.replayed));
    }
    tx.exec_params(
        "INSERT INTO intake.funnel AS f (day, channel, received, valid, merged, new_problems, "
        "replayed) SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[], $4::bigint[], "
        "$5::bigint[], $6::bigint[], $7::bigint[]) "
        "ON CONFLICT (day, channel) DO UPDATE SET received = f.received + excluded.received, "
        "valid = f.valid + excluded.valid, merged = f.merged + excluded.merged, "
        "new_problems = f.new_problems + excluded.new_problems, "
        "replayed = f.replayed + excluded.replayed",
        d.Finish(), ch.Finish(), rc.Finish(), va.Finish(), me.Finish(), fr.Finish(), rp.Finish());
  }
  if (!rejected.empty()) {
    std::map<std::string, std::int64_t> by_code = rejected.visits;
    for (const auto& [key, count] : rejected.reports) by_code[key.second] += count;
    db::ArrayBuilder d, code, cnt;
    for (const auto& [c, n] : by_code) {
      d.Add(timeutil::FormatDate(today));
      code.Add(c);
      cnt.AddInt(static_cast<long long>(n));
    }
    tx.exec_params(
        "INSERT INTO intake.rejection_daily AS r (day, code, count) "
        "SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[]) "
        "ON CONFLICT (day, code) DO UPDATE SET count = r.count + excluded.count",
        d.Finish(), code.Finish(), cnt.Finish());
  }
  return out;
}

std::vector<RecordVisitOutcome> IntakeStore::CommitVisitsIn(pqxx::transaction_base& tx,
                                                            const std::vector<Visit>& visits) {
  std::vector<RecordVisitOutcome> out(visits.size());
  if (visits.empty()) return out;

  // 1. Idempotency, as for reports: what is already stored for these keys.
  struct Stored {
    std::int64_t id;
    std::string hash;
    timeutil::Millis accepted_at;
  };
  std::unordered_map<std::string, Stored> stored;
  {
    db::ArrayBuilder integrations, ids;
    for (const auto& v : visits) {
      integrations.Add(v.integration);
      ids.Add(v.visit.submission_id);
    }
    const pqxx::result r = tx.exec_params(
        "SELECT v.integration, v.submission_id, v.visit_id, v.request_hash, "
        "(extract(epoch FROM v.received_at) * 1000)::bigint "
        "FROM unnest($1::text[], $2::text[]) AS k(integration, submission_id) "
        "JOIN intake.visit v USING (integration, submission_id)",
        integrations.Finish(), ids.Finish());
    for (const auto& row : r) {
      stored.emplace(KeyString(row[0].as<std::string>(), row[1].as<std::string>()),
                     Stored{row[2].as<std::int64_t>(), row[3].as<std::string>(),
                            row[4].as<timeutil::Millis>()});
    }
  }

  // 2. New visits: the first occurrence of a key not yet stored.
  std::vector<std::size_t> fresh;
  std::unordered_map<std::string, std::size_t> first_in_batch;
  for (std::size_t i = 0; i < visits.size(); ++i) {
    const auto key = KeyString(visits[i].integration, visits[i].visit.submission_id);
    if (stored.count(key) != 0) continue;
    if (first_in_batch.emplace(key, i).second) fresh.push_back(i);
  }

  // 3. Ids, rows, tasks and events for the new visits.
  std::vector<std::int64_t> visit_ids(visits.size(), 0);
  if (!fresh.empty()) {
    const pqxx::result ids =
        tx.exec_params("SELECT nextval('intake.visit_id_seq') FROM generate_series(1, $1)",
                       static_cast<long long>(fresh.size()));
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      visit_ids[fresh[k]] = ids[static_cast<pqxx::result::size_type>(k)][0].as<std::int64_t>();
    }
    db::ArrayBuilder a_id, a_int, a_sub, a_hash, a_group, a_round, a_county, a_city, a_date,
        a_problems, a_note, a_recv, a_methods, a_mode;
    db::ArrayBuilder t_id, t_n, t_task;
    std::vector<stream::OutgoingEvent> events;
    events.reserve(fresh.size());
    for (std::size_t i : fresh) {
      const Visit& v = visits[i];
      const auto id = static_cast<long long>(visit_ids[i]);
      a_id.AddInt(id);
      a_int.Add(v.integration);
      a_sub.Add(v.visit.submission_id);
      a_hash.Add(v.request_hash);
      a_group.Add(v.visit.group_id);
      a_round.AddInt(static_cast<long long>(v.visit.round));
      a_county.AddInt(static_cast<long long>(v.county));
      a_city.AddInt(static_cast<long long>(v.city));
      a_date.Add(v.visit.visit_date);
      a_problems.AddInt(static_cast<long long>(v.visit.problems_found));
      AddOptional(a_note, v.visit.note);
      a_recv.AddInt(static_cast<long long>(v.received_at));
      AddMethods(a_methods, a_mode, v.visit.methods, v.visit.mode);
      for (std::size_t n = 0; n < v.visit.tasks.size(); ++n) {
        t_id.AddInt(id);
        t_n.AddInt(static_cast<long long>(n));
        t_task.Add(pc::ToString(v.visit.tasks[n]));
      }
      events.push_back(stream::OutgoingEvent{std::string(pi::VisitReported::kType),
                                             std::to_string(visit_ids[i]),
                                             pi::Encode(MakeVisitEvent(v, visit_ids[i]))});
    }
    tx.exec_params(
        "INSERT INTO intake.visit (visit_id, integration, submission_id, request_hash, group_id, "
        "round, county, city, visit_date, problems_found, note, received_at, methods, mode) "
        "SELECT id, integ, sub, hash, grp, rnd, county, city, day, problems, note, "
        "to_timestamp(recv / 1000.0), meth::text[], mode "
        "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], "
        "$7::int[], $8::int[], $9::date[], $10::int[], $11::text[], $12::bigint[], $13::text[], "
        "$14::text[]) "
        "AS x(id, integ, sub, hash, grp, rnd, county, city, day, problems, note, recv, meth, mode) "
        "ORDER BY id",
        a_id.Finish(), a_int.Finish(), a_sub.Finish(), a_hash.Finish(), a_group.Finish(),
        a_round.Finish(), a_county.Finish(), a_city.Finish(), a_date.Finish(), a_problems.Finish(),
        a_note.Finish(), a_recv.Finish(), a_methods.Finish(), a_mode.Finish());
    tx.exec_params(
        "INSERT INTO intake.visit_task (visit_id, n, task) "
        "SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[])",
        t_id.Finish(), t_n.Finish(), t_task.Finish());
    outbox_.AppendNumbered(tx, kVisitStream, events);
  }

  // 4. Outcomes: a retry gets the first receipt; the same key with other content is refused.
  auto receipt = [](std::int64_t id, pi::VisitOutcome outcome, timeutil::Millis accepted_at) {
    pi::VisitReceipt r;
    r.visit_id = id;
    r.outcome = outcome;
    r.accepted_at = accepted_at;
    return r;
  };
  auto conflict = [](const Visit& v) {
    return MakeError(
        "idempotency_conflict", "submission_id",
        "submission_id '" + v.visit.submission_id + "' was already used for a different visit");
  };
  for (std::size_t i = 0; i < visits.size(); ++i) {
    const Visit& v = visits[i];
    const auto key = KeyString(v.integration, v.visit.submission_id);
    if (auto it = stored.find(key); it != stored.end()) {
      if (it->second.hash != v.request_hash) {
        out[i].error = conflict(v);
      } else {
        out[i].receipt =
            receipt(it->second.id, pi::VisitOutcome::kAlreadyRecorded, it->second.accepted_at);
        out[i].replay = true;
      }
      continue;
    }
    const std::size_t first = first_in_batch.at(key);
    if (first != i) {
      if (visits[first].request_hash != v.request_hash) {
        out[i].error = conflict(v);
      } else {
        out[i].receipt = receipt(visit_ids[first], pi::VisitOutcome::kAlreadyRecorded,
                                 visits[first].received_at);
        out[i].replay = true;
      }
      continue;
    }
    out[i].receipt = receipt(visit_ids[i], pi::VisitOutcome::kRecorded, v.received_at);
  }
  return out;
}

void IntakeStore::MarkClosed(pqxx::transaction_base& tx, std::int64_t report_id) {
  tx.exec_params("UPDATE intake.report SET is_open = false WHERE report_id = $1", report_id);
}

}  // namespace ducha::intake

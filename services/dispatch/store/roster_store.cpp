#include "services/dispatch/store/roster_store.h"

#include "common/stream/outbox.h"
#include "proto/dispatch_codec.h"
#include "services/dispatch/store/dispatch_store.h"

namespace ducha::dispatch {

namespace pd = proto::dispatch;

Result<pd::RosterAccepted> StoreRoster(pqxx::transaction_base& tx, const pd::SubmitRoster& roster,
                                       const Logistics& logistics, int rules_version,
                                       const std::string& by, timeutil::Millis registered_at) {
  // Serialises rosters of one round, so that two groups cannot both take the same member.
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('dispatch.roster'), $1::int)",
                 roster.round);
  for (std::size_t i = 0; i < roster.members.size(); ++i) {
    const auto& m = roster.members[i];
    const pqxx::result other = tx.exec_params(
        "SELECT group_id FROM dispatch.roster_member WHERE round = $1 AND member_id = $2 AND "
        "group_id <> $3",
        roster.round, m.member_id, roster.group_id);
    if (!other.empty()) {
      return MakeError("member_in_two_groups", "members[" + std::to_string(i) + "]",
                       "member " + m.member_id + " (" + m.home_unit + ") is already on " +
                           other[0][0].as<std::string>() + "'s roster for round " +
                           std::to_string(roster.round));
    }
  }
  const pqxx::result version = tx.exec_params(
      "INSERT INTO dispatch.roster (group_id, round, version, members, vehicles, days_stationed, "
      "meal_allowance_yuan, rules_version, submitted_by) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, "
      "$8) ON CONFLICT (group_id, round) DO UPDATE SET version = dispatch.roster.version + 1, "
      "members = excluded.members, vehicles = excluded.vehicles, days_stationed = "
      "excluded.days_stationed, meal_allowance_yuan = excluded.meal_allowance_yuan, "
      "rules_version = excluded.rules_version, submitted_by = excluded.submitted_by, "
      "submitted_at = now() RETURNING version",
      roster.group_id, roster.round, logistics.members, logistics.vehicles,
      logistics.days_stationed, logistics.meal_allowance_yuan, rules_version, by);
  tx.exec_params("DELETE FROM dispatch.roster_member WHERE group_id = $1 AND round = $2",
                 roster.group_id, roster.round);
  for (const auto& m : roster.members) {
    tx.exec_params(
        "INSERT INTO dispatch.roster_member (round, member_id, group_id, name, home_unit, "
        "unit_type, home_city, role) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        roster.round, m.member_id, roster.group_id, m.name, m.home_unit, m.unit_type,
        std::stoi(m.home_city), std::string(pd::ToString(m.role)));
  }
  const std::int64_t stored_version = version[0][0].as<std::int64_t>();
  const std::string key = roster.group_id + ":" + std::to_string(roster.round);
  stream::Outbox(kSchema).Append(
      tx, kAssignmentStream,
      {stream::OutgoingEvent{
          std::string(pd::RosterRegistered::kType), key,
          pd::Encode(MakeRosterRegistered(roster, logistics, stored_version, registered_at),
                     "roster-" + key + "-v" + std::to_string(stored_version))}});
  pd::RosterAccepted out;
  out.group_id = roster.group_id;
  out.round = roster.round;
  out.version = stored_version;
  out.members = logistics.members;
  out.vehicles = logistics.vehicles;
  out.days_stationed = logistics.days_stationed;
  out.meal_allowance_yuan = logistics.meal_allowance_yuan;
  return out;
}

}  // namespace ducha::dispatch

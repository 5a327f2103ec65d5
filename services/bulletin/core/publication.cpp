#include "services/bulletin/core/publication.h"

#include <array>

namespace ducha::bulletin {
namespace {

using enum PublicationClass;

constexpr std::array kRules = {
    // A problem, by number, place, kind and progress (问题).
    FieldRule{"problem.id", kPublic, "the problem's number"},
    FieldRule{"problem.city", kPublic, "its campaign jurisdiction"},
    FieldRule{"problem.jurisdiction", kPublic, "the county (or city) where it is"},
    FieldRule{"problem.responsible_body", kPublic, "the government it is assigned to"},
    FieldRule{"problem.source", kPublic, "the kind of source (inspection, citizen report ...)"},
    FieldRule{"problem.category", kPublic, "the task it concerns"},
    FieldRule{"problem.severity", kPublic, "its severity"},
    FieldRule{"problem.assigned_on", kPublic, "the day it was assigned"},
    FieldRule{"problem.verified_on", kPublic, "the day it was verified (or assigned as found)"},
    FieldRule{"problem.disclosed_on", kPublic, "the day it is disclosed"},
    FieldRule{"problem.deadline", kPublic, "the deadline in force"},
    FieldRule{"problem.status", kPublic, "open, overdue, rectification claimed, rectified"},
    FieldRule{"problem.listed", kPublic, "under listed supervision (挂牌督办)"},
    FieldRule{"problem.listing_reason", kPublic, "why it is listed"},
    FieldRule{"problem.title", kNever, "written by the reporter; may name them"},
    FieldRule{"problem.description", kNever, "written by the reporter; may name them"},
    FieldRule{"problem.address", kNever, "may locate the reporter"},
    FieldRule{"problem.evidence", kNever, "photos and files from the reporter"},
    FieldRule{"problem.progress_notes", kNever, "the body's internal progress reports"},
    // The report and its reporter (举报人).
    FieldRule{"report.reporter_name", kNever, "the reporter's identity is never disclosed"},
    FieldRule{"report.reporter_phone", kNever, "the reporter's identity is never disclosed"},
    FieldRule{"report.reporter_email", kNever, "the reporter's identity is never disclosed"},
    FieldRule{"report.contact_ref", kNever, "points at the reporter's contact"},
    FieldRule{"report.submission_id", kNever, "an integration's key; may embed contact data"},
    FieldRule{"report.platform", kNever, "with the time, may narrow down the reporter"},
    // Re-inspection and accountability (复查与问责).
    FieldRule{"reinspection.findings", kNever, "internal note of the covert group"},
    FieldRule{"opinion.text", kNever, "the commissioner office's internal opinion"},
    FieldRule{"opinion.responsible_units", kAfterDecision, "named with the decision"},
    FieldRule{"opinion.responsible_officials", kAfterDecision,
              "officials' names: with the decision"},
    FieldRule{"recommendation.level", kAfterDecision, "a recommendation is internal until decided"},
    FieldRule{"decision.level", kPublic, "the accountability level taken"},
    FieldRule{"decision.day", kPublic, "the day it was recorded"},
    FieldRule{"decision.text", kAfterDecision, "the decision, with the officials it names"},
    // The blacklist (黑名单).
    FieldRule{"blacklist.enterprise", kPublic, "the unified social credit code"},
    FieldRule{"blacklist.name", kPublic, "the registered name"},
    FieldRule{"blacklist.city", kPublic, "where it is"},
    FieldRule{"blacklist.points", kPublic, "its points under the 12-point rule"},
    FieldRule{"blacklist.day", kPublic, "the day it was listed or delisted"},
    FieldRule{"blacklist.reason", kNever, "the operator's internal note"},
    // Operators.
    FieldRule{"operator.note", kNever, "reasons given to commands"},
};

}  // namespace

std::span<const FieldRule> FieldRules() { return kRules; }

PublicationClass ClassOf(std::string_view field) {
  for (const FieldRule& r : kRules) {
    if (r.field == field) return r.cls;
  }
  return kNever;
}

std::string_view ClassName(PublicationClass c) {
  switch (c) {
    case kPublic:
      return "public";
    case kAfterDecision:
      return "after_decision";
    case kNever:
      return "never";
  }
  return "never";
}

bool Disclosable(std::string_view field, bool decision_disclosed) {
  switch (ClassOf(field)) {
    case kPublic:
      return true;
    case kAfterDecision:
      return decision_disclosed;
    case kNever:
      return false;
  }
  return false;
}

}  // namespace ducha::bulletin

#pragma once
// Publication classes (公开等级): for every field anything in the campaign knows about a problem,
// a report, a decision or an enterprise, whether the public disclosure may show it. The table is
// data (FieldRules), read by the disclosure's renderers through Disclosable(): a field that is
// not in the table is never shown (fail closed), so adding a field to a page means adding it to
// the table first, with its class.
//
//  - public: shown once the item it belongs to is disclosed;
//  - after_decision: shown only once an accountability decision on the problem is disclosed
//    (officials' names live in the decision's text);
//  - never: not shown at all — the reporter's identity and contact, text written by a reporter
//    (it may name them), internal notes, findings and opinions.
//
// Pure and immutable; thread-safe.

#include <span>
#include <string_view>

namespace ducha::bulletin {

enum class PublicationClass { kPublic, kAfterDecision, kNever };

struct FieldRule {
  std::string_view field;  // item.field
  PublicationClass cls;
  std::string_view why;
};

// Every field with its class.
std::span<const FieldRule> FieldRules();
// The class of `field`; kNever when the table does not know it.
PublicationClass ClassOf(std::string_view field);
std::string_view ClassName(PublicationClass c);  // public, after_decision, never
// Whether `field` may be shown, given whether a decision on its problem is disclosed.
bool Disclosable(std::string_view field, bool decision_disclosed);

}  // namespace ducha::bulletin

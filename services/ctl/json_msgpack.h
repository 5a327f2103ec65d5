#pragma once
// Generic JSON <-> msgpack for the operator CLI: an integrator writes a report as JSON with the
// field names of CONTRACT.md, and the CLI wraps it in an envelope unchanged. The service's
// generated decoder does all validation, so the CLI needs no per-message code that could drift
// from proto-schemas/.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ducha::ctl {

// Encodes an envelope {type, v: [major, minor], id?, body} whose body is `body` converted
// key-for-key (objects → maps, arrays → arrays, integers → ints, other numbers → float64).
std::string EnvelopeFromJson(std::string_view type, unsigned major, unsigned minor,
                             const std::string& id, const nlohmann::json& body);

// Decodes any msgpack frame into JSON for display (bin as hex).
nlohmann::json FrameToJson(std::string_view frame);

}  // namespace ducha::ctl

#pragma once
// An admin request, read from the verb of its subject (`agent.admin.<verb>`)
// and its JSON payload, before anything in the fleet is touched: what the
// admin actor is to carry out, or why it refuses.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "upgrade/agent_code.hpp"

namespace agent_runtime {

enum class admin_verb { status, enable, disable, suspend, resume, upgrade, rollback };

/// The verb's name on the subject ("status", "enable", ...).
const char* admin_verb_name(admin_verb verb);

/// The verb named `token`, if there is one.
std::optional<admin_verb> admin_verb_named(std::string_view token);

/// Whether the verb steers the fleet, and so needs an operator (all but status).
bool admin_verb_steers(admin_verb verb);

/// A request the admin actor can carry out. Only the fields of its verb are set.
struct admin_request {
  admin_verb verb = admin_verb::status;
  /// enable, disable, upgrade, rollback: never empty.
  std::string cluster;
  /// suspend, resume: the agent's name, never empty.
  std::string agent;
  /// enable, disable, suspend, resume: why, for the log; may be empty.
  std::string reason;
  /// upgrade: the release folder, never empty.
  std::string release;
  /// upgrade: the rollout, soak and health gate (`requested_by` left empty).
  upgrade_options upgrade;
};

/// Why a payload is not a request of its verb, in words for the operator.
struct admin_request_error {
  std::string message;
};

/// The longest soak an upgrade may ask for (`soak_ms`): one day.
inline constexpr std::chrono::milliseconds max_admin_soak = std::chrono::hours(24);

/// Reads the payload of a request for `verb`. An empty payload is an empty
/// object; unknown fields are ignored; a missing, empty or mistyped field, a
/// number out of its range, or a payload that is not a JSON object gives an
/// `admin_request_error`.
std::variant<admin_request, admin_request_error> parse_admin_request(admin_verb verb,
                                                                     std::string_view payload);

} // namespace agent_runtime

#pragma once
// The envelope every event travels in, the subjects of the event stream, and
// the ids and timestamps an envelope carries. Free of actors and NATS.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "events/agent_event.hpp"

namespace agent_runtime {

/// `{aggregate_id, sequence, event, timestamp, correlation_id, causation_id}`.
struct event_envelope {
  /// The agent's id.
  std::string aggregate_id;
  /// 1, 2, 3, ... per agent, with no gaps.
  std::uint64_t sequence = 0;
  agent_event event;
  /// RFC 3339, UTC, milliseconds ("2026-12-03T21:30:00.123Z").
  std::string timestamp;
  /// What the event belongs to: the message id of a conversation, or the
  /// id of the command that caused it.
  std::string correlation_id;
  /// What directly caused it: the command's id (the message id for
  /// SendMessage and the answer's events).
  std::string causation_id;
};

/// The envelope as the JSON text that goes on the stream.
std::string envelope_to_json(const event_envelope& envelope);

/// The envelope in `text`; nothing when it is not JSON of that shape or its
/// event is unknown.
std::optional<event_envelope> envelope_from_json(const std::string& text);

/// `time` as RFC 3339 in UTC with milliseconds.
std::string rfc3339_utc(std::chrono::system_clock::time_point time);

/// A new UUID, version 7 (time-ordered, like the agents' ids).
std::string new_uuid_v7();

namespace event_subjects {

/// `agent.events.>`: what the event stream holds.
inline const char* const stream_filter = "agent.events.>";

/// `agent.events.agent.<agent_id>.<suffix>`.
std::string for_event(const std::string& agent_id, const agent_event& event);

/// `agent.events.agent.<agent_id>.>`: all of one agent's records.
std::string for_agent(const std::string& agent_id);

/// `agent.events.agent.<agent_id>.snapshot`: the agent's state every so
/// many events, so that a start reads only what came after.
std::string snapshot(const std::string& agent_id);

/// `agent.<cluster>.<name>.<id>.event.<suffix>`: the unified scheme.
std::string unified(const std::string& cluster, const std::string& name,
                    const std::string& agent_id, const agent_event& event);

/// Whether every subject that `wanted` matches is also matched by
/// `pattern` (NATS wildcards `*` and `>` on both sides).
bool covers(const std::string& pattern, const std::string& wanted);

/// Whether some subject matches both patterns.
bool overlap(const std::string& a, const std::string& b);

} // namespace event_subjects

} // namespace agent_runtime

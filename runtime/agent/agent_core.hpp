#pragma once
// What an agent does with a message, free of actors and NATS: parse, check
// the lifecycle, change state, and say what to reply or what to ask the
// model. The agent actor wraps it; unit tests drive it directly.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/logger.h>

#include "agent/command.hpp"
#include "agent/lifecycle.hpp"
#include "config/fleet_config.hpp"
#include "events/agent_event.hpp"
#include "provider/model_provider.hpp"
#include "routing/inbound_message.hpp"

namespace agent_runtime {

/// Which runtime serves an agent, for ping replies.
struct runtime_identity {
  std::string version;
  /// host:pid, to tell runtimes on one NATS apart.
  std::string instance;
};

/// What an agent has seen since it started.
struct agent_counters {
  std::uint64_t inbox = 0;
  std::uint64_t broadcast = 0;
  std::uint64_t agent_ref = 0;
  /// Requests answered with status ok.
  std::uint64_t ok = 0;
  /// Requests answered (or, without a reply subject, ended) with an error.
  std::uint64_t errors = 0;
  /// Of the errors, those caused by a payload that is not a valid command.
  std::uint64_t bad_input = 0;
};

/// What survives a restart or a swap of the agent's actor: everything but
/// work in flight.
struct agent_snapshot {
  lifecycle state = lifecycle::active;
  model_config model;
  std::string person_id;
  std::string description;
  agent_counters counters;
};

/// The agent's state and its handling of commands.
class agent_core {
public:
  /// What handling one message produced: a reply to send now, or a
  /// request for the model whose result `finish` turns into the reply.
  struct outcome {
    std::optional<std::string> reply;
    std::optional<chat_request> completion;
    /// What happened, for the event stream: the accepted command's event.
    std::vector<agent_event> events;
  };

  agent_core(agent_definition definition, runtime_identity identity);

  /// Handles one message.
  outcome handle(const inbound_message& message);

  /// The reply to a SendMessage once the model has answered.
  std::string finish(const chat_request& request, const chat_result& result);

  /// The reply for a request whose handling threw `what`.
  std::string internal_error(const inbound_message& message, const std::string& what);

  /// Logs the `Metrics:` line operators grep for.
  void log_metrics() const;

  /// The agent as the admin plane shows it (JSON): identity, lifecycle,
  /// health, counters, `in_flight` and the last error.
  std::string status_json(std::size_t in_flight) const;

  /// The state to hand to a successor.
  agent_snapshot snapshot() const;

  /// Takes over a predecessor's state.
  void restore(const agent_snapshot& snapshot);

  /// Takes the agent out of service: every request but ping is answered
  /// with an error saying `why`.
  void mark_failed(std::string why);

  /// Why the agent is out of service; empty while it serves.
  const std::string& failure() const {
    return failure_;
  }

  /// What the runtime counts outside the agent (busy refusals, restarts),
  /// shown in ping replies.
  void set_runtime_counts(std::uint64_t busy, std::uint32_t restarts) {
    busy_ = busy;
    restarts_ = restarts;
  }

  const agent_definition& definition() const {
    return definition_;
  }

  lifecycle state() const {
    return state_;
  }

  const agent_counters& counters() const {
    return counters_;
  }

  const model_config& model() const {
    return model_;
  }

private:
  std::string run(const command& cmd, const inbound_message& message, outcome& result);
  std::string ping_reply() const;
  std::string notice_reply() const;
  std::string ok_reply(const char* command_name) const;
  std::string error_reply(const inbound_message& message, const std::string& why, bool bad_input);
  std::string change_state(lifecycle_event event, const char* command_name,
                           const inbound_message& message, const std::string& reason,
                           outcome& result, agent_event accepted);
  chat_request make_chat_request(const send_message& cmd) const;
  void count(subject_kind kind);

  agent_definition definition_;
  runtime_identity identity_;
  lifecycle state_ = lifecycle::active;
  model_config model_;
  std::string person_id_;
  agent_counters counters_;
  std::string failure_;
  std::string last_error_;
  std::uint64_t busy_ = 0;
  std::uint32_t restarts_ = 0;
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace agent_runtime

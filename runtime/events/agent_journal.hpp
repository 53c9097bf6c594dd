#pragma once
// One agent's events: numbers them, wraps them in envelopes, keeps the state
// they fold into and appends them to the event log; at start it rebuilds that
// state from the log. It belongs to the agent, not to an actor: a restarted
// actor starts from it and numbering goes on without a gap. Free of actors
// and NATS.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/logger.h>

#include "events/agent_projection.hpp"
#include "events/event_envelope.hpp"
#include "events/event_log.hpp"

namespace agent_runtime {

/// How a journal works.
struct journal_options {
  /// A snapshot is due after this many events (chunks count too).
  std::uint64_t snapshot_every = 100;
  /// Also publish each event on `agent.<cluster>.<name>.<id>.event.<suffix>`.
  bool unified_subjects = false;
  /// Time for timestamps; tests replace it.
  std::function<std::chrono::system_clock::time_point()> clock = std::chrono::system_clock::now;
};

/// What a start found in the log for one agent.
struct journal_recovery {
  /// Whether a snapshot was found, and the sequence it covers.
  bool from_snapshot = false;
  std::uint64_t snapshot_sequence = 0;
  /// Events read after the snapshot and folded.
  std::uint64_t events = 0;
  /// Records that were not events of this agent (unreadable, or another
  /// aggregate's), skipped.
  std::uint64_t skipped = 0;
  /// Sequence numbers missing between the snapshot and the last event.
  std::uint64_t missing = 0;
  /// The last sequence: the next event gets one more.
  std::uint64_t sequence = 0;
};

/// One agent's event journal. Every member is safe from any thread.
///
/// TODO: it assumes it is the agent's only writer. Two runtimes on one NATS
/// both host every agent and would number its events independently; an
/// owner per agent (a KV lease) would fix it, as NATS 2.9 cannot check the
/// expected last sequence of a wildcard subject.
class agent_journal {
public:
  agent_journal(agent_definition definition, event_log& log, journal_options options = {});

  /// Rebuilds the state from the log: the last snapshot, then the events
  /// after it in sequence order. Throws std::runtime_error when the log
  /// cannot be read: starting from a wrong state would be worse.
  journal_recovery recover();

  /// Records `event`: the next sequence, an envelope, the folded state, an
  /// append to the log. Returns the sequence.
  std::uint64_t record(const agent_event& event, const std::string& correlation_id,
                       const std::string& causation_id);

  /// The state the recorded events fold into, with the counters of the
  /// last snapshot: what a new actor for the agent starts with.
  agent_snapshot state() const;

  /// The last sequence recorded.
  std::uint64_t sequence() const;

  /// Whether `snapshot_every` events were recorded since the last snapshot.
  bool snapshot_due() const;

  /// Appends a snapshot of `current` (the agent's own view: counters
  /// included) that covers every event recorded so far. Does nothing when
  /// neither events nor counters changed since the last one.
  void write_snapshot(const agent_snapshot& current);

  const agent_definition& definition() const {
    return definition_;
  }

private:
  /// Takes `state` and the numbering `found` as the journal's own.
  journal_recovery adopt(const journal_recovery& found, agent_snapshot state);

  agent_definition definition_;
  event_log& log_;
  journal_options options_;
  std::shared_ptr<spdlog::logger> logger_;
  mutable std::mutex mutex_;
  agent_snapshot state_;
  std::uint64_t sequence_ = 0;
  std::uint64_t snapshot_sequence_ = 0;
};

/// Every agent's journal, by agent id; fixed once the fleet has started.
using journal_map = std::unordered_map<std::string, std::shared_ptr<agent_journal>>;

} // namespace agent_runtime

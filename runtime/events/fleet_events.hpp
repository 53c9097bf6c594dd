#pragma once
// The fleet's event stream at start: opens the JetStream stream and gives
// every agent a journal rebuilt from its events. The runtime owns it, from
// before the first agent starts until after the last has stopped.

#include <chrono>
#include <memory>

#include "config/fleet_config.hpp"
#include "events/agent_journal.hpp"
#include "events/jetstream_event_log.hpp"

namespace agent_runtime {

/// The event log and every agent's journal.
class fleet_events {
public:
  /// Opens `fleet.settings.stream` on `connection` and rebuilds each agent's
  /// state from its events. Throws `event_log_error` (JetStream off, a
  /// stream in the way, the log unreadable): a fleet must not start with
  /// states it could not read.
  fleet_events(const fleet_config& fleet, __natsConnection* connection,
               const journal_options& options = {});

  /// The journals, for the actors.
  std::shared_ptr<const journal_map> journals() const {
    return journals_;
  }

  /// Waits until every event is confirmed by the server; false after `limit`.
  bool flush(std::chrono::milliseconds limit);

  const jetstream_event_log& log() const {
    return *log_;
  }

private:
  std::unique_ptr<jetstream_event_log> log_;
  std::shared_ptr<journal_map> journals_;
};

} // namespace agent_runtime

#include "events/fleet_events.hpp"

#include "app/log.hpp"

namespace agent_runtime {

fleet_events::fleet_events(const fleet_config& fleet, __natsConnection* connection,
                           const journal_options& options) :
  journals_(std::make_shared<journal_map>()) {
  const auto began = std::chrono::steady_clock::now();
  jetstream_options stream;
  stream.stream = fleet.settings.stream;
  log_ = std::make_unique<jetstream_event_log>(connection, stream);

  journal_recovery total;
  std::size_t from_snapshot = 0;
  for (const cluster_spec& cluster : fleet.clusters) {
    journal_options agent_options = options;
    // The unified scheme's conversation subjects are served by the
    // conversation relay (routing/conversation_relay.hpp), not here.
    agent_options.unified_subjects = cluster.unified_subjects;
    for (const agent_definition& agent : cluster.agents) {
      auto journal = std::make_shared<agent_journal>(agent, *log_, agent_options);
      journal_recovery found = journal->recover();
      total.events += found.events;
      total.skipped += found.skipped;
      total.missing += found.missing;
      from_snapshot += found.from_snapshot;
      journals_->emplace(agent.id, std::move(journal));
    }
  }
  const auto took =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  component_logger("events")->info(
    "[events] agent states rebuilt stream={} agents={} from_snapshot={} events={} skipped={} "
    "missing={} took_ms={}",
    log_->stream(), journals_->size(), from_snapshot, total.events, total.skipped, total.missing,
    took.count());
}

bool fleet_events::flush(std::chrono::milliseconds limit) {
  const bool done = log_->flush(limit);
  const event_log_counts counts = log_->counts();
  component_logger("events")->info(
    "[events] flushed stream={} appended={} confirmed={} retried={} lost={}", log_->stream(),
    counts.appended, counts.confirmed, counts.retried, counts.lost);
  return done;
}

} // namespace agent_runtime

#include "events/agent_journal.hpp"

#include <algorithm>
#include <vector>

#include "app/log.hpp"

namespace agent_runtime {
namespace {

bool same_counters(const agent_counters& a, const agent_counters& b) {
  return a.inbox == b.inbox && a.broadcast == b.broadcast && a.agent_ref == b.agent_ref &&
         a.ok == b.ok && a.errors == b.errors && a.bad_input == b.bad_input;
}

} // namespace

agent_journal::agent_journal(agent_definition definition, event_log& log, journal_options options) :
  definition_(std::move(definition)), log_(log), options_(std::move(options)),
  logger_(component_logger("events")), state_(initial_state(definition_)) {}

journal_recovery agent_journal::recover() {
  journal_recovery found;
  agent_snapshot state = initial_state(definition_);
  std::uint64_t after = 0;

  // One look at the agent's last record answers the common cases: no record
  // at all (a new agent), or a snapshot last (a graceful stop writes one).
  const std::string snapshot_subject = event_subjects::snapshot(definition_.id);
  std::optional<stored_record> latest = log_.last(event_subjects::for_agent(definition_.id));
  if (!latest)
    return adopt(found, std::move(state));
  if (latest->subject == snapshot_subject) {
    auto snapshot = snapshot_from_json(latest->payload);
    if (snapshot && snapshot->aggregate_id == definition_.id) {
      found.from_snapshot = true;
      found.snapshot_sequence = found.sequence = snapshot->sequence;
      return adopt(found, std::move(snapshot->state));
    }
  }

  if (auto record = log_.last(snapshot_subject)) {
    auto snapshot = snapshot_from_json(record->payload);
    if (snapshot && snapshot->aggregate_id == definition_.id) {
      state = snapshot->state;
      found.from_snapshot = true;
      found.snapshot_sequence = snapshot->sequence;
      after = record->position;
    } else {
      ++found.skipped;
      logger_->warn("[{}] unreadable snapshot skipped position={}; reading every event",
                    definition_.name, record->position);
    }
  }

  // Retried appends may land out of order, and a snapshot covers events
  // that landed after it: sort by sequence, fold each once.
  std::vector<event_envelope> events;
  for (stored_record& record : log_.read(event_subjects::for_agent(definition_.id), after)) {
    if (record.subject == snapshot_subject)
      continue;
    auto envelope = envelope_from_json(record.payload);
    if (!envelope || envelope->aggregate_id != definition_.id) {
      ++found.skipped;
      logger_->warn("[{}] record that is not one of its events skipped subject={} position={}",
                    definition_.name, record.subject, record.position);
      continue;
    }
    events.push_back(std::move(*envelope));
  }
  std::sort(events.begin(), events.end(),
            [](const auto& a, const auto& b) { return a.sequence < b.sequence; });

  std::uint64_t sequence = found.snapshot_sequence;
  for (const event_envelope& envelope : events) {
    if (envelope.sequence <= sequence)
      continue;
    found.missing += envelope.sequence - sequence - 1;
    fold(state, envelope.event);
    sequence = envelope.sequence;
    ++found.events;
  }
  found.sequence = sequence;
  if (found.missing != 0)
    logger_->warn("[{}] events missing from the log count={} last_sequence={}", definition_.name,
                  found.missing, sequence);

  return adopt(found, std::move(state));
}

journal_recovery agent_journal::adopt(const journal_recovery& found, agent_snapshot state) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_ = std::move(state);
  sequence_ = found.sequence;
  snapshot_sequence_ = found.snapshot_sequence;
  return found;
}

std::uint64_t agent_journal::record(const agent_event& event, const std::string& correlation_id,
                                    const std::string& causation_id) {
  // Under the lock from numbering to appending, so that the log receives
  // each agent's events in sequence order.
  std::lock_guard<std::mutex> lock(mutex_);
  event_envelope envelope{definition_.id, ++sequence_, event, rfc3339_utc(options_.clock()),
                          correlation_id, causation_id};
  fold(state_, event);
  const std::string payload = envelope_to_json(envelope);
  log_.append(event_subjects::for_event(definition_.id, event), payload,
              definition_.id + "." + std::to_string(envelope.sequence));
  if (options_.unified_subjects)
    log_.announce(
      event_subjects::unified(definition_.cluster, definition_.name, definition_.id, event),
      payload);
  logger_->debug("[{}] event {} sequence={}", definition_.name, event_type(event),
                 envelope.sequence);
  return envelope.sequence;
}

agent_snapshot agent_journal::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

std::uint64_t agent_journal::sequence() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sequence_;
}

bool agent_journal::snapshot_due() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sequence_ - snapshot_sequence_ >= options_.snapshot_every;
}

void agent_journal::write_snapshot(const agent_snapshot& current) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (sequence_ == snapshot_sequence_ && same_counters(current.counters, state_.counters))
    return;
  // The lifecycle and model are the journal's (they are what the events
  // say); the counters are the agent's own.
  state_.counters = current.counters;
  stored_snapshot snapshot{definition_.id, sequence_, state_, rfc3339_utc(options_.clock())};
  log_.append(event_subjects::snapshot(definition_.id), snapshot_to_json(snapshot),
              // Unique: a later snapshot after the same event must not count as
              // a duplicate of this one.
              new_uuid_v7());
  snapshot_sequence_ = sequence_;
  logger_->debug("[{}] snapshot sequence={}", definition_.name, sequence_);
}

} // namespace agent_runtime

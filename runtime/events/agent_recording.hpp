#pragma once
// What the agent actor records, and with which ids: the event of a command,
// each chunk of an answer as it arrives, and how the answer ended. Free of
// actors and NATS, so that the ids are tested without them.

#include <memory>
#include <string>
#include <vector>

#include "events/agent_journal.hpp"
#include "provider/model_provider.hpp"

namespace agent_runtime {

/// The correlation and causation ids of an event.
struct event_ids {
  std::string correlation_id;
  std::string causation_id;
};

/// Conversation events carry their message id as both ids (the message is
/// what they belong to and what caused them); a lifecycle event gets a new
/// id for the command that caused it, as both.
event_ids ids_for(const agent_event& event);

/// Records `events` in order; does nothing without a journal.
void record_events(agent_journal* journal, const std::vector<agent_event>& events);

/// Records how a model request for `message_id` ended: completed or failed.
void record_result(agent_journal* journal, const std::string& message_id,
                   const chat_result& result);

/// A chunk handler that records each chunk of the answer to `message_id`
/// as it arrives (on whichever thread the provider calls it); null without
/// a journal.
model_provider::chunk_handler chunk_recorder(std::shared_ptr<agent_journal> journal,
                                             std::string message_id);

} // namespace agent_runtime

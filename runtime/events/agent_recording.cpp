#include "events/agent_recording.hpp"

namespace agent_runtime {
namespace {

const std::string* message_id_of(const agent_event& event) {
  if (auto* e = std::get_if<message_sent>(&event))
    return &e->message_id;
  if (auto* e = std::get_if<response_chunk>(&event))
    return &e->message_id;
  if (auto* e = std::get_if<response_completed>(&event))
    return &e->message_id;
  if (auto* e = std::get_if<response_failed>(&event))
    return &e->message_id;
  return nullptr;
}

} // namespace

event_ids ids_for(const agent_event& event) {
  if (const std::string* message_id = message_id_of(event))
    return {*message_id, *message_id};
  std::string command_id = new_uuid_v7();
  return {command_id, command_id};
}

void record_events(agent_journal* journal, const std::vector<agent_event>& events) {
  if (!journal)
    return;
  for (const agent_event& event : events) {
    event_ids ids = ids_for(event);
    journal->record(event, ids.correlation_id, ids.causation_id);
  }
}

void record_result(agent_journal* journal, const std::string& message_id,
                   const chat_result& result) {
  if (!journal)
    return;
  if (result.ok)
    record_events(journal, {response_completed{message_id, result.text, result.chunks}});
  else
    record_events(journal, {response_failed{message_id, result.error}});
}

model_provider::chunk_handler chunk_recorder(std::shared_ptr<agent_journal> journal,
                                             std::string message_id) {
  if (!journal)
    return nullptr;
  return [journal = std::move(journal),
          message_id = std::move(message_id)](std::size_t index, const std::string& text) {
    journal->record(response_chunk{message_id, index, text}, message_id, message_id);
  };
}

} // namespace agent_runtime

#include "supervision/agent_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "supervision/atoms.hpp"

namespace agent_runtime {
namespace {

using self_ptr = caf::stateful_actor<agent_actor_state>*;

void send_reply(self_ptr self, const std::string& subject, const std::string& payload) {
  if (subject.empty())
    return;
  self->state.services.replies->publish(subject, payload);
}

void stop_when_idle(self_ptr self) {
  if (self->state.stopping && self->state.in_flight == 0)
    self->quit();
}

/// Asks the agent's provider; the answer comes back as a `completed_atom`.
void start_completion(self_ptr self, std::string reply_subject, chat_request request) {
  auto& st = self->state;
  model_provider* provider = st.services.providers->find(request.model.provider);
  if (!provider) {
    chat_result missing;
    missing.error = "provider '" + request.model.provider + "' is not available in this build";
    send_reply(self, reply_subject, st.core->finish(request, missing));
    return;
  }
  ++st.in_flight;
  auto agent = caf::actor_cast<caf::actor>(self);
  // TODO: stream chunks as events once the event stream exists; the whole
  // answer goes back in the reply meanwhile.
  provider->complete(request, nullptr, [agent, reply_subject, request](chat_result result) mutable {
    caf::anon_send(agent, completed_atom::value,
                   completion{std::move(reply_subject), std::move(request), std::move(result)});
  });
}

void on_incoming(self_ptr self, inbound_message& message) {
  auto& st = self->state;
  try {
    agent_core::outcome outcome = st.core->handle(message);
    if (outcome.reply)
      send_reply(self, message.reply, *outcome.reply);
    if (outcome.completion)
      start_completion(self, message.reply, std::move(*outcome.completion));
  } catch (const std::exception& e) {
    // One bad request must not take the agent, or its queue, down with it.
    send_reply(self, message.reply, st.core->internal_error(message, e.what()));
  }
}

} // namespace

caf::behavior agent_actor(self_ptr self, agent_definition definition, fleet_services services) {
  self->state.core = std::make_unique<agent_core>(std::move(definition), services.identity);
  self->state.services = std::move(services);
  return {
    [=](incoming_atom, inbound_message& message) { on_incoming(self, message); },
    [=](completed_atom, completion& done) {
      --self->state.in_flight;
      send_reply(self, done.reply_subject, self->state.core->finish(done.request, done.result));
      stop_when_idle(self);
    },
    [=](shutdown_atom) {
      self->state.stopping = true;
      self->state.core->log_metrics();
      stop_when_idle(self);
    },
  };
}

} // namespace agent_runtime

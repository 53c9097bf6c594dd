#include "supervision/agent_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/skip.hpp>

#include "app/log.hpp"
#include "events/agent_recording.hpp"
#include "supervision/atoms.hpp"

namespace agent_runtime {
namespace {

using self_ptr = caf::stateful_actor<agent_actor_state>*;

void send_reply(self_ptr self, const std::string& subject, const std::string& payload) {
  if (subject.empty())
    return;
  self->state.services.replies->publish(subject, payload);
}

/// Stops, or hands over and stops, once nothing is in flight.
void finish_when_idle(self_ptr self) {
  auto& st = self->state;
  if (st.in_flight != 0)
    return;
  if (st.successor) {
    self->send(st.successor, handover_atom::value, st.core->snapshot());
    self->quit();
  } else if (st.stopping) {
    if (st.journal)
      st.journal->write_snapshot(st.core->snapshot());
    st.core->log_metrics();
    self->quit();
  }
}

/// Keeps replays short: a snapshot every so many events.
void snapshot_if_due(self_ptr self) {
  auto& st = self->state;
  if (st.journal && st.journal->snapshot_due())
    st.journal->write_snapshot(st.core->snapshot());
}

/// Asks the agent's provider; the answer comes back as a `completed_atom`.
void start_completion(self_ptr self, const std::string& reply_subject, chat_request request) {
  auto& st = self->state;
  model_provider* provider = st.services.providers->find(request.model.provider);
  if (!provider) {
    chat_result missing;
    missing.error = "provider '" + request.model.provider + "' is not available in this build";
    record_result(st.journal.get(), request.message_id, missing);
    send_reply(self, reply_subject, st.core->finish(request, missing));
    st.load->finished();
    return;
  }
  auto agent = caf::actor_cast<caf::actor>(self);
  ++st.in_flight;
  try {
    // Each chunk becomes an event as it arrives; the reply carries the whole
    // answer.
    provider->complete(request, chunk_recorder(st.journal, request.message_id),
                       [agent, reply_subject, request](chat_result result) {
                         caf::anon_send(agent, completed_atom::value,
                                        completion{reply_subject, request, std::move(result)});
                       });
  } catch (const std::exception& e) {
    --st.in_flight;
    chat_result failed;
    failed.error = std::string("provider failed: ") + e.what();
    record_result(st.journal.get(), request.message_id, failed);
    throw;
  } catch (...) {
    --st.in_flight;
    throw;
  }
}

void on_incoming(self_ptr self, inbound_message& message) {
  auto& st = self->state;
  st.core->set_runtime_counts(st.load->busy.load(std::memory_order_relaxed),
                              st.load->restarts.load(std::memory_order_relaxed));
  try {
    agent_core::outcome outcome = st.core->handle(message);
    record_events(st.journal.get(), outcome.events);
    if (outcome.completion) {
      start_completion(self, message.reply, std::move(*outcome.completion));
      return;
    }
    if (outcome.reply)
      send_reply(self, message.reply, *outcome.reply);
  } catch (const std::exception& e) {
    // One failed request must not take the agent or its queue down: answer
    // it, and let the cluster decide whether to restart the agent.
    send_reply(self, message.reply, st.core->internal_error(message, e.what()));
    self->send(st.cluster, failure_atom::value, st.core->definition().name, std::string(e.what()));
  }
  snapshot_if_due(self);
  st.load->finished();
}

caf::behavior serving(self_ptr self) {
  return {
    [=](incoming_atom, inbound_message& message) { on_incoming(self, message); },
    [=](completed_atom, completion& done) {
      auto& st = self->state;
      --st.in_flight;
      record_result(st.journal.get(), done.request.message_id, done.result);
      send_reply(self, done.reply_subject, st.core->finish(done.request, done.result));
      snapshot_if_due(self);
      st.load->finished();
      finish_when_idle(self);
    },
    [=](shutdown_atom) {
      self->state.stopping = true;
      finish_when_idle(self);
    },
    [=](retire_atom, caf::actor& successor) {
      self->state.successor = std::move(successor);
      finish_when_idle(self);
    },
    [=](fail_atom, std::string& why) { self->state.core->mark_failed(std::move(why)); },
    [=](status_atom) {
      auto& st = self->state;
      st.core->set_runtime_counts(st.load->busy.load(std::memory_order_relaxed),
                                  st.load->restarts.load(std::memory_order_relaxed));
      return st.core->status_json(st.load->in_flight.load(std::memory_order_relaxed));
    },
  };
}

caf::result<caf::message> drop_unexpected(caf::scheduled_actor* self, caf::message_view& view) {
  component_logger("agent")->warn("[agent] dropped an unexpected message actor={}", self->id());
  return caf::sec::unexpected_message;
}

} // namespace

caf::behavior agent_actor(self_ptr self, agent_definition definition, fleet_services services,
                          std::shared_ptr<agent_load> load, caf::actor cluster, agent_start start) {
  auto& st = self->state;
  st.core = std::make_unique<agent_core>(std::move(definition), services.identity);
  st.services = std::move(services);
  st.load = std::move(load);
  st.cluster = std::move(cluster);
  if (st.services.journals) {
    auto it = st.services.journals->find(st.core->definition().id);
    if (it != st.services.journals->end())
      st.journal = it->second;
  }
  // A fresh actor starts where the agent's events left it (after a start or
  // a crash); one awaiting a handover takes its predecessor's state instead.
  if (start == agent_start::fresh && st.journal)
    st.core->restore(st.journal->state());
  self->set_default_handler(drop_unexpected);
  self->set_exception_handler([=](std::exception_ptr& error) -> caf::error {
    // Handlers catch what they can; this is the last line: the actor stops
    // and its cluster starts it afresh.
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      component_logger("agent")->error("[{}] actor failed: {}", self->state.core->definition().name,
                                       e.what());
    } catch (...) {
      component_logger("agent")->error("[{}] actor failed", self->state.core->definition().name);
    }
    return caf::sec::runtime_error;
  });
  if (start == agent_start::fresh)
    return serving(self);

  // Everything but the handover waits in the mailbox, in order, until the
  // predecessor has answered all it accepted and handed over its state.
  self->set_default_handler(caf::skip);
  return {
    [=](handover_atom, agent_snapshot& snapshot) {
      self->state.core->restore(snapshot);
      self->set_default_handler(drop_unexpected);
      self->become(serving(self));
    },
  };
}

} // namespace agent_runtime

#include "supervision/agent_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/skip.hpp>
#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "config/json_fields.hpp"
#include "events/agent_recording.hpp"
#include "supervision/atoms.hpp"
#include "upgrade/migration.hpp"

namespace agent_runtime {
namespace {

using self_ptr = caf::stateful_actor<agent_actor_state>*;

void send_reply(self_ptr self, const std::string& subject, const std::string& payload) {
  if (subject.empty())
    return;
  self->state.services.replies->publish(subject, payload);
}

/// Counts one answered request for the version's health gate.
void record(self_ptr self, bool error, std::chrono::steady_clock::time_point received) {
  const auto latency = received == std::chrono::steady_clock::time_point{}
                         ? std::chrono::microseconds(0)
                         : std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::steady_clock::now() - received);
  self->state.code.stats->record(error, latency);
}

/// The reply to a SendMessage as the version's plugin makes it; `error`
/// tells whether it is an error reply.
std::string through_plugin(self_ptr self, const chat_request& request, std::string reply,
                           bool& error) {
  auto& st = self->state;
  if (!st.code.plugin)
    return reply;
  const std::string& content =
    request.messages.empty() ? std::string() : request.messages.back().content;
  auto out = st.code.plugin->handle(st.core->definition().name, content, reply);
  if (!out)
    return reply;
  if (out->ok)
    return std::move(out->text);
  error = true;
  component_logger("agent")->warn("[{}] plugin failed the request version={} message_id={} "
                                  "reason=\"{}\"",
                                  st.core->definition().name, st.code.plugin->version(),
                                  request.message_id, out->text);
  return json_text(
    nlohmann::json{{"status", "error"},
                   {"message", "behaviour " + st.code.plugin->version() + " failed: " + out->text},
                   {"message_id", request.message_id}});
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
void start_completion(self_ptr self, const std::string& reply_subject, const chat_request& request,
                      std::chrono::steady_clock::time_point received) {
  auto& st = self->state;
  model_provider* provider = st.services.providers->find(request.model.provider);
  if (!provider) {
    chat_result missing;
    missing.error = "provider '" + request.model.provider + "' is not available in this build";
    record_result(st.journal.get(), request.message_id, missing);
    send_reply(self, reply_subject, st.core->finish(request, missing));
    record(self, true, received);
    st.load->finished();
    return;
  }
  auto agent = caf::actor_cast<caf::actor>(self);
  ++st.in_flight;
  try {
    // Each chunk becomes an event as it arrives; the reply carries the whole
    // answer.
    provider->complete(request, chunk_recorder(st.journal, request.message_id),
                       [agent, reply_subject, request, received](chat_result result) {
                         caf::anon_send(
                           agent, completed_atom::value,
                           completion{reply_subject, request, std::move(result), received});
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
  const std::uint64_t errors_before = st.core->counters().errors;
  try {
    agent_core::outcome outcome = st.core->handle(message);
    record_events(st.journal.get(), outcome.events);
    if (outcome.completion) {
      start_completion(self, message.reply, *outcome.completion, message.received);
      return;
    }
    if (outcome.reply)
      send_reply(self, message.reply, *outcome.reply);
    record(self, st.core->counters().errors != errors_before, message.received);
  } catch (const std::exception& e) {
    record(self, true, message.received);
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
      const std::uint64_t errors_before = st.core->counters().errors;
      std::string reply = st.core->finish(done.request, done.result);
      bool error = st.core->counters().errors != errors_before;
      // TODO: a reply the plugin fails after the model answered is still a
      // `completed` event in the stream; record the plugin's verdict too.
      reply = through_plugin(self, done.request, std::move(reply), error);
      send_reply(self, done.reply_subject, reply);
      record(self, error, done.received);
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
    [=](snapshot_atom) { return self->state.core->snapshot(); },
    [=](status_atom) {
      auto& st = self->state;
      st.core->set_runtime_counts(st.load->busy.load(std::memory_order_relaxed),
                                  st.load->restarts.load(std::memory_order_relaxed));
      return st.core->status_json(st.load->in_flight.load(std::memory_order_relaxed));
    },
  };
}

/// Restores the predecessor's state; in a swap, migrated to this version.
void take_over(self_ptr self, const agent_snapshot& snapshot) {
  auto& st = self->state;
  if (!st.code.migrate_from) {
    st.core->restore(snapshot);
    return;
  }
  const agent_definition& to = st.core->definition();
  migration_result migrated = migrate_state(
    snapshot, *st.code.migrate_from, to, st.code.plugin_migrates ? st.code.plugin.get() : nullptr);
  if (!migrated.ok) {
    // The cluster tried the migration on this state before the swap; a
    // state changed since then is kept as it was rather than lost.
    component_logger("agent")->error("[{}] {}; the state carries over unchanged", to.name,
                                     migrated.error);
    migrated.state = snapshot;
  }
  st.core->restore(migrated.state);
  const auto pause = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - st.spawned);
  self->send(st.cluster, swapped_atom::value, to.name, static_cast<std::int64_t>(pause.count()));
}

caf::result<caf::message> drop_unexpected(caf::scheduled_actor* self, caf::message_view& view) {
  component_logger("agent")->warn("[agent] dropped an unexpected message actor={}", self->id());
  return caf::sec::unexpected_message;
}

} // namespace

caf::behavior agent_actor(self_ptr self, agent_definition definition, fleet_services services,
                          std::shared_ptr<agent_load> load, caf::actor cluster, agent_start start,
                          agent_code code) {
  auto& st = self->state;
  st.spawned = std::chrono::steady_clock::now();
  st.code = std::move(code);
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
      take_over(self, snapshot);
      self->set_default_handler(drop_unexpected);
      self->become(serving(self));
    },
  };
}

} // namespace agent_runtime

#include "supervision/cluster_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>

#include "app/log.hpp"
#include "routing/route_table.hpp"
#include "supervision/agent_actor.hpp"
#include "supervision/atoms.hpp"

namespace agent_runtime {
namespace {

using self_ptr = caf::stateful_actor<cluster_actor_state>*;

void start_agents(self_ptr self) {
  auto& st = self->state;
  auto log = component_logger("cluster");
  for (const agent_definition& definition : st.spec.agents) {
    caf::actor agent = self->spawn<caf::monitored>(agent_actor, definition, st.services);
    st.agents.emplace(agent.address(), definition.name);
    st.services.routes->point(definition.name, agent);
    log->debug("[cluster {}] started agent {} version={}", st.spec.id, definition.name,
               definition.version);
  }
  log->info("[cluster {}] started agents={}", st.spec.id, st.agents.size());
}

void on_agent_down(self_ptr self, const caf::down_msg& down) {
  auto& st = self->state;
  auto it = st.agents.find(down.source);
  if (it == st.agents.end())
    return;
  const std::string name = it->second;
  st.agents.erase(it);
  // Requests for an agent without an actor get an error reply from the
  // bridge instead of vanishing into a dead mailbox.
  st.services.routes->point(name, caf::actor());

  if (!st.stopping) {
    // TODO: restart the agent with its state (the supervision issue); until
    // then it stays out of service and its requests are answered with an error.
    component_logger("cluster")->error("[cluster {}] agent {} stopped unexpectedly reason={}",
                                       st.spec.id, name, to_string(down.reason));
    return;
  }
  if (st.agents.empty()) {
    component_logger("cluster")->info("[cluster {}] stopped", st.spec.id);
    st.stopped.deliver(true);
    self->quit();
  }
}

} // namespace

caf::behavior cluster_actor(self_ptr self, cluster_spec spec, fleet_services services) {
  self->state.spec = std::move(spec);
  self->state.services = std::move(services);
  self->set_down_handler([=](caf::down_msg& down) { on_agent_down(self, down); });
  start_agents(self);
  return {
    [=](ready_atom) { return self->state.agents.size(); },
    [=](shutdown_atom) -> caf::result<bool> {
      auto& st = self->state;
      if (st.agents.empty())
        return true;
      st.stopping = true;
      st.stopped = self->make_response_promise();
      // A normal message, not an exit: each agent answers what it has queued
      // before it stops.
      for (const auto& [addr, name] : st.agents)
        self->send(caf::actor_cast<caf::actor>(addr), shutdown_atom::value);
      return st.stopped;
    },
  };
}

} // namespace agent_runtime

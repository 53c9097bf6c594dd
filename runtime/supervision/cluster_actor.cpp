#include "supervision/cluster_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>

#include "app/log.hpp"
#include "routing/route_table.hpp"
#include "supervision/agent_actor.hpp"
#include "supervision/atoms.hpp"
#include "supervision/gather.hpp"

namespace agent_runtime {
namespace {

using self_ptr = caf::stateful_actor<cluster_actor_state>*;

caf::actor spawn_agent(self_ptr self, supervised_agent& agent, agent_start start) {
  auto& st = self->state;
  caf::actor actor =
    self->spawn<caf::monitored>(agent_actor, agent.definition, st.services, agent.load,
                                caf::actor_cast<caf::actor>(self), start);
  st.serving.emplace(actor.address(), agent.definition.name);
  agent.actor = actor;
  st.services.routes->point(agent.definition.name, actor);
  return actor;
}

void start_agents(self_ptr self, const cluster_spec& spec) {
  auto& st = self->state;
  for (const agent_definition& definition : spec.agents) {
    supervised_agent agent{
      definition,
      {},
      st.services.routes->load(definition.name),
      restart_policy(st.supervision.max_restarts, st.supervision.restart_window)};
    auto [it, inserted] = st.agents.emplace(definition.name, std::move(agent));
    st.order.push_back(definition.name);
    spawn_agent(self, it->second, agent_start::fresh);
  }
  component_logger("cluster")->info("[cluster {}] started agents={} strategy={}", st.id,
                                    st.agents.size(), st.supervision.strategy);
}

/// Replaces an agent's actor by a new one that takes over its state once
/// the old one has answered everything it accepted.
void restart(self_ptr self, supervised_agent& agent) {
  auto& st = self->state;
  caf::actor old = agent.actor;
  st.serving.erase(old.address());
  st.retiring.insert(old.address());
  caf::actor successor = spawn_agent(self, agent, agent_start::await_handover);
  self->send(old, retire_atom::value, successor);
  const auto restarts = ++agent.load->restarts;
  component_logger("cluster")->warn("[cluster {}] restarted agent {} restarts={}", st.id,
                                    agent.definition.name, restarts);
}

void on_failure(self_ptr self, const std::string& name, const std::string& what) {
  auto& st = self->state;
  auto it = st.agents.find(name);
  if (st.stopping || it == st.agents.end() || it->second.failed)
    return;
  supervised_agent& agent = it->second;
  if (!agent.policy.record_failure(st.services.clock())) {
    agent.failed = true;
    const std::string why =
      "failed " + std::to_string(agent.policy.recent_failures()) + " times within " +
      std::to_string(st.supervision.restart_window.count()) + "s; last error: " + what;
    component_logger("cluster")->error("[cluster {}] agent {} taken out of service: {}", st.id,
                                       name, why);
    self->send(agent.actor, fail_atom::value, why);
    return;
  }
  if (st.supervision.strategy == "one_for_all") {
    for (auto& [other, sibling] : st.agents) {
      if (!sibling.failed)
        restart(self, sibling);
    }
  } else {
    restart(self, agent);
  }
}

void stop_if_done(self_ptr self) {
  auto& st = self->state;
  if (!st.stopping || !st.serving.empty() || !st.retiring.empty())
    return;
  component_logger("cluster")->info("[cluster {}] stopped", st.id);
  st.stopped.deliver(true);
  self->quit();
}

void on_agent_down(self_ptr self, const caf::down_msg& down) {
  auto& st = self->state;
  if (st.retiring.erase(down.source)) {
    stop_if_done(self);
    return;
  }
  auto it = st.serving.find(down.source);
  if (it == st.serving.end())
    return;
  const std::string name = it->second;
  st.serving.erase(it);
  if (st.stopping) {
    st.services.routes->point(name, caf::actor());
    stop_if_done(self);
    return;
  }
  // Exceptions in handlers are caught and restart the agent with its state;
  // an actor that dies outright has no state left to hand over.
  component_logger("cluster")->error(
    "[cluster {}] agent {} stopped unexpectedly reason={}; starting it afresh", st.id, name,
    to_string(down.reason));
  supervised_agent& agent = st.agents.at(name);
  ++agent.load->restarts;
  spawn_agent(self, agent, agent_start::fresh);
}

} // namespace

caf::behavior cluster_actor(self_ptr self, cluster_spec spec, fleet_services services) {
  self->state.id = spec.id;
  self->state.supervision = spec.supervision;
  self->state.services = std::move(services);
  self->set_down_handler([=](caf::down_msg& down) { on_agent_down(self, down); });
  start_agents(self, spec);
  return {
    [=](ready_atom) { return self->state.agents.size(); },
    [=](status_atom) -> caf::result<std::string> {
      auto& st = self->state;
      std::vector<caf::actor> agents;
      for (const std::string& name : st.order)
        agents.push_back(st.agents.at(name).actor);
      auto rp = self->make_response_promise<std::string>();
      const std::string head = "{\"id\":\"" + st.id + "\",\"enabled\":" +
                               (st.services.routes->cluster_enabled(st.id) ? "true" : "false") +
                               ",\"strategy\":\"" + st.supervision.strategy + "\",\"agents\":[";
      gather<std::string>(self, agents, status_atom::value, std::chrono::seconds(5),
                          [rp, head](std::vector<std::string> parts) mutable {
                            std::string out = head;
                            for (std::size_t i = 0; i < parts.size(); ++i)
                              out += (i ? "," : "") + parts[i];
                            rp.deliver(out + "]}");
                          });
      return rp;
    },
    [=](failure_atom, const std::string& name, const std::string& what) {
      on_failure(self, name, what);
    },
    [=](shutdown_atom) -> caf::result<bool> {
      auto& st = self->state;
      st.stopping = true;
      if (st.serving.empty() && st.retiring.empty()) {
        self->quit();
        return true;
      }
      st.stopped = self->make_response_promise();
      // A normal message, not an exit: each agent answers what it has queued
      // before it stops.
      for (const auto& [addr, name] : st.serving)
        self->send(caf::actor_cast<caf::actor>(addr), shutdown_atom::value);
      return st.stopped;
    },
  };
}

} // namespace agent_runtime

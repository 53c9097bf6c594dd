#include "supervision/cluster_actor.hpp"

#include <algorithm>

#include <caf/actor_cast.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>
#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "config/json_fields.hpp"
#include "routing/route_table.hpp"
#include "supervision/agent_actor.hpp"
#include "supervision/atoms.hpp"
#include "supervision/gather.hpp"
#include "upgrade/migration.hpp"

namespace agent_runtime {
namespace {

using self_ptr = caf::stateful_actor<cluster_actor_state>*;

caf::actor spawn_agent(self_ptr self, supervised_agent& agent, agent_start start,
                       std::optional<agent_code> code = std::nullopt) {
  auto& st = self->state;
  caf::actor actor = self->spawn<caf::monitored>(agent_actor, agent.definition, st.services,
                                                 agent.load, caf::actor_cast<caf::actor>(self),
                                                 start, code ? std::move(*code) : agent.code);
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
    agent.code.stats = st.current.stats;
    st.current.definitions.emplace(definition.name, definition);
    if (st.current.version.empty())
      st.current.version = definition.version;
    auto [it, inserted] = st.agents.emplace(definition.name, std::move(agent));
    st.order.push_back(definition.name);
    spawn_agent(self, it->second, agent_start::fresh);
  }
  component_logger("cluster")->info("[cluster {}] started agents={} strategy={}", st.id,
                                    st.agents.size(), st.supervision.strategy);
}

/// Replaces an agent's actor by a new one (running `code`, or the agent's
/// own) that takes over its state once the old one has answered everything
/// it accepted.
void hand_over(self_ptr self, supervised_agent& agent,
               std::optional<agent_code> code = std::nullopt) {
  auto& st = self->state;
  caf::actor old = agent.actor;
  st.serving.erase(old.address());
  st.retiring.insert(old.address());
  caf::actor successor = spawn_agent(self, agent, agent_start::await_handover, std::move(code));
  self->send(old, retire_atom::value, successor);
}

/// Restarts an agent through a handover.
void restart(self_ptr self, supervised_agent& agent) {
  auto& st = self->state;
  hand_over(self, agent);
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
    agent.load->failed.store(true, std::memory_order_relaxed);
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

// Swapping versions.

using nlohmann::json;

std::int64_t ms_since(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
    .count();
}

std::string error_json(const std::string& why) {
  return json_text(json{{"status", "error"}, {"message", why}});
}

/// The version a release makes of the current one: its definitions where
/// it has them, the current ones (under the new version) elsewhere.
cluster_version version_of(self_ptr self, const release& rel) {
  auto& st = self->state;
  cluster_version next;
  next.version = rel.version;
  next.plugin = rel.plugin;
  for (const std::string& name : st.order) {
    auto found = rel.definitions.find(name);
    agent_definition definition =
      found != rel.definitions.end() ? found->second : st.agents.at(name).definition;
    definition.version = rel.version;
    next.definitions.emplace(name, std::move(definition));
  }
  return next;
}

void refuse_upgrade(self_ptr self, const std::string& version, const std::string& why,
                    caf::typed_response_promise<std::string>& reply) {
  auto& st = self->state;
  component_logger("cluster")->warn("[cluster {}] upgrade refused version={} reason=\"{}\"", st.id,
                                    version, why);
  // A refusal while another version checks or soaks (a second upgrade, the
  // same one again) leaves that rollout's record as it is: it is still going.
  if (st.phase == "serving")
    st.last_rollout = json_text(json{
      {"version", version}, {"outcome", "refused"}, {"why", why}, {"from", st.current.version}});
  reply.deliver(error_json("cluster " + st.id + ": upgrade to " + version + " refused: " + why));
}

/// Hands every agent over to an actor of `to`.
void begin_swap(self_ptr self, cluster_version to, bool rollback, std::string why,
                upgrade_options options,
                std::optional<caf::typed_response_promise<std::string>> reply) {
  auto& st = self->state;
  ++st.soak_generation;
  st.gate.reset();
  st.phase = rollback ? "rolling_back" : "swapping";
  swap_in_progress swap;
  swap.from = st.current;
  swap.rollback = rollback;
  swap.why = std::move(why);
  swap.options = std::move(options);
  swap.began = std::chrono::steady_clock::now();
  swap.reply = std::move(reply);
  if (rollback)
    component_logger("cluster")->warn(
      "[cluster {}] rolling back from version={} to version={} reason=\"{}\"", st.id,
      st.current.version, to.version, swap.why);
  else
    component_logger("cluster")->info("[cluster {}] swapping from version={} to version={} "
                                      "operator={}",
                                      st.id, st.current.version, to.version,
                                      swap.options.requested_by);
  for (const std::string& name : st.order) {
    supervised_agent& agent = st.agents.at(name);
    agent_code code;
    code.plugin = to.plugin;
    code.stats = to.stats;
    code.migrate_from = agent.definition;
    code.plugin_migrates = !rollback;
    agent.definition = to.definitions.at(name);
    agent.code = agent_code{to.plugin, to.stats, std::nullopt, true};
    // A new version gets a new chance: an agent taken out of service comes
    // back, with a fresh restart budget.
    agent.failed = false;
    agent.load->failed.store(false, std::memory_order_relaxed);
    agent.policy = restart_policy(st.supervision.max_restarts, st.supervision.restart_window);
    hand_over(self, agent, std::move(code));
    ++swap.waiting;
  }
  swap.to = std::move(to);
  st.swap = std::move(swap);
}

void schedule_soak_check(self_ptr self) {
  auto& st = self->state;
  const auto every = std::clamp(st.soak_options.soak / 20, std::chrono::milliseconds(10),
                                std::chrono::milliseconds(1000));
  self->delayed_send(self, every, soak_atom::value, st.soak_generation);
}

void finish_swap(self_ptr self) {
  auto& st = self->state;
  swap_in_progress swap = std::move(*st.swap);
  st.swap.reset();
  const std::int64_t took_ms = ms_since(swap.began);
  const std::int64_t max_pause_ms = (swap.max_pause_us + 999) / 1000;
  auto log = component_logger("cluster");
  json outcome = {{"version", swap.to.version},
                  {"from", swap.from.version},
                  {"took_ms", took_ms},
                  {"max_pause_ms", max_pause_ms},
                  {"rollout", swap.options.rollout}};
  st.current = swap.to;
  if (swap.rollback) {
    log->warn("[cluster {}] rolled back to version={} took_ms={} max_pause_ms={} reason=\"{}\"",
              st.id, swap.to.version, took_ms, max_pause_ms, swap.why);
    st.previous.reset();
    st.phase = "serving";
    outcome["version"] = swap.from.version;
    outcome["from"] = swap.from.version;
    outcome["to"] = swap.to.version;
    outcome["outcome"] = "rolled_back";
    outcome["why"] = swap.why;
  } else {
    log->info("[cluster {}] swapped to version={} took_ms={} max_pause_ms={}", st.id,
              swap.to.version, took_ms, max_pause_ms);
    st.previous = swap.from;
    if (swap.options.soak.count() > 0) {
      st.phase = "soaking";
      st.soak_options = swap.options;
      st.gate.emplace(swap.options.thresholds, swap.options.soak, st.services.clock(),
                      swap.from.stats->read());
      st.restarts_at_swap.clear();
      for (const auto& [name, agent] : st.agents)
        st.restarts_at_swap[name] = agent.load->restarts.load();
      schedule_soak_check(self);
      outcome["outcome"] = "soaking";
    } else {
      st.phase = "serving";
      outcome["outcome"] = "swapped";
    }
  }
  st.last_rollout = json_text(outcome);
  if (swap.reply) {
    json reply = outcome;
    reply["status"] = "ok";
    reply["cluster"] = st.id;
    reply["phase"] = st.phase;
    swap.reply->deliver(json_text(reply));
  }
}

void on_swapped(self_ptr self, const std::string& name, std::int64_t pause_us) {
  auto& st = self->state;
  if (!st.swap)
    return;
  component_logger("cluster")->debug("[cluster {}] agent {} swapped pause_us={}", st.id, name,
                                     pause_us);
  st.swap->max_pause_us = std::max(st.swap->max_pause_us, pause_us);
  if (--st.swap->waiting == 0)
    finish_swap(self);
}

void on_soak_check(self_ptr self, std::uint64_t generation) {
  auto& st = self->state;
  if (generation != st.soak_generation || !st.gate || st.stopping)
    return;
  serve_sample sample = st.current.stats->read();
  for (const auto& [name, agent] : st.agents)
    sample.restarts =
      std::max(sample.restarts, agent.load->restarts.load() - st.restarts_at_swap[name]);
  health_gate::verdict verdict = st.gate->check(sample, st.services.clock());
  auto log = component_logger("cluster");
  switch (verdict.state) {
    case health_gate::verdict::kind::soaking:
      schedule_soak_check(self);
      return;
    case health_gate::verdict::kind::healthy: {
      log->info("[cluster {}] version={} passed its soak requests={} errors={} p99_ms={}", st.id,
                st.current.version, sample.requests, sample.errors, sample.p99.count());
      st.gate.reset();
      st.phase = "serving";
      json outcome = json::parse(st.last_rollout);
      outcome["outcome"] = "passed";
      outcome["requests"] = sample.requests;
      outcome["errors"] = sample.errors;
      st.last_rollout = json_text(outcome);
      return;
    }
    case health_gate::verdict::kind::unhealthy:
      log->warn("[cluster {}] version={} is unhealthy requests={} errors={} p99_ms={} "
                "reason=\"{}\"",
                st.id, st.current.version, sample.requests, sample.errors, sample.p99.count(),
                verdict.why);
      begin_swap(self, *st.previous, true, "health gate: " + verdict.why, st.soak_options,
                 std::nullopt);
      return;
  }
}

/// Why the cluster cannot start a swap now; empty if it can.
std::string busy_reason(self_ptr self) {
  auto& st = self->state;
  if (st.stopping)
    return "the runtime is stopping";
  if (st.phase != "serving")
    return "cluster " + st.id + " is " + st.phase + " version " +
           (st.swap ? st.swap->to.version : st.current.version);
  return {};
}

caf::result<std::string> on_upgrade(self_ptr self, const release_ptr& rel,
                                    upgrade_options options) {
  auto& st = self->state;
  auto rp = self->make_response_promise<std::string>();
  if (auto busy = busy_reason(self); !busy.empty()) {
    refuse_upgrade(self, rel->version, busy, rp);
    return rp;
  }
  if (rel->version == st.current.version) {
    refuse_upgrade(self, rel->version, "cluster " + st.id + " already runs version " + rel->version,
                   rp);
    return rp;
  }
  st.phase = "checking";
  std::vector<caf::actor> actors;
  for (const std::string& name : st.order)
    actors.push_back(st.agents.at(name).actor);
  // The migration is tried on every agent's state before anything changes:
  // one refusal refuses the whole swap.
  gather<agent_snapshot>(
    self, actors, snapshot_atom::value, std::chrono::seconds(10),
    [self, rel, options, rp](gathered<agent_snapshot> states) mutable {
      auto& st = self->state;
      st.phase = "serving";
      if (st.stopping)
        return refuse_upgrade(self, rel->version, "the runtime is stopping", rp);
      for (std::size_t i = 0; i < states.size(); ++i) {
        if (!states[i])
          return refuse_upgrade(
            self, rel->version,
            "agent " + st.order[i] + " did not give its state to try the migration on", rp);
      }
      cluster_version next = version_of(self, *rel);
      for (std::size_t i = 0; i < states.size(); ++i) {
        const std::string& name = st.order[i];
        migration_result tried = migrate_state(*states[i], st.agents.at(name).definition,
                                               next.definitions.at(name), rel->plugin.get());
        if (!tried.ok)
          return refuse_upgrade(self, rel->version, tried.error, rp);
      }
      begin_swap(self, std::move(next), false, {}, std::move(options), rp);
    });
  return rp;
}

caf::result<std::string> on_rollback(self_ptr self, const std::string& requested_by) {
  auto& st = self->state;
  if (st.stopping || st.swap || st.phase == "checking")
    return error_json("cluster " + st.id + " cannot roll back now: it is " +
                      (st.stopping ? std::string("stopping") : st.phase));
  if (!st.previous)
    return error_json("cluster " + st.id + " has no previous version to roll back to (it runs " +
                      st.current.version + ")");
  auto rp = self->make_response_promise<std::string>();
  upgrade_options options;
  options.requested_by = requested_by;
  begin_swap(self, *st.previous, true, "by operator " + requested_by, options, rp);
  return rp;
}

std::string cluster_head_json(self_ptr self) {
  auto& st = self->state;
  json head = {{"id", st.id},
               {"enabled", st.services.routes->cluster_enabled(st.id)},
               {"strategy", st.supervision.strategy},
               {"version", st.current.version},
               {"phase", st.phase},
               {"plugin", st.current.plugin ? json(st.current.plugin->version()) : json()},
               {"previous_version", st.previous ? json(st.previous->version) : json()},
               {"last_rollout", json::parse(st.last_rollout)}};
  std::string out = json_text(head);
  out.pop_back();
  return out + ",\"agents\":[";
}

} // namespace

caf::behavior cluster_actor(self_ptr self, const cluster_spec& spec, fleet_services services) {
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
      const std::string head = cluster_head_json(self);
      // An agent that does not answer in time (its worker threads taken, a
      // handler that blocks) is listed as such, and the rest still shows.
      gather<std::string>(
        self, agents, status_atom::value, agent_status_limit,
        [rp, head, id = st.id, names = st.order](const gathered<std::string>& parts) mutable {
          const std::string listed = join_statuses(parts, names, "name", [&](const auto& name) {
            component_logger("cluster")->warn(
              "[cluster {}] agent {} did not answer status within {} ms", id, name,
              agent_status_limit.count());
          });
          rp.deliver(head + listed + "]}");
        });
      return rp;
    },
    [=](failure_atom, const std::string& name, const std::string& what) {
      on_failure(self, name, what);
    },
    [=](upgrade_atom, release_ptr& rel, upgrade_options& options) {
      return on_upgrade(self, rel, std::move(options));
    },
    [=](rollback_atom, const std::string& requested_by) { return on_rollback(self, requested_by); },
    [=](swapped_atom, const std::string& name, std::int64_t pause_us) {
      on_swapped(self, name, pause_us);
    },
    [=](soak_atom, std::uint64_t generation) { on_soak_check(self, generation); },
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

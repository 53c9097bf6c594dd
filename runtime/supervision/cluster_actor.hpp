#pragma once

#include <map>
#include <optional>
#include <set>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "config/fleet_config.hpp"
#include "routing/agent_load.hpp"
#include "supervision/fleet_services.hpp"
#include "supervision/restart_policy.hpp"
#include "upgrade/agent_code.hpp"
#include "upgrade/health_gate.hpp"

namespace agent_runtime {

/// One agent as its cluster sees it.
struct supervised_agent {
  agent_definition definition;
  caf::actor actor;
  std::shared_ptr<agent_load> load;
  restart_policy policy;
  bool failed = false;
  /// The behaviour and counters of the version it runs.
  agent_code code;
};

/// One version of a cluster: what its agents run.
struct cluster_version {
  std::string version;
  /// Every agent's definition, by name.
  std::map<std::string, agent_definition> definitions;
  /// Null: the built-in behaviour.
  std::shared_ptr<const behaviour_plugin> plugin;
  /// What this version served since it was swapped in.
  std::shared_ptr<serve_stats> stats = std::make_shared<serve_stats>();
};

/// A swap under way: agents still to hand over, and who waits for the end.
struct swap_in_progress {
  cluster_version from;
  cluster_version to;
  bool rollback = false;
  /// Why a rollback happens.
  std::string why;
  upgrade_options options;
  std::chrono::steady_clock::time_point began;
  std::size_t waiting = 0;
  std::int64_t max_pause_us = 0;
  /// Unset for a rollback the health gate started.
  std::optional<caf::typed_response_promise<std::string>> reply;
};

/// A cluster actor's state: its agents and the stop in progress.
struct cluster_actor_state {
  std::string id;
  supervision_settings supervision;
  fleet_services services;
  std::map<std::string, supervised_agent> agents;
  /// Agent names in the order clusters.yaml lists them.
  std::vector<std::string> order;
  /// Agent name by the address of the actor serving it now.
  std::map<caf::actor_addr, std::string> serving;
  /// Actors handing their state to a successor.
  std::set<caf::actor_addr> retiring;
  bool stopping = false;
  caf::response_promise stopped;
  /// The version serving now, and the one before it (for a rollback).
  cluster_version current;
  std::optional<cluster_version> previous;
  /// serving, checking, swapping, soaking or rolling_back.
  // TODO: the ping reply shows the agent's version but not this phase: that
  // needs a field in agent_core, which others are changing at the moment.
  std::string phase = "serving";
  // TODO: a swap whose old actor dies without handing over (it crashed
  // outside a handler) leaves its successor waiting and the swap unfinished;
  // restarts share that gap. A limit on the swap would report it.
  std::optional<swap_in_progress> swap;
  /// While soaking: the gate and what it needs.
  std::optional<health_gate> gate;
  upgrade_options soak_options;
  std::map<std::string, std::uint32_t> restarts_at_swap;
  /// Ticks of an older soak are ignored.
  std::uint64_t soak_generation = 0;
  /// The last upgrade or rollback and how it ended (JSON), "null" if none.
  std::string last_rollout = "null";
  static inline const char* name = "cluster";
};

/// Starts and supervises the agents of one cluster and points the route
/// table at them. A failure inside an agent restarts it (or, with
/// `one_for_all`, every agent of the cluster) with its state handed over;
/// past the restart limit the agent is marked failed. Answers `ready_atom`
/// with its agent count, and `shutdown_atom` once every agent has finished
/// its queue and stopped.
caf::behavior cluster_actor(caf::stateful_actor<cluster_actor_state>* self,
                            const cluster_spec& spec, fleet_services services);

} // namespace agent_runtime

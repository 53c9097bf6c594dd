#pragma once

#include <map>
#include <set>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "config/fleet_config.hpp"
#include "routing/agent_load.hpp"
#include "supervision/fleet_services.hpp"
#include "supervision/restart_policy.hpp"

namespace agent_runtime {

/// One agent as its cluster sees it.
struct supervised_agent {
  agent_definition definition;
  caf::actor actor;
  std::shared_ptr<agent_load> load;
  restart_policy policy;
  bool failed = false;
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
  static inline const char* name = "cluster";
};

/// Starts and supervises the agents of one cluster and points the route
/// table at them. A failure inside an agent restarts it (or, with
/// `one_for_all`, every agent of the cluster) with its state handed over;
/// past the restart limit the agent is marked failed. Answers `ready_atom`
/// with its agent count, and `shutdown_atom` once every agent has finished
/// its queue and stopped.
caf::behavior cluster_actor(caf::stateful_actor<cluster_actor_state>* self, cluster_spec spec,
                            fleet_services services);

} // namespace agent_runtime

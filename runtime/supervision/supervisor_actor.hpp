#pragma once

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "config/fleet_config.hpp"
#include "supervision/fleet_services.hpp"

namespace agent_runtime {

/// The supervisor's state: one actor per cluster, in rolling-upgrade order.
struct supervisor_state {
  std::vector<std::pair<std::string, caf::actor>> clusters;
  /// The fleet as configured, to validate releases against.
  fleet_config fleet;
  bool stopping = false;
  static inline const char* name = "supervisor";
};

/// The root of the fleet: starts a cluster actor per cluster. Answers
/// `ready_atom` with the number of agents serving, once all have started,
/// and `shutdown_atom` once every cluster has stopped. Validates a release
/// (`upgrade_atom`, cluster, folder, options) and hands it to its cluster;
/// passes `rollback_atom` (cluster, operator) on.
caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self, fleet_config fleet,
                               fleet_services services);

} // namespace agent_runtime

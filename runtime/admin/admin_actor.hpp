#pragma once
// The admin plane: requests on `agent.admin.<verb>` to see the fleet and
// steer it. Reading (status) is open; steering (enable, disable, suspend,
// resume) needs an operator token, and every action is logged with who
// asked.

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "admin/fleet_state_store.hpp"
#include "admin/operator_auth.hpp"
#include "routing/subject_route.hpp"

namespace agent_runtime {

class route_table;

/// The admin actor's state.
struct admin_state {
  route_table* routes = nullptr;
  reply_sink* replies = nullptr;
  caf::actor supervisor;
  operator_auth operators;
  std::unique_ptr<fleet_state_store> store;
  std::set<std::string> disabled;
  std::uint64_t requests = 0;
  /// Admin requests refused, for any reason.
  std::uint64_t refused = 0;
  /// Of those, refused as unauthorised.
  std::uint64_t unauthorised = 0;
  static inline const char* name = "admin";
};

/// Serves admin requests (`admin_atom`, inbound_message).
caf::behavior admin_actor(caf::stateful_actor<admin_state>* self, route_table* routes,
                          reply_sink* replies, caf::actor supervisor, operator_auth operators,
                          fleet_state_store store);

} // namespace agent_runtime

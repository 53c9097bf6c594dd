#pragma once

#include <chrono>
#include <functional>

#include <caf/event_based_actor.hpp>

namespace agent_runtime {

/// Proves every `period` that the actor system still works: it asks the
/// supervisor, which asks every cluster, and calls `alive` with the number
/// of agents once all have answered. A stalled scheduler stops the calls,
/// and with them systemd's watchdog pings.
caf::behavior watchdog_actor(caf::event_based_actor* self, const caf::actor& supervisor,
                             std::chrono::milliseconds period,
                             const std::function<void(std::size_t agents)>& alive);

} // namespace agent_runtime

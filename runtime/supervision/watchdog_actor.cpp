#include "supervision/watchdog_actor.hpp"

#include "app/log.hpp"
#include "supervision/atoms.hpp"

namespace agent_runtime {

caf::behavior watchdog_actor(caf::event_based_actor* self, const caf::actor& supervisor,
                             std::chrono::milliseconds period,
                             const std::function<void(std::size_t agents)>& alive) {
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      self->request(supervisor, period, ready_atom::value)
        .then(
          [=](std::size_t agents) {
            alive(agents);
            self->delayed_send(self, period, tick_atom::value);
          },
          [=](caf::error& err) {
            // No ping this round: if this persists, systemd restarts us.
            component_logger("supervisor")
              ->warn("[watchdog] the fleet did not answer within {} ms error={}", period.count(),
                     self->system().render(err));
            self->delayed_send(self, period, tick_atom::value);
          });
    },
  };
}

} // namespace agent_runtime

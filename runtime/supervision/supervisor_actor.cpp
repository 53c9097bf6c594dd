#include "supervision/supervisor_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>

#include "app/log.hpp"
#include "supervision/atoms.hpp"
#include "supervision/cluster_actor.hpp"
#include "supervision/gather.hpp"

namespace agent_runtime {
namespace {

using self_ptr = caf::stateful_actor<supervisor_state>*;

/// The clusters' actors, in rolling-upgrade order.
std::vector<caf::actor> cluster_actors(self_ptr self) {
  std::vector<caf::actor> actors;
  for (const auto& [id, cluster] : self->state.clusters)
    actors.push_back(cluster);
  return actors;
}

/// Asks every cluster the same question; the promised answer is the sum of
/// theirs once all have replied or `limit` has passed.
template <class Answer, class Atom>
caf::response_promise sum_over_clusters(self_ptr self, Atom question,
                                        std::chrono::milliseconds limit) {
  auto rp = self->make_response_promise();
  const std::size_t asked = self->state.clusters.size();
  gather<Answer>(
    self, cluster_actors(self), question, limit, [rp, asked](std::vector<Answer> answers) mutable {
      std::size_t total = 0;
      for (const Answer& answer : answers)
        total += static_cast<std::size_t>(answer);
      if (answers.size() < asked)
        component_logger("supervisor")
          ->error("[supervisor] {} of {} clusters did not answer", asked - answers.size(), asked);
      rp.deliver(total);
    });
  return rp;
}

} // namespace

caf::behavior supervisor_actor(self_ptr self, fleet_config fleet, fleet_services services) {
  auto log = component_logger("supervisor");
  for (cluster_spec& spec : fleet.clusters) {
    std::string id = spec.id;
    caf::actor cluster = self->spawn<caf::monitored>(cluster_actor, std::move(spec), services);
    self->state.clusters.emplace_back(std::move(id), cluster);
  }
  log->info("[supervisor] started clusters={}", self->state.clusters.size());

  self->set_down_handler([=](caf::down_msg& down) {
    auto& clusters = self->state.clusters;
    for (auto it = clusters.begin(); it != clusters.end(); ++it) {
      if (it->second.address() != down.source)
        continue;
      if (!self->state.stopping)
        component_logger("supervisor")
          ->error("[supervisor] cluster {} stopped unexpectedly reason={}", it->first,
                  to_string(down.reason));
      clusters.erase(it);
      break;
    }
    if (self->state.stopping && clusters.empty())
      self->quit();
  });

  return {
    [=](ready_atom) {
      return sum_over_clusters<std::size_t>(self, ready_atom::value, std::chrono::seconds(30));
    },
    [=](status_atom) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      gather<std::string>(self, cluster_actors(self), status_atom::value, std::chrono::seconds(5),
                          [rp](std::vector<std::string> parts) mutable {
                            std::string out = "[";
                            for (std::size_t i = 0; i < parts.size(); ++i)
                              out += (i ? "," : "") + parts[i];
                            rp.deliver(out + "]");
                          });
      return rp;
    },
    [=](shutdown_atom) {
      self->state.stopping = true;
      // The runtime's own request carries the stop limit; this one only
      // must not give up before it.
      return sum_over_clusters<bool>(self, shutdown_atom::value, std::chrono::hours(1));
    },
  };
}

} // namespace agent_runtime

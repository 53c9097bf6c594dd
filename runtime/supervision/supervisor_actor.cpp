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

/// Asks every cluster the same question and answers `rp` with the sum of
/// their answers once all have replied.
template <class Atom, class Answer>
caf::response_promise ask_all(self_ptr self, Atom question) {
  auto rp = self->make_response_promise();
  auto pending = std::make_shared<std::size_t>(self->state.clusters.size());
  auto total = std::make_shared<std::size_t>(0);
  if (*pending == 0)
    rp.deliver(std::size_t{0});
  for (const auto& [id, cluster] : self->state.clusters) {
    self->request(cluster, caf::infinite, question)
      .then(
        [=](Answer answer) mutable {
          *total += static_cast<std::size_t>(answer);
          if (--*pending == 0)
            rp.deliver(*total);
        },
        [=, cluster_id = id](caf::error& err) mutable {
          component_logger("supervisor")
            ->error("[supervisor] cluster {} did not answer error={}", cluster_id,
                    self->system().render(err));
          if (--*pending == 0)
            rp.deliver(*total);
        });
  }
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
    [=](ready_atom) { return ask_all<ready_atom, std::size_t>(self, ready_atom::value); },
    [=](status_atom) -> caf::result<std::string> {
      std::vector<caf::actor> clusters;
      for (const auto& [id, cluster] : self->state.clusters)
        clusters.push_back(cluster);
      auto rp = self->make_response_promise<std::string>();
      gather<std::string>(self, clusters, status_atom::value, std::chrono::seconds(5),
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
      return ask_all<shutdown_atom, bool>(self, shutdown_atom::value);
    },
  };
}

} // namespace agent_runtime

#include "supervision/supervisor_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>
#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "config/json_fields.hpp"
#include "supervision/atoms.hpp"
#include "supervision/cluster_actor.hpp"
#include "supervision/gather.hpp"
#include "upgrade/release.hpp"

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
    self, cluster_actors(self), question, limit, [rp, asked](gathered<Answer> answers) mutable {
      std::size_t total = 0;
      std::size_t answered = 0;
      for (const auto& answer : answers) {
        if (!answer)
          continue;
        total += static_cast<std::size_t>(*answer);
        ++answered;
      }
      if (answered < asked)
        component_logger("supervisor")
          ->error("[supervisor] {} of {} clusters did not answer", asked - answered, asked);
      rp.deliver(total);
    });
  return rp;
}

std::string error_json(const std::string& why) {
  return json_text(nlohmann::json{{"status", "error"}, {"message", why}});
}

caf::actor find_cluster(self_ptr self, const std::string& id) {
  for (const auto& [name, actor] : self->state.clusters) {
    if (name == id)
      return actor;
  }
  return {};
}

/// Asks a cluster to swap or roll back and passes its answer on.
template <class... Ts>
caf::result<std::string> ask_cluster(self_ptr self, const caf::actor& cluster, Ts&&... xs) {
  auto rp = self->make_response_promise<std::string>();
  // A swap waits for every agent's queue; the admin plane's own limit is
  // the one the operator sees.
  self->request(cluster, std::chrono::minutes(10), std::forward<Ts>(xs)...)
    .then([rp](std::string& answer) mutable { rp.deliver(std::move(answer)); },
          [self, rp](caf::error& err) mutable {
            rp.deliver(error_json("the cluster did not answer: " + self->system().render(err)));
          });
  return rp;
}

caf::result<std::string> upgrade(self_ptr self, const std::string& cluster_id,
                                 const std::string& folder, upgrade_options& options) {
  caf::actor cluster = find_cluster(self, cluster_id);
  if (!cluster)
    return error_json("unknown cluster " + echoed(cluster_id));
  release_ptr rel;
  try {
    rel = std::make_shared<const release>(load_release(folder, self->state.fleet));
  } catch (const config_error& e) {
    component_logger("supervisor")
      ->warn("[cluster {}] release refused folder={} reason=\"{}\"", cluster_id, folder, e.what());
    return error_json(std::string("release refused, nothing changed: ") + e.what());
  }
  return ask_cluster(self, cluster, upgrade_atom::value, std::move(rel), std::move(options));
}

} // namespace

caf::behavior supervisor_actor(self_ptr self, fleet_config fleet, fleet_services services) {
  auto log = component_logger("supervisor");
  self->state.fleet = fleet;
  for (cluster_spec& spec : fleet.clusters) {
    std::string id = spec.id;
    caf::actor cluster =
      self->spawn<caf::monitored + caf::detached>(cluster_actor, std::move(spec), services);
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
      std::vector<std::string> ids;
      for (const auto& [id, cluster] : self->state.clusters)
        ids.push_back(id);
      // A cluster that does not answer in time is listed as such, not left
      // out: the operator sees which.
      gather<std::string>(self, cluster_actors(self), status_atom::value, cluster_status_limit,
                          [rp, ids](const gathered<std::string>& parts) mutable {
                            const std::string clusters =
                              join_statuses(parts, ids, "id", [](const auto& id) {
                                component_logger("supervisor")
                                  ->warn("[cluster {}] did not answer status within {} ms", id,
                                         cluster_status_limit.count());
                              });
                            rp.deliver("[" + clusters + "]");
                          });
      return rp;
    },
    [=](upgrade_atom, const std::string& cluster, const std::string& folder,
        upgrade_options& options) { return upgrade(self, cluster, folder, options); },
    [=](rollback_atom, const std::string& cluster_id,
        const std::string& requested_by) -> caf::result<std::string> {
      caf::actor cluster = find_cluster(self, cluster_id);
      if (!cluster)
        return error_json("unknown cluster " + echoed(cluster_id));
      return ask_cluster(self, cluster, rollback_atom::value, requested_by);
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

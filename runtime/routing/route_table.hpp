#pragma once
// The routing table: subject, then agent, then the actor that currently
// serves that agent. Lookups come from NATS threads; re-pointing an agent at
// another actor (a restart, a swap) takes effect for the next message.

#include <atomic>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>

#include "routing/agent_load.hpp"
#include "routing/subject_route.hpp"

namespace agent_runtime {

/// Thread-safe map from subscriptions to the actors behind them.
class route_table : public message_dispatcher {
public:
  /// Adds an agent (no actor yet) that may hold `max_in_flight` requests,
  /// and its three subjects; returns them.
  std::vector<subject_route> add_agent(const std::string& name, const std::string& id,
                                       const std::string& cluster,
                                       const std::string& queue_group_prefix,
                                       std::size_t max_in_flight);

  /// Takes a whole cluster in or out of service; false for an unknown cluster.
  bool set_cluster_enabled(const std::string& cluster, bool enabled);

  /// Whether `cluster` serves; false for an unknown cluster.
  bool cluster_enabled(const std::string& cluster) const;

  /// The inbox route of `agent`, if there is such an agent.
  std::optional<subject_route> inbox_route(const std::string& agent) const;

  /// The id of `agent`; empty if unknown.
  std::string agent_id(const std::string& agent) const;

  /// The agent's load, shared with the actor that serves it.
  std::shared_ptr<agent_load> load(const std::string& agent) const;

  /// Points `agent` at `actor`; an invalid handle takes it out of service.
  void point(const std::string& agent, caf::actor actor);

  /// The actor currently serving `agent`, invalid if none.
  caf::actor current(const std::string& agent) const;

  /// Every route, in the order added.
  const std::vector<subject_route>& routes() const {
    return routes_;
  }

  dispatch_result dispatch(const subject_route& route, inbound_message& message) override;
  std::uint64_t busy_count(const subject_route& route) const override;
  std::size_t in_flight_limit(const subject_route& route) const override;
  std::string cluster_of(const subject_route& route) const override;

private:
  struct slot {
    std::string name;
    mutable std::shared_mutex mutex;
    caf::actor actor;
    std::shared_ptr<agent_load> load;
    std::string cluster;
    std::string id;
    /// Shared by every agent of the cluster.
    std::shared_ptr<std::atomic<bool>> cluster_enabled;
  };

  slot* find(const std::string& agent) const;

  // Slots never move once added: routes refer to them by index and the
  // bridge reads them from its threads while the table is re-pointed.
  std::vector<std::unique_ptr<slot>> slots_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<subject_route> routes_;
  std::unordered_map<std::string, std::shared_ptr<std::atomic<bool>>> clusters_;
};

} // namespace agent_runtime

#include "routing/route_table.hpp"

#include <mutex>

#include <caf/send.hpp>

#include "routing/subjects.hpp"
#include "supervision/atoms.hpp"

namespace agent_runtime {

std::vector<subject_route> route_table::add_agent(const std::string& name, const std::string& id,
                                                  const std::string& cluster,
                                                  const std::string& queue_group_prefix,
                                                  std::size_t max_in_flight) {
  const std::size_t index = slots_.size();
  auto& enabled = clusters_[cluster];
  if (!enabled)
    enabled = std::make_shared<std::atomic<bool>>(true);
  slots_.push_back(std::make_unique<slot>());
  slots_.back()->name = name;
  slots_.back()->load = std::make_shared<agent_load>(max_in_flight);
  slots_.back()->cluster = cluster;
  slots_.back()->id = id;
  slots_.back()->cluster_enabled = enabled;
  index_.emplace(name, index);

  const std::string group = subjects::queue_group(queue_group_prefix, name);
  std::vector<subject_route> added = {
    {subjects::inbox(name), group, subject_kind::inbox, name, index},
    {subjects::broadcast(), group, subject_kind::broadcast, name, index},
    {subjects::agent_ref(id), group, subject_kind::agent_ref, name, index},
  };
  routes_.insert(routes_.end(), added.begin(), added.end());
  return added;
}

route_table::slot* route_table::find(const std::string& agent) const {
  auto it = index_.find(agent);
  return it == index_.end() ? nullptr : slots_[it->second].get();
}

void route_table::point(const std::string& agent, caf::actor actor) {
  slot* s = find(agent);
  if (!s)
    return;
  std::unique_lock<std::shared_mutex> guard(s->mutex);
  s->actor = std::move(actor);
}

caf::actor route_table::current(const std::string& agent) const {
  slot* s = find(agent);
  if (!s)
    return {};
  std::shared_lock<std::shared_mutex> guard(s->mutex);
  return s->actor;
}

std::shared_ptr<agent_load> route_table::load(const std::string& agent) const {
  slot* s = find(agent);
  return s ? s->load : nullptr;
}

dispatch_result route_table::dispatch(const subject_route& route, inbound_message& message) {
  slot& s = *slots_.at(route.slot);
  // The shared lock is held until the message is in the mailbox: whoever
  // re-points the slot (exclusive lock) knows that every message sent to
  // the old actor is queued before anything it sends that actor next.
  std::shared_lock<std::shared_mutex> guard(s.mutex);
  if (!s.cluster_enabled->load(std::memory_order_acquire))
    return dispatch_result::disabled;
  if (!s.actor)
    return dispatch_result::no_actor;
  if (!s.load->try_admit())
    return dispatch_result::busy;
  message.received = std::chrono::steady_clock::now();
  caf::anon_send(s.actor, incoming_atom::value, std::move(message));
  return dispatch_result::accepted;
}

bool route_table::set_cluster_enabled(const std::string& cluster, bool enabled) {
  auto it = clusters_.find(cluster);
  if (it == clusters_.end())
    return false;
  it->second->store(enabled, std::memory_order_release);
  return true;
}

bool route_table::cluster_enabled(const std::string& cluster) const {
  auto it = clusters_.find(cluster);
  return it != clusters_.end() && it->second->load(std::memory_order_acquire);
}

std::optional<subject_route> route_table::inbox_route(const std::string& agent) const {
  for (const subject_route& route : routes_) {
    if (route.agent == agent && route.kind == subject_kind::inbox)
      return route;
  }
  return std::nullopt;
}

std::string route_table::agent_id(const std::string& agent) const {
  slot* s = find(agent);
  return s ? s->id : std::string();
}

std::string route_table::cluster_of(const subject_route& route) const {
  return slots_.at(route.slot)->cluster;
}

std::uint64_t route_table::busy_count(const subject_route& route) const {
  return slots_.at(route.slot)->load->busy.load(std::memory_order_relaxed);
}

std::size_t route_table::in_flight_limit(const subject_route& route) const {
  return slots_.at(route.slot)->load->limit;
}

} // namespace agent_runtime

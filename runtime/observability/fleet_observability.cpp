#include "observability/fleet_observability.hpp"

#include <set>

#include "app/log.hpp"
#include "app/version.hpp"
#include "bridge/nats_bridge.hpp"
#include "routing/conversation_relay.hpp"
#include "routing/route_table.hpp"

namespace agent_runtime {
namespace {

/// How long /healthz waits for the actor tree.
constexpr std::chrono::milliseconds health_limit{2000};

std::string version_of(const cluster_spec& cluster) {
  std::set<std::string> versions;
  for (const agent_definition& agent : cluster.agents)
    versions.insert(agent.version);
  std::string joined;
  for (const std::string& v : versions)
    joined += (joined.empty() ? "" : ",") + v;
  return joined;
}

} // namespace

fleet_observability::fleet_observability(const fleet_config& fleet, route_table& routes,
                                         nats_bridge& bridge, conversation_relay& conversations) :
  routes_(routes),
  bridge_(bridge), conversations_(conversations), tracker_(routes, conversations, routes.routes()),
  metrics_(tracker_, routes.routes(), [this] { return sample(); }) {
  // TODO: a cluster's version comes from its agents' definitions at start;
  // once clusters can be swapped at run time it should come from the cluster.
  for (const cluster_spec& cluster : fleet.clusters) {
    cluster_entry entry{cluster.id, version_of(cluster), {}};
    for (const agent_definition& agent : cluster.agents)
      entry.agents.push_back(agent.name);
    clusters_.push_back(std::move(entry));
  }
}

fleet_observability::~fleet_observability() {
  stop_http();
}

message_dispatcher& fleet_observability::dispatcher() {
  return tracker_;
}

reply_sink& fleet_observability::replies() {
  return tracker_;
}

void fleet_observability::serve_discovery(service_identity identity) {
  if (identity.id.empty())
    identity.id = new_instance_id();
  discovery_ = std::make_unique<service_discovery>(std::move(identity), routes_.routes(), tracker_);
  const service_discovery* discovery = discovery_.get();
  nats_bridge* bridge = &bridge_;
  for (const std::string& subject : discovery->subjects()) {
    // Answered on the bridge's thread from counters alone: no actor hears of it.
    bridge_.subscribe_all(subject, [discovery, bridge](inbound_message& request) {
      if (request.reply.empty())
        return;
      if (auto reply = discovery->answer(request.subject))
        bridge->publish(request.reply, *reply);
    });
  }
  component_logger("runtime")->info(
    "[discovery] serving $SRV.PING, $SRV.INFO, $SRV.STATS name={} id={} endpoints={}",
    discovery->identity().name, discovery->identity().id, discovery->endpoints().size());
}

void fleet_observability::serve_http(const std::string& address, health_probes probes) {
  probes_ = std::move(probes);
  http_ = std::make_unique<http_server>(
    address, [this](const std::string& path) { return answer_http(path); });
  component_logger("runtime")->info("[metrics] serving /metrics, /healthz, /readyz on http://{}",
                                    http_->address());
}

void fleet_observability::stop_http() {
  if (http_)
    http_->stop();
}

std::string fleet_observability::http_address() const {
  return http_ ? http_->address() : std::string();
}

std::string fleet_observability::service_id() const {
  return discovery_ ? discovery_->identity().id : std::string();
}

std::string fleet_observability::metrics_text() const {
  return metrics_.text();
}

std::string fleet_observability::not_ready_reason() const {
  if (probes_.started && !probes_.started())
    return "not started";
  if (!bridge_.link().connected)
    return "nats disconnected";
  std::size_t idle = 0;
  std::size_t failed = 0;
  for (const cluster_entry& cluster : clusters_) {
    for (const std::string& agent : cluster.agents) {
      if (!routes_.current(agent))
        ++idle;
      else if (auto load = routes_.load(agent);
               load && load->failed.load(std::memory_order_relaxed))
        ++failed;
    }
  }
  if (idle)
    return std::to_string(idle) + " agents not serving";
  if (failed)
    return std::to_string(failed) + " agents taken out of service (failed)";
  return {};
}

http_response fleet_observability::answer_http(const std::string& path) const {
  if (path == "/metrics")
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_text()};
  if (path == "/healthz") {
    if (probes_.actors_answer && !probes_.actors_answer(health_limit)) {
      component_logger("runtime")->warn("[metrics] /healthz: the actor tree did not answer");
      return {503, "text/plain; charset=utf-8", "unhealthy: the actor tree did not answer\n"};
    }
    return {200, "text/plain; charset=utf-8", "ok\n"};
  }
  if (path == "/readyz") {
    const std::string why = not_ready_reason();
    if (!why.empty())
      return {503, "text/plain; charset=utf-8", "not ready: " + why + "\n"};
    return {200, "text/plain; charset=utf-8", "ready\n"};
  }
  return {404, "text/plain; charset=utf-8", "not found: try /metrics, /healthz or /readyz\n"};
}

void fleet_observability::watch_events(std::function<std::optional<event_log_counts>()> counts) {
  event_counts_ = std::move(counts);
}

void fleet_observability::watch_memory(std::function<memory_keeper_counts()> counts) {
  memory_counts_ = std::move(counts);
}

fleet_sample fleet_observability::sample() const {
  fleet_sample now;
  now.version = version_string;
  for (const cluster_entry& cluster : clusters_) {
    cluster_sample c{cluster.id, routes_.cluster_enabled(cluster.id), cluster.version, 0};
    for (const std::string& name : cluster.agents) {
      auto load = routes_.load(name);
      auto route = routes_.inbox_route(name);
      if (!load || !route)
        continue;
      agent_sample a{name,
                     cluster.id,
                     route->slot,
                     load->in_flight.load(std::memory_order_relaxed),
                     load->busy.load(std::memory_order_relaxed),
                     load->restarts.load(std::memory_order_relaxed),
                     load->failed.load(std::memory_order_relaxed)};
      c.restarts += a.restarts;
      now.agents.push_back(std::move(a));
    }
    now.clusters.push_back(std::move(c));
  }
  const link_status link = bridge_.link();
  now.nats_connected = link.connected;
  now.nats_reconnects = link.reconnects;
  now.nats_slow_consumer_events = link.slow_consumer_events;
  now.conversations_refused = conversations_.refused();
  if (event_counts_)
    now.events = event_counts_();
  now.memory = read_memory();
  if (memory_counts_)
    now.memory_returns = memory_counts_();
  return now;
}

} // namespace agent_runtime

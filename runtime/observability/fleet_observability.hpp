#pragma once
// What the runtime shows of itself: the request tracker that counts and
// times every request, NATS service discovery ($SRV.*) built on it, and the
// HTTP endpoints /metrics, /healthz and /readyz. The fleet runtime owns one.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/fleet_config.hpp"
#include "observability/fleet_metrics.hpp"
#include "observability/http_server.hpp"
#include "observability/request_tracker.hpp"
#include "observability/service_discovery.hpp"

namespace agent_runtime {

class conversation_relay;
class nats_bridge;
class route_table;

/// How /healthz and /readyz learn about the runtime.
struct health_probes {
  /// Whether the actor tree answers within the limit.
  std::function<bool(std::chrono::milliseconds)> actors_answer;
  /// Whether start-up has finished (and no stop has begun).
  std::function<bool()> started;
};

/// The runtime's observability, in front of its routes and its bridge.
class fleet_observability {
public:
  /// Counts every route of `routes` (all agents added) from now on; the
  /// agents' replies, once counted, go on to `conversations`, which passes
  /// all but conversation replies to the bridge. `routes`, `bridge` and
  /// `conversations` must outlive this object.
  fleet_observability(const fleet_config& fleet, route_table& routes, nats_bridge& bridge,
                      conversation_relay& conversations);
  ~fleet_observability();

  /// Stands between the bridge and the route table: subscribe through it.
  message_dispatcher& dispatcher();

  /// Stands between the agents and the bridge: agents reply through it.
  reply_sink& replies();

  /// Answers $SRV.PING, $SRV.INFO and $SRV.STATS as `identity` (its id is
  /// made up when empty); throws `bridge_error`.
  void serve_discovery(service_identity identity);

  /// Serves /metrics, /healthz and /readyz on `address`; throws
  /// `http_server_error`.
  void serve_http(const std::string& address, health_probes probes);

  /// Stops the HTTP server (discovery stops with the bridge's drain).
  void stop_http();

  /// The address the HTTP server listens on; empty when it does not.
  std::string http_address() const;

  /// This instance's service id; empty before `serve_discovery`.
  std::string service_id() const;

  /// Where the event stream's counts come from, once it is open; called at
  /// each scrape.
  void watch_events(std::function<std::optional<event_log_counts>()> counts);

  /// Where the memory keeper's counts come from; called at each scrape.
  void watch_memory(std::function<memory_keeper_counts()> counts);

  /// The current metrics, as /metrics serves them.
  std::string metrics_text() const;

  /// Why the runtime is not ready, or empty when it is.
  std::string not_ready_reason() const;

private:
  http_response answer_http(const std::string& path) const;
  fleet_sample sample() const;

  struct cluster_entry {
    std::string id;
    /// Its agents' version (all of them, comma-separated, when they differ).
    std::string version;
    std::vector<std::string> agents;
  };

  std::vector<cluster_entry> clusters_;
  route_table& routes_;
  nats_bridge& bridge_;
  const conversation_relay& conversations_;
  request_tracker tracker_;
  fleet_metrics metrics_;
  std::unique_ptr<service_discovery> discovery_;
  health_probes probes_;
  std::function<std::optional<event_log_counts>()> event_counts_;
  std::function<memory_keeper_counts()> memory_counts_;
  std::unique_ptr<http_server> http_;
};

} // namespace agent_runtime

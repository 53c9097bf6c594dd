#pragma once
// The whole fleet in one object: the actor system, the route table and the
// NATS bridge, started and stopped in the right order. The program and the
// in-process integration tests both drive it.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bridge/nats_bridge.hpp"
#include "config/fleet_config.hpp"
#include "events/jetstream_event_log.hpp"
#include "observability/process_memory.hpp"
#include "provider/model_provider.hpp"

namespace agent_runtime {

/// How to run the fleet.
struct runtime_options {
  std::string nats_url;
  /// CAF scheduler threads.
  std::size_t scheduler_threads = 2;
  /// How long a stop waits for work in flight; unset: the config's
  /// `stop_timeout_ms`.
  std::optional<std::chrono::milliseconds> stop_limit;
  /// Model providers; unset: the ones this build has.
  std::shared_ptr<provider_registry> providers;
  /// Who the runtime is, to NATS.
  nats_credentials credentials;
  /// Where to serve /metrics, /healthz and /readyz; unset: the config's
  /// `metrics_address`; empty: nowhere.
  std::optional<std::string> metrics_address;
};

/// A running fleet.
class fleet_runtime {
public:
  fleet_runtime(fleet_config fleet, runtime_options options);
  ~fleet_runtime();

  fleet_runtime(const fleet_runtime&) = delete;
  fleet_runtime& operator=(const fleet_runtime&) = delete;

  /// Connects to NATS, starts every actor and subscribes every agent's
  /// subjects; returns once all agents serve. Throws std::runtime_error.
  void start();

  /// Stops taking messages, lets every agent finish what it accepted, logs
  /// the final metrics and closes the connection. Safe to call twice.
  void stop();

  /// The URL of the NATS server connected to.
  std::string nats_url() const;

  /// Number of agents serving.
  std::size_t agent_count() const;

  /// The state of the link to NATS.
  link_status nats_link() const;

  /// What the event stream has appended and had confirmed; none before
  /// start or after stop.
  std::optional<event_log_counts> event_counts() const;

  /// What the memory keeper gave back so far (`memory_return_ms`); zeros
  /// when it does not run.
  memory_keeper_counts memory_returns() const;

  /// Where /metrics, /healthz and /readyz are served (`127.0.0.1:9464`);
  /// empty when they are not.
  std::string metrics_address() const;

  /// This instance's id in NATS service discovery ($SRV.*).
  std::string service_id() const;

  /// Every `period`, once the whole actor tree has answered, calls `alive`
  /// with the number of agents (on a CAF thread). For systemd's watchdog.
  void start_watchdog(std::chrono::milliseconds period,
                      std::function<void(std::size_t agents)> alive);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace agent_runtime

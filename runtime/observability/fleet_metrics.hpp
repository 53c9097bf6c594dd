#pragma once
// The fleet's Prometheus metrics, built at each scrape from the counts the
// runtime keeps anyway (the request tracker, each agent's load, the route
// table, the NATS link), so that serving requests costs nothing extra.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "events/jetstream_event_log.hpp"
#include "observability/process_memory.hpp"
#include "observability/request_tracker.hpp"

namespace agent_runtime {

/// One agent at the moment of a scrape.
struct agent_sample {
  std::string name;
  std::string cluster;
  /// The agent's slot in the route table.
  std::size_t slot = 0;
  std::size_t in_flight = 0;
  std::uint64_t busy = 0;
  std::uint32_t restarts = 0;
  /// Taken out of service after too many failures.
  bool failed = false;
};

/// One cluster at the moment of a scrape.
struct cluster_sample {
  std::string id;
  bool enabled = true;
  std::string version;
  std::uint64_t restarts = 0;
};

/// The process at the moment of a scrape.
struct fleet_sample {
  std::vector<agent_sample> agents;
  std::vector<cluster_sample> clusters;
  bool nats_connected = false;
  std::uint64_t nats_reconnects = 0;
  std::uint64_t nats_slow_consumer_events = 0;
  /// Conversation requests refused before any agent saw them.
  std::uint64_t conversations_refused = 0;
  /// The event stream's appends; none while it is not open.
  std::optional<event_log_counts> events;
  memory_figures memory;
  memory_keeper_counts memory_returns;
  std::string version;
};

/// Collects the fleet's metric families for prometheus-cpp's serializers.
class fleet_metrics : public prometheus::Collectable {
public:
  /// `routes` in the order `tracker` was given them; `sample` is called at
  /// each scrape, from the scraping thread.
  fleet_metrics(const request_tracker& tracker, std::vector<subject_route> routes,
                std::function<fleet_sample()> sample);

  std::vector<prometheus::MetricFamily> Collect() const override;

  /// The exposition text (format 0.0.4) of everything collected now.
  std::string text() const;

private:
  const request_tracker& tracker_;
  std::vector<subject_route> routes_;
  std::function<fleet_sample()> sample_;
};

} // namespace agent_runtime

#include "observability/fleet_metrics.hpp"

#include <limits>
#include <map>

#include <prometheus/text_serializer.h>

namespace agent_runtime {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

ClientMetric labelled(std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  return m;
}

void add_counter(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m = labelled(std::move(labels));
  m.counter.value = value;
  f.metric.push_back(std::move(m));
}

void add_gauge(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m = labelled(std::move(labels));
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

const char* kind_label(subject_kind kind) {
  switch (kind) {
    case subject_kind::inbox:
      return "inbox";
    case subject_kind::broadcast:
      return "broadcast";
    case subject_kind::agent_ref:
      return "agent_ref";
  }
  return "unknown";
}

ClientMetric::Histogram histogram_of(const latency_counts& counts) {
  ClientMetric::Histogram h;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.buckets.size(); ++i) {
    cumulative += counts.buckets[i];
    const double bound =
      i < latency_buckets_s.size() ? latency_buckets_s[i] : std::numeric_limits<double>::infinity();
    h.bucket.push_back({cumulative, bound});
  }
  h.sample_count = cumulative;
  h.sample_sum = counts.sum_s;
  return h;
}

/// The event stream's families, present once it is open.
void add_event_families(std::vector<MetricFamily>& out, const event_log_counts& e) {
  const auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    MetricFamily f = family(name, help, MetricType::Counter);
    add_counter(f, {}, static_cast<double>(value));
    out.push_back(std::move(f));
  };
  counter("agent_runtime_events_appended_total", "Events appended to the JetStream stream",
          e.appended);
  counter("agent_runtime_events_confirmed_total", "Events the stream confirmed it stored",
          e.confirmed);
  counter("agent_runtime_events_retried_total",
          "Appends sent again because the stream did not confirm them in time", e.retried);
  counter("agent_runtime_events_lost_total", "Events given up: refused at once or never confirmed",
          e.lost);
  MetricFamily unconfirmed =
    family("agent_runtime_events_unconfirmed",
           "Events appended and waiting for the stream's confirmation", MetricType::Gauge);
  add_gauge(unconfirmed, {}, static_cast<double>(e.unconfirmed));
  out.push_back(std::move(unconfirmed));
}

/// The process's memory and what the keeper gave back of it.
void add_memory_families(std::vector<MetricFamily>& out, const memory_figures& memory,
                         const memory_keeper_counts& returns) {
  const auto one = [&](const char* name, const char* help, MetricType type, double value) {
    MetricFamily f = family(name, help, type);
    if (type == MetricType::Counter)
      add_counter(f, {}, value);
    else
      add_gauge(f, {}, value);
    out.push_back(std::move(f));
  };
  one("process_resident_memory_bytes", "Resident memory size in bytes", MetricType::Gauge,
      static_cast<double>(memory.resident));
  one("agent_runtime_heap_in_use_bytes", "Heap allocated and not yet freed (glibc's count)",
      MetricType::Gauge, static_cast<double>(memory.heap_in_use));
  one("agent_runtime_heap_free_bytes",
      "Heap freed and kept by the allocator for later allocations, resident or not",
      MetricType::Gauge, static_cast<double>(memory.heap_free));
  one("agent_runtime_memory_returned_bytes_total",
      "Resident bytes the runtime gave back to the system after the heap shrank",
      MetricType::Counter, static_cast<double>(returns.returned));
}

} // namespace

fleet_metrics::fleet_metrics(const request_tracker& tracker, std::vector<subject_route> routes,
                             std::function<fleet_sample()> sample) :
  tracker_(tracker),
  routes_(std::move(routes)), sample_(std::move(sample)) {}

std::vector<MetricFamily> fleet_metrics::Collect() const {
  const fleet_sample now = sample_();

  auto requests = family("agent_runtime_agent_requests_total",
                         "Requests an agent received, by subject kind", MetricType::Counter);
  auto errors =
    family("agent_runtime_agent_errors_total",
           "Requests an agent answered with an error (refusals included)", MetricType::Counter);
  // Per agent: the sums over its subjects, keyed by slot.
  std::map<std::size_t, endpoint_counts> per_agent;
  std::map<std::size_t, std::string> cluster_of_slot;
  for (const agent_sample& a : now.agents)
    cluster_of_slot[a.slot] = a.cluster;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const subject_route& route = routes_[i];
    const endpoint_counts counts = tracker_.endpoint(i);
    add_counter(requests,
                {{"agent", route.agent},
                 {"cluster", cluster_of_slot[route.slot]},
                 {"kind", kind_label(route.kind)}},
                static_cast<double>(counts.requests));
    per_agent[route.slot].errors += counts.errors;
  }

  auto busy =
    family("agent_runtime_agent_busy_refusals_total",
           "Requests refused at once because the agent held max_in_flight", MetricType::Counter);
  auto in_flight = family("agent_runtime_agent_in_flight",
                          "Requests an agent holds now, queued or in progress", MetricType::Gauge);
  auto restarts = family("agent_runtime_agent_restarts_total",
                         "Times the agent's actor was restarted", MetricType::Counter);
  auto failed = family("agent_runtime_agent_failed",
                       "1 while the agent is out of service after failing more often than its "
                       "restart limit allows, 0 otherwise",
                       MetricType::Gauge);
  auto latency = family("agent_runtime_agent_request_duration_seconds",
                        "Time from a request's arrival to its reply", MetricType::Histogram);
  for (const agent_sample& a : now.agents) {
    const std::vector<ClientMetric::Label> labels = {{"agent", a.name}, {"cluster", a.cluster}};
    add_counter(errors, labels, static_cast<double>(per_agent[a.slot].errors));
    add_counter(busy, labels, static_cast<double>(a.busy));
    add_gauge(in_flight, labels, static_cast<double>(a.in_flight));
    add_counter(restarts, labels, static_cast<double>(a.restarts));
    add_gauge(failed, labels, a.failed ? 1 : 0);
    ClientMetric m = labelled(labels);
    m.histogram = histogram_of(tracker_.latency(a.slot));
    latency.metric.push_back(std::move(m));
  }

  auto enabled =
    family("agent_runtime_cluster_enabled",
           "1 while the cluster serves, 0 while an operator has disabled it", MetricType::Gauge);
  auto version = family("agent_runtime_cluster_version_info",
                        "The version a cluster's agents run (always 1)", MetricType::Gauge);
  auto cluster_restarts = family("agent_runtime_cluster_restarts_total",
                                 "Agent restarts in the cluster", MetricType::Counter);
  for (const cluster_sample& c : now.clusters) {
    add_gauge(enabled, {{"cluster", c.id}}, c.enabled ? 1 : 0);
    add_gauge(version, {{"cluster", c.id}, {"version", c.version}}, 1);
    add_counter(cluster_restarts, {{"cluster", c.id}}, static_cast<double>(c.restarts));
  }

  auto connected =
    family("agent_runtime_nats_connected", "1 while the link to NATS is up", MetricType::Gauge);
  add_gauge(connected, {}, now.nats_connected ? 1 : 0);
  auto reconnects =
    family("agent_runtime_nats_reconnects_total", "Reconnects to NATS", MetricType::Counter);
  add_counter(reconnects, {}, static_cast<double>(now.nats_reconnects));
  auto slow =
    family("agent_runtime_nats_slow_consumer_events_total",
           "Times NATS dropped messages for a subscription that fell behind", MetricType::Counter);
  add_counter(slow, {}, static_cast<double>(now.nats_slow_consumer_events));
  auto untimed = family("agent_runtime_requests_untimed_total",
                        "Requests counted but not timed: too many replies were outstanding",
                        MetricType::Counter);
  add_counter(untimed, {}, static_cast<double>(tracker_.untimed()));
  auto conversations = family("agent_runtime_conversations_refused_total",
                              "Conversation requests refused before any agent saw them (bad "
                              "headers, unknown or non-unified recipient, busy, disabled)",
                              MetricType::Counter);
  add_counter(conversations, {}, static_cast<double>(now.conversations_refused));
  auto info = family("agent_runtime_info", "The runtime's version (always 1)", MetricType::Gauge);
  add_gauge(info, {{"version", now.version}}, 1);

  std::vector<MetricFamily> out = {std::move(requests),      std::move(errors),
                                   std::move(busy),          std::move(in_flight),
                                   std::move(restarts),      std::move(failed),
                                   std::move(latency),       std::move(enabled),
                                   std::move(version),       std::move(cluster_restarts),
                                   std::move(connected),     std::move(reconnects),
                                   std::move(slow),          std::move(untimed),
                                   std::move(conversations), std::move(info)};
  if (now.events)
    add_event_families(out, *now.events);
  add_memory_families(out, now.memory, now.memory_returns);
  return out;
}

std::string fleet_metrics::text() const {
  return prometheus::TextSerializer().Serialize(Collect());
}

} // namespace agent_runtime

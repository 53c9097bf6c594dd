#include "upgrade/health_gate.hpp"

#include <cstdio>

namespace agent_runtime {
namespace {

std::string percent(double rate) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %%", rate * 100.0);
  return text;
}

} // namespace

health_gate::health_gate(health_thresholds thresholds, std::chrono::milliseconds soak,
                         time_point start, serve_sample old_version) :
  thresholds_(thresholds),
  soak_(soak), start_(start), old_(old_version) {}

health_gate::verdict health_gate::check(const serve_sample& now_sample, time_point now) const {
  using kind = verdict::kind;
  if (now_sample.restarts > thresholds_.max_restarts)
    return {kind::unhealthy, "restarts " + std::to_string(now_sample.restarts) + " over " +
                               std::to_string(thresholds_.max_restarts)};
  if (now_sample.requests >= thresholds_.min_requests) {
    const double rate = now_sample.error_rate();
    if (rate > thresholds_.max_error_rate && rate > old_.error_rate())
      return {kind::unhealthy, "error rate " + percent(rate) + " over " +
                                 percent(thresholds_.max_error_rate) + " (old version " +
                                 percent(old_.error_rate()) + ")"};
    if (now_sample.p99 > thresholds_.max_latency && now_sample.p99 > old_.p99)
      return {kind::unhealthy, "latency p99 " + std::to_string(now_sample.p99.count()) +
                                 " ms over " + std::to_string(thresholds_.max_latency.count()) +
                                 " ms (old version " + std::to_string(old_.p99.count()) + " ms)"};
  }
  if (now - start_ >= soak_)
    return {kind::healthy, {}};
  return {kind::soaking, {}};
}

} // namespace agent_runtime

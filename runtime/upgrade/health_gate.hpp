#pragma once
// The health gate of a soak: after a swap, the new version of a cluster is
// compared with the old one until the soak period has passed. Pure logic
// with the time passed in, so that tests need no clock and no sleeps.

#include <chrono>
#include <cstdint>
#include <string>

#include "upgrade/serve_stats.hpp"

namespace agent_runtime {

/// When a new version counts as worse (product.md's rollback criteria).
struct health_thresholds {
  /// Errors per request above which the new version fails, if the old one
  /// did better.
  double max_error_rate = 0.01;
  /// Restarts of the new version's agents beyond which it fails.
  std::uint32_t max_restarts = 3;
  /// 99th percentile latency above which it fails, if the old one did better.
  std::chrono::milliseconds max_latency{500};
  /// Requests the new version must have served before rates are judged.
  std::uint64_t min_requests = 20;
};

/// Watches one soak.
class health_gate {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// How the soak stands.
  struct verdict {
    enum class kind { soaking, healthy, unhealthy };
    kind state = kind::soaking;
    /// Why it is unhealthy (for the log and status).
    std::string why;
  };

  /// A soak of `soak` from `start`, against what the old version served.
  health_gate(health_thresholds thresholds, std::chrono::milliseconds soak, time_point start,
              serve_sample old_version);

  /// Judges what the new version served so far, at `now`: unhealthy as
  /// soon as a threshold is crossed, healthy once the soak has passed
  /// without that, soaking until then.
  verdict check(const serve_sample& new_version, time_point now) const;

  const health_thresholds& thresholds() const {
    return thresholds_;
  }

private:
  health_thresholds thresholds_;
  std::chrono::milliseconds soak_;
  time_point start_;
  serve_sample old_;
};

} // namespace agent_runtime

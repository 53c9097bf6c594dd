#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace agent_runtime {

/// How much work an agent holds: requests accepted and not yet answered,
/// shared by the bridge (which admits them) and whichever actor serves the
/// agent (which finishes them), so that it outlives restarts and swaps.
struct agent_load {
  explicit agent_load(std::size_t limit) : limit(limit) {}

  /// Admits one request unless `limit` are already in flight.
  bool try_admit() {
    if (in_flight.fetch_add(1, std::memory_order_acq_rel) < limit)
      return true;
    in_flight.fetch_sub(1, std::memory_order_acq_rel);
    busy.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  /// One admitted request is answered.
  void finished() {
    in_flight.fetch_sub(1, std::memory_order_acq_rel);
  }

  const std::size_t limit;
  std::atomic<std::size_t> in_flight{0};
  /// Requests refused because `limit` were in flight.
  std::atomic<std::uint64_t> busy{0};
  /// Times the agent's actor was restarted by its cluster.
  std::atomic<std::uint32_t> restarts{0};
  /// Taken out of service by its cluster after failing more often than its
  /// restart limit allows: it refuses every request until a new version.
  std::atomic<bool> failed{false};
};

} // namespace agent_runtime

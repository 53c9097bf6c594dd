#pragma once
// What one version of a cluster served: requests, errors and a latency
// histogram, written by its agent actors and read by the health gate.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace agent_runtime {

/// A reading of `serve_stats`.
struct serve_sample {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  /// The 99th percentile of the latency, as the upper bound of its bucket.
  std::chrono::milliseconds p99{0};
  /// Restarts of any agent of the version since it was swapped in.
  std::uint32_t restarts = 0;

  double error_rate() const {
    return requests ? static_cast<double>(errors) / static_cast<double>(requests) : 0.0;
  }
};

/// Counters shared by the actors of one version of a cluster (lock-free).
class serve_stats {
public:
  /// Upper bounds of the latency buckets, in milliseconds; the last is open.
  static constexpr std::array<std::int64_t, 13> bounds_ms{1,   2,   5,    10,   20,   50,   100,
                                                          200, 500, 1000, 2000, 5000, 10000};

  /// One request answered, with an error or not, `latency` after it arrived.
  void record(bool error, std::chrono::microseconds latency) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    if (error)
      errors_.fetch_add(1, std::memory_order_relaxed);
    std::size_t i = 0;
    while (i < bounds_ms.size() && latency > std::chrono::milliseconds(bounds_ms[i]))
      ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
  }

  serve_sample read() const {
    serve_sample out;
    out.requests = requests_.load(std::memory_order_relaxed);
    out.errors = errors_.load(std::memory_order_relaxed);
    std::uint64_t total = 0;
    std::array<std::uint64_t, bounds_ms.size() + 1> counts{};
    for (std::size_t i = 0; i < counts.size(); ++i)
      total += counts[i] = buckets_[i].load(std::memory_order_relaxed);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size() && total; ++i) {
      seen += counts[i];
      if (seen * 100 >= total * 99) {
        // The open bucket reads as twice the last bound: "more than that".
        out.p99 =
          std::chrono::milliseconds(i < bounds_ms.size() ? bounds_ms[i] : 2 * bounds_ms.back());
        break;
      }
    }
    return out;
  }

private:
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::array<std::atomic<std::uint64_t>, bounds_ms.size() + 1> buckets_{};
};

} // namespace agent_runtime

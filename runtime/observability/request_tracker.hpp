#pragma once
// Counts and times every request an agent gets, at the runtime's edge: it
// stands between the bridge and the route table (to see each request come
// in) and between the agents and the bridge (to see each reply go out), so
// that the agents themselves need not know. $SRV.STATS and /metrics read it.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "routing/subject_route.hpp"

namespace agent_runtime {

/// Upper bounds (seconds) of the latency histogram's buckets; the last
/// bucket (+Inf) is implied.
inline constexpr std::array<double, 12> latency_buckets_s = {
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0};

/// What one subscription (an agent's inbox, broadcast or reference subject)
/// has seen. Counters only grow.
struct endpoint_counts {
  std::uint64_t requests = 0;
  /// Requests answered with an error, refusals included.
  std::uint64_t errors = 0;
  /// Of the errors, refusals because the agent held `max_in_flight`.
  std::uint64_t busy = 0;
  /// Total time from arrival to reply, in nanoseconds.
  std::uint64_t processing_ns = 0;
  std::string last_error;
};

/// One agent's latency histogram: counts per bucket (not cumulative), the
/// +Inf bucket last.
struct latency_counts {
  std::array<std::uint64_t, latency_buckets_s.size() + 1> buckets{};
  std::uint64_t count = 0;
  double sum_s = 0;
};

/// Counts requests per route and times them until their reply.
class request_tracker : public message_dispatcher, public reply_sink {
public:
  /// Hands requests to `next` and replies to `replies`, which must outlive
  /// the tracker; `routes` are every route `next` serves.
  request_tracker(message_dispatcher& next, reply_sink& replies,
                  const std::vector<subject_route>& routes);

  dispatch_result dispatch(const subject_route& route, inbound_message& message) override;
  std::uint64_t busy_count(const subject_route& route) const override;
  std::size_t in_flight_limit(const subject_route& route) const override;
  std::string cluster_of(const subject_route& route) const override;

  /// Publishes a reply and, when it answers a request seen coming in,
  /// records how long that took and whether it was an error.
  bool publish(const std::string& subject, const std::string& payload) override;

  /// The counts of the route at `index` (as in the constructor's list).
  endpoint_counts endpoint(std::size_t index) const;

  /// The latency histogram of the agent in slot `slot`.
  latency_counts latency(std::size_t slot) const;

  /// Replies waited for right now (requests accepted, not yet answered).
  std::size_t pending() const;

  /// Requests counted but not timed because too many replies were waited
  /// for already (replies lost somewhere).
  std::uint64_t untimed() const {
    return untimed_.load(std::memory_order_relaxed);
  }

private:
  struct endpoint_state {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> busy{0};
    std::atomic<std::uint64_t> processing_ns{0};
    mutable std::mutex last_error_mutex;
    std::string last_error;
  };
  struct latency_state {
    std::array<std::atomic<std::uint64_t>, latency_buckets_s.size() + 1> buckets{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  /// A request whose reply has not gone out yet.
  struct waiting {
    std::size_t endpoint;
    std::chrono::steady_clock::time_point arrived;
  };
  /// Reply subjects are spread over shards so that the NATS threads seldom
  /// wait for one another.
  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<waiting>> by_reply;
    std::size_t size = 0;
  };

  shard& shard_of(const std::string& reply);
  void finish(std::size_t endpoint, std::chrono::nanoseconds took, const std::string* error);
  std::size_t endpoint_index(const subject_route& route) const;

  message_dispatcher& next_;
  reply_sink& replies_;
  std::vector<std::unique_ptr<endpoint_state>> endpoints_;
  std::vector<std::unique_ptr<latency_state>> latencies_;
  /// (slot, kind) to endpoint index.
  std::unordered_map<std::size_t, std::array<std::size_t, 3>> index_;
  std::vector<std::size_t> slot_of_endpoint_;
  std::array<shard, 16> shards_;
  std::atomic<std::uint64_t> untimed_{0};
};

/// The error message of a reply payload (`{"status":"error","message":...}`),
/// or nothing when the reply is not an error.
std::optional<std::string> reply_error(const std::string& payload);

} // namespace agent_runtime

#pragma once
// The bench's side of the wire: a nats.c client that pings until every agent
// answers, times requests one at a time, and keeps a bounded window of
// requests in flight to count throughput.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nats/nats.h>

namespace agent_runtime::bench {

/// Requests kept in flight for a while.
struct throughput_run {
  std::size_t sent = 0;
  /// Replies that arrived before the measuring time was up.
  std::size_t answered_in_time = 0;
  /// Requests still unanswered once the stragglers' grace period was over.
  std::size_t lost = 0;
  double seconds = 0;

  double per_second() const {
    return seconds > 0 ? static_cast<double>(answered_in_time) / seconds : 0;
  }
};

/// One client, two connections: one that writes each request at once (for
/// latency) and one that lets nats.c batch writes (for throughput).
class bench_client {
public:
  /// Connects to `url`; throws std::runtime_error when it cannot.
  explicit bench_client(const std::string& url);
  ~bench_client();

  bench_client(const bench_client&) = delete;
  bench_client& operator=(const bench_client&) = delete;

  /// Pings every subject until all have answered once; the time from
  /// `since` to the last first answer, or nothing after `limit` or once
  /// `still_starting` says the responders have died.
  std::optional<std::chrono::microseconds>
  wait_until_answering(const std::vector<std::string>& subjects,
                       std::chrono::steady_clock::time_point since, std::chrono::milliseconds limit,
                       const std::function<bool()>& still_starting);

  /// Microseconds from sending one request to `subject` until its reply;
  /// nothing when no reply came in time.
  std::optional<double> time_request(const std::string& subject, const std::string& payload);

  /// Keeps `window` requests in flight, round robin over `subjects`, for
  /// `duration`.
  throughput_run measure_throughput(const std::vector<std::string>& subjects,
                                    const std::string& payload, std::size_t window,
                                    std::chrono::milliseconds duration);

private:
  /// Whether `subject` answers a ping now.
  bool answers(const std::string& subject);
  /// Pings `which` of `subjects` at once; returns those that did not answer.
  std::vector<std::size_t> ping_each(const std::vector<std::string>& subjects,
                                     const std::vector<std::size_t>& which);

  natsConnection* latency_ = nullptr;
  natsConnection* bulk_ = nullptr;
  natsSubscription* latency_replies_ = nullptr;
  std::string latency_prefix_;
  std::size_t runs_ = 0;
  std::size_t sequence_ = 0;
};

} // namespace agent_runtime::bench

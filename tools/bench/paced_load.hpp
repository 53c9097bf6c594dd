#pragma once
// A steady load at a fixed rate, round robin over the agents, that keeps
// the send time and round trip of every request: the swap measurement asks
// it for the worst request of a time window.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nats/nats.h>

namespace agent_runtime::bench {

/// Every request a paced load sent, and what became of it.
struct load_record {
  using time_point = std::chrono::steady_clock::time_point;

  /// When each request was sent, by sequence number.
  std::vector<time_point> sent;
  /// Its round trip in microseconds; nothing when no reply came.
  std::vector<std::optional<double>> latency_us;
  /// Replies that said "status": "error" (busy, disabled, ...).
  std::size_t refused = 0;
  /// Replies to a request already answered.
  std::size_t duplicated = 0;
  /// Requests that met no subscriber ("no responders"): nobody took them.
  std::size_t no_responders = 0;

  /// Requests no agent answered: no reply at all, or "no responders".
  std::size_t lost() const;

  /// The longest round trip (microseconds) of the answered requests that
  /// were in flight at some time in [from, to]; 0 if there were none.
  double worst_in(time_point from, time_point to) const;

  /// How many requests were in flight at some time in [from, to].
  std::size_t count_in(time_point from, time_point to) const;
};

/// Sends `per_second` requests a second from a thread of its own until
/// stopped; one connection that writes each request at once.
class paced_load {
public:
  /// Connects to `url`; throws std::runtime_error when it cannot.
  paced_load(const std::string& url, std::vector<std::string> subjects, std::string payload,
             double per_second);
  ~paced_load();

  paced_load(const paced_load&) = delete;
  paced_load& operator=(const paced_load&) = delete;

  /// Starts sending.
  void start();

  /// Stops sending, waits up to `grace` for the replies still due, and
  /// returns what happened to every request.
  load_record stop(std::chrono::milliseconds grace);

private:
  struct shared;

  void send_until_stopped();

  std::vector<std::string> subjects_;
  std::string payload_;
  std::chrono::nanoseconds interval_;
  natsConnection* connection_ = nullptr;
  std::unique_ptr<shared> shared_;
  std::thread sender_;
};

} // namespace agent_runtime::bench

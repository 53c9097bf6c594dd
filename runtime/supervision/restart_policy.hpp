#pragma once
// OTP's restart intensity: an agent may fail `max_restarts` times within a
// window; one more failure and it is taken out of service instead of
// restarted, so that a broken agent cannot crash-loop.

#include <chrono>
#include <deque>

namespace agent_runtime {

/// Counts one agent's failures in a sliding window. Times come from the
/// caller, so tests drive it with a fake clock.
class restart_policy {
public:
  using clock = std::chrono::steady_clock;

  restart_policy(int max_restarts, std::chrono::seconds window) :
    max_restarts_(max_restarts), window_(window) {}

  /// Records a failure at `now`; true if the agent may be restarted, false
  /// once it has failed more than `max_restarts` times within the window.
  bool record_failure(clock::time_point now) {
    failures_.push_back(now);
    while (!failures_.empty() && now - failures_.front() >= window_)
      failures_.pop_front();
    // Only "more than max_restarts" matters: older failures change no
    // answer, and keeping them would grow without bound when a generous
    // limit meets a long window.
    while (failures_.size() > static_cast<std::size_t>(max_restarts_) + 1)
      failures_.pop_front();
    return static_cast<int>(failures_.size()) <= max_restarts_;
  }

  /// Failures within the window as of the last one recorded, counted up to
  /// one more than the limit.
  int recent_failures() const {
    return static_cast<int>(failures_.size());
  }

private:
  int max_restarts_;
  std::chrono::seconds window_;
  std::deque<clock::time_point> failures_;
};

} // namespace agent_runtime

#pragma once
// The soak's clients: several NATS connections that keep a window of
// requests in flight each, to random agents, and account for every one of
// them: answered, refused with a reason, answered twice, or never.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace agent_runtime::soak {

/// An agent the load is spread over.
struct soak_target {
  std::string name;
  std::string id;
};

/// What became of the requests sent so far.
struct soak_tally {
  std::uint64_t sent = 0;
  /// Answered with status ok, and with the answer to this very request.
  std::uint64_t answered = 0;
  /// Answered with status ok but with someone else's answer.
  std::uint64_t mismatched = 0;
  /// A second reply to a request already answered, or one to no request.
  std::uint64_t duplicated = 0;
  /// Error replies by reason.
  std::map<std::string, std::uint64_t> refused;
  /// Still waiting for a reply.
  std::uint64_t in_flight = 0;
  /// Of those, how many each agent holds.
  std::map<std::string, std::uint64_t> in_flight_by_agent;

  std::uint64_t refused_total() const;
};

/// Load from `clients` connections with `window` requests in flight each.
class soak_load {
public:
  soak_load(const std::string& url, const std::vector<soak_target>& targets, std::size_t clients,
            std::size_t window, std::uint32_t seed);
  ~soak_load();

  soak_load(const soak_load&) = delete;
  soak_load& operator=(const soak_load&) = delete;

  /// Starts sending.
  void start();

  /// Stops sending new requests (replies still count) until `resume`.
  void pause();
  void resume();

  /// Waits until no request is in flight; false after `limit`.
  bool wait_idle(std::chrono::milliseconds limit) const;

  /// Stops sending for good and joins the senders.
  void stop();

  soak_tally tally() const;

private:
  struct client;
  std::vector<std::unique_ptr<client>> clients_;
  std::atomic<bool> paused_{false};
  std::atomic<bool> running_{false};
};

} // namespace agent_runtime::soak

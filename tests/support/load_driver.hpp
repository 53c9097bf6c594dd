#pragma once
// Steady load for the swap tests: several client connections, each keeping
// a window of SendMessage requests in flight to every agent, and a record
// of every reply in the order it arrived, to check for loss, duplicates,
// errors, order and which version answered.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/fleet_config.hpp"

struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;

namespace agent_runtime::testing {

/// Drives and checks the load.
class load_driver {
public:
  /// One reply as it came back.
  struct reply {
    std::uint64_t seq = 0;
    bool ok = false;
    std::string message;
    /// What `classify` made of it: which version answered.
    int version = 0;
  };

  /// `classify` tells which version a reply comes from (called on a NATS thread).
  load_driver(const std::string& url, std::vector<agent_definition> agents, std::size_t connections,
              std::size_t window, std::function<int(const nlohmann::json&)> classify);
  ~load_driver();

  /// Starts sending.
  void start();

  /// Stops sending and waits (up to `limit`) until every request is answered.
  void stop(std::chrono::milliseconds limit = std::chrono::seconds(30));

  /// Replies received so far, over all connections and agents.
  std::size_t answered() const {
    return answered_.load();
  }

  /// Waits until `n` more replies than now have come; false after `limit`.
  bool wait_for_more(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds(30));

  std::size_t sent() const {
    return sent_.load();
  }

  /// Requests sent and never answered (after `stop`).
  std::size_t lost() const;
  /// Replies for a request already answered.
  std::size_t duplicates() const {
    return duplicates_.load();
  }
  /// Replies that came before a reply to an earlier request of the same
  /// connection and agent.
  std::size_t out_of_order() const {
    return out_of_order_.load();
  }
  /// Replies whose answer is not for the request they replied to.
  std::size_t mismatched() const {
    return mismatched_.load();
  }

  /// The replies of one connection for one agent, in arrival order.
  std::vector<reply> replies(std::size_t connection, const std::string& agent) const;

  /// Every reply that was an error.
  std::vector<std::string> errors() const;

  std::size_t connections() const {
    return streams_.size();
  }

private:
  struct stream;
  struct connection;
  static void on_reply(__natsConnection*, __natsSubscription*, __natsMsg* msg, void* closure);
  void send_next(stream& s);

  std::vector<agent_definition> agents_;
  std::size_t window_;
  std::function<int(const nlohmann::json&)> classify_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::vector<std::vector<std::unique_ptr<stream>>> streams_;
  std::atomic<bool> running_{false};
  std::atomic<std::size_t> sent_{0};
  std::atomic<std::size_t> answered_{0};
  std::atomic<std::size_t> duplicates_{0};
  std::atomic<std::size_t> out_of_order_{0};
  std::atomic<std::size_t> mismatched_{0};
};

} // namespace agent_runtime::testing

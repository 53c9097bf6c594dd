#pragma once
// A plain nats.c client for tests: requests, publishes and subscriptions
// that collect what arrives.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "routing/conversation.hpp"

struct __natsConnection;
struct __natsSubscription;

namespace agent_runtime::testing {

using namespace std::chrono_literals;

/// Messages received on one subscription.
class collector {
public:
  struct message {
    std::string subject;
    std::string payload;
    message_headers headers;
  };

  void add(message m);
  std::size_t count() const;
  std::vector<message> messages() const;

  /// Waits until at least `n` messages arrived; false after `limit`.
  bool wait_for(std::size_t n, std::chrono::milliseconds limit = 10s) const;

private:
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<message> messages_;
};

/// One connection to the test's nats-server.
class test_client {
public:
  explicit test_client(const std::string& url);
  ~test_client();

  /// The reply's payload, or nothing after `limit`.
  std::optional<std::string> request(const std::string& subject, const std::string& payload,
                                     std::chrono::milliseconds limit = 5s);

  /// The reply parsed as JSON; fails the test when none comes or it is not JSON.
  nlohmann::json request_json(const std::string& subject, const std::string& payload,
                              std::chrono::milliseconds limit = 5s);

  void publish(const std::string& subject, const std::string& payload,
               const std::string& reply = "");

  /// Publishes with NATS headers (and a reply subject when one is given).
  void publish_with_headers(const std::string& subject, const message_headers& headers,
                            const std::string& payload, const std::string& reply = "");

  /// The reply to a request sent with headers, or nothing after `limit`.
  std::optional<std::string> request_with_headers(const std::string& subject,
                                                  const message_headers& headers,
                                                  const std::string& payload,
                                                  std::chrono::milliseconds limit = 5s);

  /// Collects every message on `subject` from now on.
  std::shared_ptr<collector> collect(const std::string& subject);

  /// Round trip to the server: everything published before has reached it.
  void flush();

private:
  __natsConnection* connection_ = nullptr;
  std::vector<__natsSubscription*> subscriptions_;
  std::vector<std::shared_ptr<collector>> collectors_;
};

/// Polls `condition` until it holds; false after `limit`.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s);

} // namespace agent_runtime::testing

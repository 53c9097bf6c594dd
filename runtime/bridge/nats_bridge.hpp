#pragma once
// The one place that speaks nats.c: connects, subscribes each agent's
// subjects, hands messages to the dispatcher from nats.c's delivery threads,
// and publishes replies. A natsStatus is turned into words here and nowhere
// else.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "bridge/nats_credentials.hpp"
#include "routing/conversation_relay.hpp"
#include "routing/subject_route.hpp"

struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;

namespace agent_runtime {

/// A NATS operation failed; the message says which and why.
class bridge_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The state of the link to NATS, for logs, status and metrics.
struct link_status {
  bool connected = false;
  /// How long the link has been down; zero while connected.
  std::chrono::milliseconds down_for{0};
  std::uint64_t reconnects = 0;
  /// Times a subscription fell behind and NATS dropped messages for it.
  std::uint64_t slow_consumer_events = 0;
  std::uint64_t async_errors = 0;
};

/// How to reach NATS.
struct bridge_options {
  std::string url;
  /// The connection's name, as the server's monitoring shows it.
  std::string name = "agent-runtime";
  std::chrono::milliseconds connect_timeout{2000};
  /// Who the connection is, to the server; none by default.
  nats_credentials credentials;
};

/// A NATS connection serving the fleet's subscriptions.
class nats_bridge : public reply_sink, public header_sink {
public:
  /// Connects; throws `bridge_error` when NATS cannot be reached.
  explicit nats_bridge(bridge_options options);
  ~nats_bridge() override;

  nats_bridge(const nats_bridge&) = delete;
  nats_bridge& operator=(const nats_bridge&) = delete;

  /// Subscribes `route` in its queue group; messages go to `dispatcher`,
  /// which must outlive the subscription. Throws `bridge_error`.
  void subscribe(const subject_route& route, message_dispatcher& dispatcher);

  /// Subscribes `subject` outside any queue group (every runtime on the
  /// server gets each message) and hands messages, with their Authorization
  /// header, to `handler` on nats.c's thread. Throws `bridge_error`.
  void subscribe_all(const std::string& subject, std::function<void(inbound_message&)> handler);

  /// Subscribes `subject` in `queue_group` and hands each message, with all
  /// its headers, to `handler` on nats.c's thread. Drained on stop like the
  /// agents' subscriptions. Throws `bridge_error`.
  void subscribe_group(const std::string& subject, const std::string& queue_group,
                       std::function<void(inbound_message&, message_headers&)> handler);

  /// Waits until the server has processed everything sent so far (a PING
  /// round trip); throws `bridge_error` after `limit`.
  void flush(std::chrono::milliseconds limit);

  /// Stops taking messages: every subscription is drained (what NATS already
  /// delivered still reaches the dispatcher), waiting up to `limit`.
  void drain(std::chrono::milliseconds limit);

  /// Sends what is buffered and closes the connection.
  void close(std::chrono::milliseconds flush_limit);

  bool publish(const std::string& subject, const std::string& payload) override;

  /// The server's max_payload, once connected.
  std::size_t max_payload() const override;

  bool publish_with_headers(const std::string& subject, const message_headers& headers,
                            const std::string& payload) override;

  /// The state of the link.
  link_status link() const;

  /// The URL of the server connected to, with any secret in it masked.
  std::string connected_url() const;

  /// The connection itself, for JetStream (the event log); null once closed.
  __natsConnection* native_connection() const {
    return connection_;
  }

private:
  struct subscription;
  /// Answers a message the dispatcher did not take.
  void refuse(const subscription& sub, dispatch_result why, const std::string& subject,
              const std::string& reply);
  /// The connection's event handlers, which nats.c calls on its threads.
  struct callbacks;
  friend struct callbacks;
  static void on_message(__natsConnection* nc, __natsSubscription* sub, __natsMsg* msg,
                         void* closure);

  bridge_options options_;
  __natsConnection* connection_ = nullptr;
  std::vector<std::unique_ptr<subscription>> subscriptions_;
  struct plain_subscription;
  std::vector<std::unique_ptr<plain_subscription>> plain_subscriptions_;
  struct group_subscription;
  std::vector<std::unique_ptr<group_subscription>> group_subscriptions_;
  std::shared_ptr<spdlog::logger> log_;
  /// Steady-clock milliseconds when the link went down; 0 while up.
  std::atomic<std::int64_t> down_since_ms_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> slow_consumer_events_{0};
  std::atomic<std::uint64_t> async_errors_{0};
};

} // namespace agent_runtime

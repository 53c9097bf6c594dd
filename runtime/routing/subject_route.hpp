#pragma once
// What the NATS bridge knows of routing: a subscription's subject leads to an
// agent slot; a dispatcher takes it from there. Free of CAF, so that the
// bridge can be tested with a fake dispatcher.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "routing/inbound_message.hpp"

namespace agent_runtime {

/// One subscription: its subject and queue group, and the agent it feeds.
struct subject_route {
  std::string subject;
  std::string queue_group;
  subject_kind kind = subject_kind::inbox;
  std::string agent;
  /// The agent's slot in the route table.
  std::size_t slot = 0;
};

/// What became of a message handed to a dispatcher.
enum class dispatch_result {
  /// An actor has it and will answer.
  accepted,
  /// The agent holds as much work as it may; the message was not taken.
  busy,
  /// No actor serves the agent right now; the message was not taken.
  no_actor,
  /// An operator took the agent's cluster out of service.
  disabled,
};

/// Takes messages from the bridge's threads to the agents.
class message_dispatcher {
public:
  virtual ~message_dispatcher() = default;

  /// Hands `message` to the agent behind `route`; moves from it only when
  /// the result is `accepted`.
  virtual dispatch_result dispatch(const subject_route& route, inbound_message& message) = 0;

  /// Requests refused as busy so far for the agent behind `route`.
  virtual std::uint64_t busy_count(const subject_route& route) const = 0;

  /// Requests the agent behind `route` may hold.
  virtual std::size_t in_flight_limit(const subject_route& route) const = 0;

  /// The cluster of the agent behind `route`.
  virtual std::string cluster_of(const subject_route& route) const = 0;
};

/// Where agents send their replies.
class reply_sink {
public:
  virtual ~reply_sink() = default;

  /// Publishes `payload` on `subject`; safe from any thread. False when the
  /// connection refused it.
  virtual bool publish(const std::string& subject, const std::string& payload) = 0;

  /// The largest payload `publish` can send (the NATS server's max_payload).
  virtual std::size_t max_payload() const {
    return std::numeric_limits<std::size_t>::max();
  }
};

} // namespace agent_runtime

#pragma once
// What the NATS bridge knows of routing: a subscription's subject leads to an
// agent slot; a dispatcher takes it from there. Free of CAF, so that the
// bridge can be tested with a fake dispatcher.

#include <cstddef>
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

/// Takes messages from the bridge's threads to the agents.
class message_dispatcher {
 public:
  virtual ~message_dispatcher() = default;

  /// Hands `message` to the agent behind `route`. False when no actor serves
  /// the agent right now; the message was not taken.
  virtual bool dispatch(const subject_route& route, inbound_message&& message) = 0;
};

/// Where agents send their replies.
class reply_sink {
 public:
  virtual ~reply_sink() = default;

  /// Publishes `payload` on `subject`; safe from any thread. False when the
  /// connection refused it.
  virtual bool publish(const std::string& subject, const std::string& payload) = 0;
};

} // namespace agent_runtime

#pragma once

#include <chrono>
#include <string>

namespace agent_runtime {

/// Which of an agent's three subscriptions a message came in on.
enum class subject_kind { inbox, broadcast, agent_ref };

/// A message from NATS on its way to an agent.
struct inbound_message {
  subject_kind kind = subject_kind::inbox;
  std::string subject;
  /// Empty when the sender expects no reply.
  std::string reply;
  std::string payload;
  /// The `Authorization` header, read only for admin subjects.
  std::string authorization;
  /// When the route table accepted it, for latencies.
  std::chrono::steady_clock::time_point received{};
};

/// The kind's name as in logs and metrics ("inbox", "broadcast", "agent-ref").
inline const char* to_string(subject_kind kind) {
  switch (kind) {
    case subject_kind::inbox:
      return "inbox";
    case subject_kind::broadcast:
      return "broadcast";
    case subject_kind::agent_ref:
      return "agent-ref";
  }
  return "unknown";
}

} // namespace agent_runtime

#pragma once
// Serves the conversation subjects of the unified scheme. A request on
// `agent.conversations.<id>.request` names its agent in the `Recipient`
// header; the relay hands it to that agent as a request by reference, with a
// reply subject of its own, and turns the agent's reply into a message on
// the conversation's `response` (or `error`) subject with the headers of the
// contract, sent also to the request's own reply subject when it has one.
// The agents never learn that a request was part of a conversation.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>

#include "routing/conversation.hpp"
#include "routing/subject_route.hpp"

namespace agent_runtime {

/// Publishes a message with NATS headers; safe from any thread.
class header_sink {
public:
  virtual ~header_sink() = default;

  /// False when the connection refused it.
  virtual bool publish_with_headers(const std::string& subject, const message_headers& headers,
                                    const std::string& payload) = 0;
};

/// An agent that a conversation may name.
struct conversation_target {
  /// `<cluster>.<name>.<id>`, the id in lowercase.
  std::string reference;
  /// The agent's agent-ref route: a conversation request is dispatched,
  /// counted and timed as a request by reference.
  subject_route route;
  /// Whether the agent's cluster has `unified_subjects` on.
  bool unified = false;
};

/// Between the conversation subjects and the agents; thread-safe.
class conversation_relay : public reply_sink {
public:
  /// Other replies go on to `replies`, conversation messages out through
  /// `headers`; both must outlive the relay.
  conversation_relay(reply_sink& replies, header_sink& headers,
                     std::vector<conversation_target> targets);

  /// Whether any agent serves conversations: if none, nothing subscribes.
  bool serves_any() const;

  /// The agents that serve conversations.
  std::size_t serving() const;

  /// Takes one request of `agent.conversations.*.request`: hands it to its
  /// agent through `dispatcher`, or refuses it on the conversation's `error`
  /// subject (and its reply subject), with a warn line and a count.
  void on_request(inbound_message& message, const message_headers& headers,
                  message_dispatcher& dispatcher);

  /// An agent's reply. One to a conversation goes out on the conversation's
  /// subjects; any other passes on to `replies`.
  bool publish(const std::string& subject, const std::string& payload) override;

  std::size_t max_payload() const override {
    return replies_.max_payload();
  }

  /// Requests refused before any agent saw them (bad headers, an agent that
  /// is not there or does not serve conversations, busy, disabled).
  std::uint64_t refused() const {
    return refused_.load(std::memory_order_relaxed);
  }

  /// Requests handed to an agent and not answered yet.
  std::size_t waiting() const;

private:
  /// A request handed to an agent: its conversation and its own reply subject.
  struct pending {
    conversation talk;
    std::string reply;
  };

  /// `quiet`: counted and answered, not logged.
  void refuse(const conversation& talk, const std::string& reply, const std::string& why,
              bool quiet = false);
  /// Sends a reply of the agent to the conversation, and to `reply`.
  void answer(const pending& open, const std::string& payload);
  std::string open(conversation talk, std::string reply);

  reply_sink& replies_;
  header_sink& headers_;
  std::unordered_map<std::string, conversation_target> targets_;
  std::size_t serving_ = 0;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, pending> pending_;
  std::uint64_t next_ = 0;
  std::atomic<std::uint64_t> refused_{0};
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace agent_runtime

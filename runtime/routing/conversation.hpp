#pragma once
// The conversation subjects of the unified scheme:
// `agent.conversations.<conversation-id>.request|response|error|status`, with
// the `Sender`, `Recipient`, `Conversation-Id` and `Correlation-Id` headers.
// Reading a request's headers and writing a reply's, free of NATS.

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace agent_runtime {

/// A message's NATS headers, name and value, in the order they came.
using message_headers = std::vector<std::pair<std::string, std::string>>;

/// The value of header `name` (compared without regard to case), or null.
const std::string* find_header(const message_headers& headers, const std::string& name);

/// Who talks to whom in one conversation request, and how to answer it.
struct conversation {
  /// The `<conversation-id>` token of the subject.
  std::string id;
  /// `Sender`: whoever asked; the replies' `Recipient`.
  std::string sender;
  /// `Recipient`: the agent asked, as `<cluster>.<name>.<id>` (id lowercase).
  std::string recipient;
  /// `Correlation-Id`: pairs the reply with the request; made up when absent.
  std::string correlation_id;
};

/// Why a conversation request cannot be delivered; what is known of it, so
/// that the refusal can still be sent on the conversation's subjects.
struct conversation_refusal {
  std::string message;
  conversation known;
};

namespace conversation_subjects {

/// `agent.conversations.*.request`: what the runtime subscribes to.
std::string requests();

/// `agent.conversations.<id>.<kind>` (`response`, `error`, `status`).
std::string of(const std::string& conversation_id, const char* kind);

} // namespace conversation_subjects

/// Reads a request that came in on `subject` with `headers`: its subject
/// must be `agent.conversations.<id>.request`, `Recipient` name an agent as
/// `<cluster>.<name>.<id>`, `Sender` be there, and `Conversation-Id`, when
/// given, be the subject's. A missing `Correlation-Id` is made up (UUID v7).
std::variant<conversation, conversation_refusal>
read_conversation_request(const std::string& subject, const message_headers& headers);

/// The headers of a message from the recipient back to the sender.
message_headers reply_headers(const conversation& c);

} // namespace agent_runtime

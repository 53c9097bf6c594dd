#include "routing/conversation.hpp"

#include <algorithm>
#include <cctype>

#include "events/event_envelope.hpp"

namespace agent_runtime {
namespace {

constexpr const char* prefix = "agent.conversations.";
constexpr const char* request_suffix = ".request";

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// A subject token: not empty, no dot, no wildcard, no white space.
bool is_token(const std::string& text) {
  return !text.empty() && std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return c == '.' || c == '*' || c == '>' || std::isspace(c) || std::iscntrl(c);
  });
}

/// `<cluster>.<name>.<id>`: three tokens.
bool is_reference(const std::string& text) {
  const auto first = text.find('.');
  if (first == std::string::npos)
    return false;
  const auto second = text.find('.', first + 1);
  if (second == std::string::npos)
    return false;
  return is_token(text.substr(0, first)) && is_token(text.substr(first + 1, second - first - 1)) &&
         is_token(text.substr(second + 1));
}

/// The `<conversation-id>` of `agent.conversations.<id>.request`, or empty.
std::string conversation_id_of(const std::string& subject) {
  const std::string head = prefix;
  const std::string tail = request_suffix;
  if (subject.size() <= head.size() + tail.size() || subject.compare(0, head.size(), head) != 0 ||
      subject.compare(subject.size() - tail.size(), tail.size(), tail) != 0)
    return {};
  std::string id = subject.substr(head.size(), subject.size() - head.size() - tail.size());
  return is_token(id) ? id : std::string();
}

} // namespace

const std::string* find_header(const message_headers& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name))
      return &value;
  }
  return nullptr;
}

namespace conversation_subjects {

std::string requests() {
  return std::string(prefix) + "*" + request_suffix;
}

std::string of(const std::string& conversation_id, const char* kind) {
  return prefix + conversation_id + "." + kind;
}

} // namespace conversation_subjects

std::variant<conversation, conversation_refusal>
read_conversation_request(const std::string& subject, const message_headers& headers) {
  conversation c;
  c.id = conversation_id_of(subject);
  if (c.id.empty())
    return conversation_refusal{
      "subject " + subject + " is not agent.conversations.<conversation-id>.request", c};
  if (const std::string* sender = find_header(headers, "Sender"))
    c.sender = *sender;
  if (const std::string* correlation = find_header(headers, "Correlation-Id"))
    c.correlation_id = *correlation;
  if (c.correlation_id.empty())
    c.correlation_id = new_uuid_v7();

  const std::string* recipient = find_header(headers, "Recipient");
  if (!recipient || recipient->empty())
    return conversation_refusal{"header Recipient is missing: name the agent as "
                                "<cluster>.<name>.<id>",
                                c};
  if (!is_reference(*recipient))
    return conversation_refusal{
      "header Recipient '" + *recipient + "' is not <cluster>.<name>.<id>", c};
  c.recipient = lowercase(*recipient);
  if (c.sender.empty())
    return conversation_refusal{"header Sender is missing: say who asks, so that the reply "
                                "can name its Recipient",
                                c};
  const std::string* named = find_header(headers, "Conversation-Id");
  if (named && *named != c.id)
    return conversation_refusal{
      "header Conversation-Id '" + *named + "' is not the subject's conversation " + c.id, c};
  return c;
}

message_headers reply_headers(const conversation& c) {
  message_headers headers;
  const std::pair<const char*, const std::string*> fields[] = {
    {"Sender", &c.recipient},
    {"Recipient", &c.sender},
    {"Conversation-Id", &c.id},
    {"Correlation-Id", &c.correlation_id}};
  for (const auto& [name, value] : fields) {
    if (!value->empty())
      headers.emplace_back(name, *value);
  }
  return headers;
}

} // namespace agent_runtime

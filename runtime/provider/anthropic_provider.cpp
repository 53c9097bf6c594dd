#include "provider/anthropic_provider.hpp"

#include <algorithm>

#include "provider/sse_decoder.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;

/// The API requires max_tokens; this is used when the config has none.
constexpr long default_max_tokens = 4096;

/// Events typed by their data's `type`: text arrives in
/// `content_block_delta` (`text_delta`), the end is `message_stop`.
class messages_decoder : public sse_decoder {
public:
  const char* protocol() const override {
    return "an Anthropic message stream";
  }

  const char* end_marker() const override {
    return "its message_stop event";
  }

protected:
  std::optional<std::string> on_event(const std::string&, const std::string& data,
                                      const text_handler& on_text) override {
    const json object = json::parse(data, nullptr, false);
    const std::string where = "event " + std::to_string(event_number());
    if (!object.is_object() || !object.contains("type") || !object["type"].is_string())
      return not_protocol(where + " is not a JSON object with a type");

    const std::string type = object["type"].get<std::string>();
    if (type == "content_block_delta") {
      const json& delta = object.value("delta", json::object());
      if (delta.value("type", "") == "text_delta" && delta.contains("text") &&
          delta["text"].is_string())
        on_text(delta["text"].get<std::string>());
    } else if (type == "message_stop") {
      mark_finished();
    } else if (type == "error") {
      const json& error = object.value("error", json::object());
      const auto message = error.find("message");
      return "the model server reported an error: " +
             (message != error.end() && message->is_string() ? message->get<std::string>()
                                                             : error.dump());
    }
    return std::nullopt;
  }
};

} // namespace

std::string anthropic_provider::target_for(const http_endpoint& endpoint) const {
  return endpoint.path + (endpoint.path_ends_with("/v1") ? "" : "/v1") + "/messages";
}

json anthropic_provider::body_for(const chat_request& request) const {
  const model_config& m = request.model;
  std::string system;
  json messages = json::array();
  for (const chat_message& message : request.messages) {
    if (message.role != "system") {
      messages.push_back({{"role", message.role}, {"content", message.content}});
    } else if (!message.content.empty()) {
      system += (system.empty() ? "" : "\n\n") + message.content;
    }
  }

  json body = {{"model", m.model_name},
               {"messages", std::move(messages)},
               {"max_tokens", m.max_tokens ? *m.max_tokens : default_max_tokens},
               {"stream", true}};
  if (!system.empty())
    body["system"] = system;
  // The Messages API takes temperatures up to 1 and has no penalties.
  if (m.temperature)
    body["temperature"] = std::min(*m.temperature, 1.0);
  if (m.top_p)
    body["top_p"] = *m.top_p;
  if (!m.stop_sequences.empty())
    body["stop_sequences"] = m.stop_sequences;
  return body;
}

http_provider::header_list anthropic_provider::headers_for(const std::string& key) const {
  return {{"Accept", "text/event-stream"}, {"x-api-key", key}, {"anthropic-version", "2023-06-01"}};
}

std::unique_ptr<stream_decoder> anthropic_provider::make_decoder() const {
  return std::make_unique<messages_decoder>();
}

} // namespace agent_runtime

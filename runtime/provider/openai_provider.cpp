#include "provider/openai_provider.hpp"

#include "provider/sse_decoder.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;

/// `data: {"choices":[{"delta":{"content":...}}]}` events, then
/// `data: [DONE]`. A first choice with a `finish_reason` also ends the
/// answer, for servers that close without `[DONE]`.
class chat_completion_decoder : public sse_decoder {
public:
  const char* protocol() const override {
    return "an OpenAI chat completion stream";
  }

  const char* end_marker() const override {
    return "its final data: [DONE] event";
  }

protected:
  std::optional<std::string> on_event(const std::string&, const std::string& data,
                                      const text_handler& on_text) override {
    if (data == "[DONE]") {
      mark_finished();
      return std::nullopt;
    }
    const json object = json::parse(data, nullptr, false);
    const std::string where = "event " + std::to_string(event_number());
    if (!object.is_object())
      return not_protocol(where + " is not a JSON object");
    if (object.contains("error"))
      return "the model server reported an error: " + error_text(object["error"]);
    const auto choices = object.find("choices");
    if (choices == object.end() || !choices->is_array())
      return not_protocol(where + " has no choices");

    for (const json& choice : *choices) {
      if (!choice.is_object() || choice.value("index", 0) != 0)
        continue;
      const auto delta = choice.find("delta");
      if (delta != choice.end() && delta->is_object()) {
        const auto content = delta->find("content");
        if (content != delta->end() && content->is_string())
          on_text(content->get<std::string>());
      }
      const auto reason = choice.find("finish_reason");
      if (reason != choice.end() && !reason->is_null())
        mark_finished();
    }
    return std::nullopt;
  }

private:
  static std::string error_text(const json& error) {
    if (error.is_object() && error.contains("message") && error["message"].is_string())
      return error["message"].get<std::string>();
    return error.is_string() ? error.get<std::string>() : error.dump();
  }
};

} // namespace

std::string openai_provider::target_for(const http_endpoint& endpoint) const {
  return endpoint.path + (endpoint.path_ends_with("/v1") ? "" : "/v1") + "/chat/completions";
}

json openai_provider::body_for(const chat_request& request) const {
  const model_config& m = request.model;
  json body = {{"model", m.model_name}, {"messages", messages_json(request)}, {"stream", true}};
  if (m.temperature)
    body["temperature"] = *m.temperature;
  if (m.top_p)
    body["top_p"] = *m.top_p;
  if (m.max_tokens)
    body["max_tokens"] = *m.max_tokens;
  if (!m.stop_sequences.empty())
    body["stop"] = m.stop_sequences;
  if (m.frequency_penalty)
    body["frequency_penalty"] = *m.frequency_penalty;
  if (m.presence_penalty)
    body["presence_penalty"] = *m.presence_penalty;
  return body;
}

http_provider::header_list openai_provider::headers_for(const std::string& key) const {
  header_list headers = {{"Accept", "text/event-stream"}};
  if (!key.empty())
    headers.emplace_back("Authorization", "Bearer " + key);
  return headers;
}

std::unique_ptr<stream_decoder> openai_provider::make_decoder() const {
  return std::make_unique<chat_completion_decoder>();
}

} // namespace agent_runtime

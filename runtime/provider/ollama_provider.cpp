#include "provider/ollama_provider.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;

/// One JSON object per line: `{"message":{"content":...},"done":false}`,
/// then `{"done":true,...}`; `{"error":...}` when the model fails mid-way.
class ndjson_chat_decoder : public stream_decoder {
public:
  const char* protocol() const override {
    return "Ollama's stream of JSON lines";
  }

  const char* end_marker() const override {
    return "its final {\"done\":true} line";
  }

protected:
  std::optional<std::string> on_line(std::string_view line, const text_handler& on_text) override {
    if (line.find_first_not_of(" \t") == std::string_view::npos)
      return std::nullopt;
    const json object = json::parse(line, nullptr, false);
    const std::string where = "line " + std::to_string(line_number());
    if (!object.is_object())
      return not_protocol(where + " is not a JSON object");
    if (object.contains("error"))
      return "the model server reported an error: " + error_text(object["error"]);

    const auto message = object.find("message");
    const auto done = object.find("done");
    if (message == object.end() && done == object.end())
      return not_protocol(where + " has neither message nor done");
    if (message != object.end()) {
      const auto content = message->is_object() ? message->find("content") : message->end();
      if (content != message->end() && content->is_string())
        on_text(content->get<std::string>());
    }
    if (done != object.end() && done->is_boolean() && done->get<bool>())
      mark_finished();
    return std::nullopt;
  }

private:
  static std::string error_text(const json& error) {
    return error.is_string() ? error.get<std::string>() : error.dump();
  }
};

} // namespace

std::string ollama_provider::target_for(const http_endpoint& endpoint) const {
  return endpoint.path + (endpoint.path_ends_with("/api") ? "/chat" : "/api/chat");
}

json ollama_provider::body_for(const chat_request& request) const {
  const model_config& m = request.model;
  json options = json::object();
  if (m.temperature)
    options["temperature"] = *m.temperature;
  if (m.top_p)
    options["top_p"] = *m.top_p;
  if (m.max_tokens)
    options["num_predict"] = *m.max_tokens;
  if (!m.stop_sequences.empty())
    options["stop"] = m.stop_sequences;
  if (m.frequency_penalty)
    options["frequency_penalty"] = *m.frequency_penalty;
  if (m.presence_penalty)
    options["presence_penalty"] = *m.presence_penalty;

  json body = {{"model", m.model_name}, {"messages", messages_json(request)}, {"stream", true}};
  if (!options.empty())
    body["options"] = std::move(options);
  return body;
}

http_provider::header_list ollama_provider::headers_for(const std::string& key) const {
  header_list headers = {{"Accept", "application/x-ndjson"}};
  if (!key.empty())
    headers.emplace_back("Authorization", "Bearer " + key);
  return headers;
}

std::unique_ptr<stream_decoder> ollama_provider::make_decoder() const {
  return std::make_unique<ndjson_chat_decoder>();
}

} // namespace agent_runtime

#pragma once
// The bytes real model servers stream, for the test HTTP server to send:
// Ollama's JSON lines, OpenAI's and Anthropic's server-sent events.

#include <string>

#include <nlohmann/json.hpp>

namespace agent_runtime::testing::wire {

/// One Ollama line carrying `text`.
inline std::string ollama_line(const std::string& text) {
  nlohmann::json line = {{"model", "llama3"},
                         {"created_at", "2024-05-01T10:00:00.000000Z"},
                         {"message", {{"role", "assistant"}, {"content", text}}},
                         {"done", false}};
  return line.dump() + "\n";
}

/// Ollama's last line.
inline std::string ollama_done() {
  nlohmann::json line = {{"model", "llama3"},
                         {"created_at", "2024-05-01T10:00:01.000000Z"},
                         {"message", {{"role", "assistant"}, {"content", ""}}},
                         {"done_reason", "stop"},
                         {"done", true},
                         {"total_duration", 1000},
                         {"eval_count", 3}};
  return line.dump() + "\n";
}

inline std::string sse(const nlohmann::json& data, const std::string& event = {}) {
  return (event.empty() ? "" : "event: " + event + "\n") + "data: " + data.dump() + "\n\n";
}

inline nlohmann::json openai_chunk(const nlohmann::json& delta, const nlohmann::json& finish) {
  return {{"id", "chatcmpl-1"},
          {"object", "chat.completion.chunk"},
          {"created", 1714557600},
          {"model", "qwen"},
          {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
}

/// The first OpenAI event, which names the role and carries no text.
inline std::string openai_role() {
  return sse(openai_chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
}

/// One OpenAI event carrying `text`.
inline std::string openai_text(const std::string& text) {
  return sse(openai_chunk({{"content", text}}, nullptr));
}

/// The OpenAI event with the finish reason, then `[DONE]`.
inline std::string openai_end() {
  return sse(openai_chunk(nlohmann::json::object(), "stop")) + "data: [DONE]\n\n";
}

/// Anthropic's events before the first text.
inline std::string anthropic_start() {
  return sse({{"type", "message_start"},
              {"message",
               {{"id", "msg_1"},
                {"type", "message"},
                {"role", "assistant"},
                {"content", nlohmann::json::array()}}}},
             "message_start") +
         sse({{"type", "content_block_start"},
              {"index", 0},
              {"content_block", {{"type", "text"}, {"text", ""}}}},
             "content_block_start") +
         sse({{"type", "ping"}}, "ping");
}

/// One Anthropic event carrying `text`.
inline std::string anthropic_text(const std::string& text) {
  return sse({{"type", "content_block_delta"},
              {"index", 0},
              {"delta", {{"type", "text_delta"}, {"text", text}}}},
             "content_block_delta");
}

/// Anthropic's events after the last text.
inline std::string anthropic_end() {
  return sse({{"type", "content_block_stop"}, {"index", 0}}, "content_block_stop") +
         sse({{"type", "message_delta"}, {"delta", {{"stop_reason", "end_turn"}}}},
             "message_delta") +
         sse({{"type", "message_stop"}}, "message_stop");
}

} // namespace agent_runtime::testing::wire

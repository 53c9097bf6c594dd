#pragma once

#include <optional>
#include <string>
#include <vector>

namespace agent_runtime {

/// Which model an agent talks to, and how.
struct model_config {
  /// `openai`, `anthropic`, `ollama` or `mock`.
  std::string provider = "mock";
  std::string model_name;
  /// Base URL of the model server; empty for the provider's default.
  std::string api_endpoint;
  /// Name of the environment variable that holds the API key; empty for the
  /// provider's default (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`). Never the key.
  std::string api_key_env;
  /// Limit for one whole model request; unset for the provider's default.
  std::optional<double> timeout_seconds;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<long> max_tokens;
  std::optional<double> frequency_penalty;
  std::optional<double> presence_penalty;
  std::vector<std::string> stop_sequences;
  /// Replaces the definition's system prompt when set by ConfigureModel.
  std::optional<std::string> system_prompt;
};

/// What is wrong with a model configuration: the field and why.
struct model_config_problem {
  std::string field;
  std::string message;
};

/// Whether `name` is a provider this runtime knows.
bool is_known_provider(const std::string& name);

/// Checks names and ranges (temperature 0..2, top_p 0..1, max_tokens > 0,
/// penalties -2..2, timeout_seconds > 0); the first problem found, if any.
std::optional<model_config_problem> validate(const model_config& config);

} // namespace agent_runtime

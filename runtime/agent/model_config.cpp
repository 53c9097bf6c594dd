#include "agent/model_config.hpp"

#include <array>

#include "provider/http_endpoint.hpp"

namespace agent_runtime {

bool is_known_provider(const std::string& name) {
  static const std::array<const char*, 4> known = {"openai", "anthropic", "ollama", "mock"};
  for (const char* k : known) {
    if (name == k)
      return true;
  }
  return false;
}

std::optional<model_config_problem> validate(const model_config& config) {
  auto outside = [](const std::optional<double>& v, double lo, double hi) {
    return v && (*v < lo || *v > hi);
  };
  if (!is_known_provider(config.provider))
    return model_config_problem{"provider", "unknown provider '" + config.provider +
                                              "' (expected openai, anthropic, ollama or mock)"};
  if (config.model_name.empty())
    return model_config_problem{"model_name", "must not be empty"};
  if (outside(config.temperature, 0.0, 2.0))
    return model_config_problem{"temperature", "must be between 0 and 2"};
  if (outside(config.top_p, 0.0, 1.0))
    return model_config_problem{"top_p", "must be between 0 and 1"};
  if (config.max_tokens && *config.max_tokens <= 0)
    return model_config_problem{"max_tokens", "must be a positive integer"};
  if (outside(config.frequency_penalty, -2.0, 2.0))
    return model_config_problem{"frequency_penalty", "must be between -2 and 2"};
  if (outside(config.presence_penalty, -2.0, 2.0))
    return model_config_problem{"presence_penalty", "must be between -2 and 2"};
  // Not echoed: a URL may carry a password.
  if (!config.api_endpoint.empty() && !http_endpoint::parse(config.api_endpoint))
    return model_config_problem{"api_endpoint",
                                config.api_endpoint.find('@') != std::string::npos
                                  ? "must not carry credentials (the key goes in api_key_env)"
                                  : "must be an http:// or https:// URL with a host"};
  if (config.timeout_seconds && *config.timeout_seconds <= 0)
    return model_config_problem{"timeout_seconds", "must be a positive number"};
  return std::nullopt;
}

} // namespace agent_runtime

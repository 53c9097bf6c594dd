#pragma once
// Requests as an agent makes them, for provider tests.

#include <string>

#include "provider/model_provider.hpp"

namespace agent_runtime::testing {

/// A request from `agent` to `model` at `endpoint`: system prompt, a
/// context of two turns, then the question.
inline chat_request chat_for(const std::string& provider, const std::string& endpoint,
                             const std::string& model = "llama3",
                             const std::string& agent = "sage") {
  chat_request request;
  request.agent = agent;
  request.message_id = "01936f11-4ea2-7000-8000-0000000000aa";
  request.model.provider = provider;
  request.model.model_name = model;
  request.model.api_endpoint = endpoint;
  request.messages = {{"system", "You are Sage."},
                      {"user", "earlier question"},
                      {"assistant", "earlier answer"},
                      {"user", "what now?"}};
  return request;
}

} // namespace agent_runtime::testing

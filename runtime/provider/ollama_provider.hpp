#pragma once

#include "provider/http_provider.hpp"

namespace agent_runtime {

/// Ollama's own chat API: `POST {endpoint}/api/chat` with `stream: true`,
/// answered with one JSON object per line up to `{"done":true}`. Needs no
/// key; one named by `api_key_env` is sent as a bearer token (for a proxy).
class ollama_provider : public http_provider {
public:
  using http_provider::http_provider;

  const char* name() const override {
    return "ollama";
  }

protected:
  const char* default_endpoint() const override {
    return "http://127.0.0.1:11434";
  }

  std::string target_for(const http_endpoint& endpoint) const override;
  nlohmann::json body_for(const chat_request& request) const override;
  header_list headers_for(const std::string& key) const override;
  std::unique_ptr<stream_decoder> make_decoder() const override;
};

} // namespace agent_runtime

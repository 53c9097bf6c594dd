#pragma once

#include "provider/http_provider.hpp"

namespace agent_runtime {

/// Any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama's /v1):
/// `POST {endpoint}/v1/chat/completions` with `stream: true`, answered with
/// server-sent events up to `data: [DONE]`. The key, if any, comes from the
/// variable named by `api_key_env`, else `OPENAI_API_KEY`.
class openai_provider : public http_provider {
public:
  using http_provider::http_provider;

  const char* name() const override {
    return "openai";
  }

protected:
  const char* default_endpoint() const override {
    return "http://127.0.0.1:8000";
  }

  const char* default_key_env() const override {
    return "OPENAI_API_KEY";
  }

  std::string target_for(const http_endpoint& endpoint) const override;
  nlohmann::json body_for(const chat_request& request) const override;
  header_list headers_for(const std::string& key) const override;
  std::unique_ptr<stream_decoder> make_decoder() const override;
};

} // namespace agent_runtime

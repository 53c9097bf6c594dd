#pragma once

#include "provider/http_provider.hpp"

namespace agent_runtime {

/// Anthropic's Messages API: `POST {endpoint}/v1/messages` with
/// `stream: true`, answered with server-sent events (`content_block_delta`
/// ... `message_stop`). System messages go in the top-level `system` field.
/// Needs a key: the variable named by `api_key_env`, else `ANTHROPIC_API_KEY`.
class anthropic_provider : public http_provider {
public:
  using http_provider::http_provider;

  const char* name() const override {
    return "anthropic";
  }

protected:
  const char* default_endpoint() const override {
    return "https://api.anthropic.com";
  }

  const char* default_key_env() const override {
    return "ANTHROPIC_API_KEY";
  }

  bool key_required() const override {
    return true;
  }

  std::string target_for(const http_endpoint& endpoint) const override;
  nlohmann::json body_for(const chat_request& request) const override;
  header_list headers_for(const std::string& key) const override;
  std::unique_ptr<stream_decoder> make_decoder() const override;
};

} // namespace agent_runtime

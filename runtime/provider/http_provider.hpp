#pragma once
// What the network providers share: the way of a request over HTTP, its
// limits and API key, streaming the answer, and how each failure reads.
// Subclasses only describe their wire protocol.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "provider/http_client.hpp"
#include "provider/model_provider.hpp"
#include "provider/stream_decoder.hpp"

namespace agent_runtime {

/// Limits of the network providers' requests.
struct http_provider_options {
  /// Limit for connecting to the model server (and the TLS handshake).
  std::chrono::milliseconds connect_timeout{10000};
  /// Limit for one whole request, unless the model config sets `timeout_seconds`.
  std::chrono::milliseconds request_timeout{120000};
};

/// A provider that streams answers from a model server over HTTP. Every
/// request ends in `on_done` exactly once, on the client's I/O thread (or at
/// once, when the request cannot even be sent), with an error that names
/// the provider, the server and what went wrong.
class http_provider : public model_provider {
public:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  http_provider(std::shared_ptr<http_client> client, http_provider_options options);

  void complete(const chat_request& request, chunk_handler on_chunk, done_handler on_done) final;

protected:
  /// The server's base URL when the model config names none.
  virtual const char* default_endpoint() const = 0;

  /// The path of the chat call for `endpoint`.
  virtual std::string target_for(const http_endpoint& endpoint) const = 0;

  /// The request body for `request`.
  virtual nlohmann::json body_for(const chat_request& request) const = 0;

  /// The headers of a request; `key` is the API key, or empty for none.
  virtual header_list headers_for(const std::string& key) const = 0;

  /// A decoder for one streamed answer.
  virtual std::unique_ptr<stream_decoder> make_decoder() const = 0;

  /// The environment variable holding the key when the config names none;
  /// null when the provider needs no key by default.
  virtual const char* default_key_env() const {
    return nullptr;
  }

  /// Whether a request without a key is refused before it is sent.
  virtual bool key_required() const {
    return false;
  }

  /// The chat's messages as `[{role, content}, ...]`, in order; an empty
  /// system prompt is left out.
  static nlohmann::json messages_json(const chat_request& request);

private:
  class exchange;

  /// Fills `out` for `request`; why it cannot be sent, if it cannot.
  std::optional<std::string> prepare(const chat_request& request, http_request& out) const;

  std::shared_ptr<http_client> client_;
  http_provider_options options_;
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace agent_runtime

#pragma once
// The seam between an agent and the model that answers for it. Each provider
// (mock, ollama, openai, ...) implements this interface; agents never know
// which one they talk to.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/model_config.hpp"

namespace agent_runtime {

/// One message of a chat, in the order the model reads them.
struct chat_message {
  std::string role;
  std::string content;
};

/// What an agent asks its model.
struct chat_request {
  std::string agent;
  std::string message_id;
  model_config model;
  /// System prompt first, then the context, then the user's content.
  std::vector<chat_message> messages;
};

/// How a request ended: the whole answer, or why there is none.
struct chat_result {
  bool ok = false;
  std::string text;
  std::string error;
  std::size_t chunks = 0;
};

/// A model provider. `complete` may answer before it returns (mock) or
/// later from another thread (network providers); it never blocks the
/// caller on the network.
class model_provider {
public:
  /// Called once per piece of the answer, in order.
  using chunk_handler = std::function<void(std::size_t index, const std::string& text)>;
  /// Called exactly once when the request ends.
  using done_handler = std::function<void(chat_result)>;

  virtual ~model_provider() = default;

  /// The provider's name as in a model config ("mock", ...).
  virtual const char* name() const = 0;

  /// Starts answering `request`.
  virtual void complete(const chat_request& request, chunk_handler on_chunk,
                        done_handler on_done) = 0;
};

class http_client;

/// Finds the provider for a model config's `provider` name. `shutdown`, or
/// destroying the registry, ends the network providers' requests in flight
/// (each gets `on_done` with an error) and joins their I/O thread; neither
/// may happen in a provider's callback.
class provider_registry {
public:
  /// A registry with the providers this build has: mock, ollama, openai and
  /// anthropic, the network ones with their default limits.
  static std::shared_ptr<provider_registry> with_builtin_providers();

  /// Adds `provider`, replacing one of the same name.
  void add(std::shared_ptr<model_provider> provider);

  /// The provider called `name`, or null when this build has none.
  model_provider* find(const std::string& name) const;

  /// Ends every network request in flight with an error and refuses new
  /// ones, each with an error at once. Safe to call twice.
  void shutdown();

private:
  std::vector<std::shared_ptr<model_provider>> providers_;
  /// The network providers' shared I/O thread, when the registry has them.
  std::shared_ptr<http_client> http_;
};

} // namespace agent_runtime

#include "provider/anthropic_provider.hpp"
#include "provider/mock_provider.hpp"
#include "provider/model_provider.hpp"
#include "provider/ollama_provider.hpp"
#include "provider/openai_provider.hpp"

namespace agent_runtime {

std::shared_ptr<provider_registry> provider_registry::with_builtin_providers() {
  auto registry = std::make_shared<provider_registry>();
  registry->add(std::make_shared<mock_provider>());

  // The network providers share one I/O thread; it stops and joins when the
  // last of them goes with the registry.
  registry->http_ = std::make_shared<http_client>();
  const http_provider_options limits;
  registry->add(std::make_shared<ollama_provider>(registry->http_, limits));
  registry->add(std::make_shared<openai_provider>(registry->http_, limits));
  registry->add(std::make_shared<anthropic_provider>(registry->http_, limits));
  return registry;
}

void provider_registry::add(std::shared_ptr<model_provider> provider) {
  for (auto& existing : providers_) {
    if (std::string(existing->name()) == provider->name()) {
      existing = std::move(provider);
      return;
    }
  }
  providers_.push_back(std::move(provider));
}

void provider_registry::shutdown() {
  if (http_)
    http_->shutdown();
}

model_provider* provider_registry::find(const std::string& name) const {
  for (const auto& p : providers_) {
    if (name == p->name())
      return p.get();
  }
  return nullptr;
}

} // namespace agent_runtime

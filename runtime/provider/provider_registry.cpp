#include "provider/mock_provider.hpp"
#include "provider/model_provider.hpp"

namespace agent_runtime {

std::shared_ptr<provider_registry> provider_registry::with_builtin_providers() {
  auto registry = std::make_shared<provider_registry>();
  registry->add(std::make_shared<mock_provider>());
  // TODO: ollama, openai and anthropic arrive with the model-provider issue;
  // until then an agent configured for them answers SendMessage with an error.
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

model_provider* provider_registry::find(const std::string& name) const {
  for (const auto& p : providers_) {
    if (name == p->name())
      return p.get();
  }
  return nullptr;
}

} // namespace agent_runtime

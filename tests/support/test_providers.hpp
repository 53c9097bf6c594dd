#pragma once
// Model providers that misbehave on purpose, for supervision tests.

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "provider/mock_provider.hpp"

namespace agent_runtime::testing {

/// Throws from `complete`, as a buggy provider or agent code would. It
/// stands in for the contract's `anthropic` provider.
class throwing_provider : public model_provider {
public:
  const char* name() const override {
    return "anthropic";
  }
  void complete(const chat_request&, chunk_handler, done_handler) override {
    throw std::runtime_error("provider blew up");
  }
};

/// Holds every request until `release`, then answers them as the mock does.
/// It stands in for the contract's `openai` provider.
class gated_provider : public model_provider {
public:
  const char* name() const override {
    return "openai";
  }

  void complete(const chat_request& request, chunk_handler, done_handler on_done) override {
    std::lock_guard<std::mutex> guard(mutex_);
    held_.push_back({request, std::move(on_done)});
    changed_.notify_all();
  }

  /// Waits until `n` requests are held.
  bool wait_for_held(std::size_t n, std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> guard(mutex_);
    return changed_.wait_for(guard, limit, [&] { return held_.size() >= n; });
  }

  /// Answers every held request.
  void release() {
    std::vector<std::pair<chat_request, done_handler>> held;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      held.swap(held_);
    }
    for (auto& [request, on_done] : held) {
      chat_result result;
      result.ok = true;
      result.text = mock_provider::answer_for(request);
      on_done(result);
    }
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<chat_request, done_handler>> held_;
};

/// The built-in providers plus the misbehaving ones.
inline std::shared_ptr<provider_registry> test_registry(std::shared_ptr<gated_provider> gated) {
  auto registry = provider_registry::with_builtin_providers();
  registry->add(std::make_shared<throwing_provider>());
  registry->add(std::move(gated));
  return registry;
}

} // namespace agent_runtime::testing

#pragma once
// Watches one model request from the test's side: the chunks and the end,
// whichever thread they come from.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "provider/model_provider.hpp"

namespace agent_runtime::testing {

/// The chunks and the result of one request.
class answer_probe {
public:
  answer_probe() : state_(std::make_shared<state>()) {}

  /// The chunk handler to pass to `complete`.
  model_provider::chunk_handler on_chunk() const {
    return [s = state_](std::size_t index, const std::string& text) {
      std::lock_guard<std::mutex> guard(s->mutex);
      s->indexes.push_back(index);
      s->chunks.push_back(text);
      s->changed.notify_all();
    };
  }

  /// The done handler to pass to `complete`.
  model_provider::done_handler on_done() const {
    return [s = state_](chat_result result) {
      std::lock_guard<std::mutex> guard(s->mutex);
      ++s->done_calls;
      s->result = std::move(result);
      s->changed.notify_all();
    };
  }

  /// Waits until `n` chunks have arrived; false after `limit`.
  bool wait_chunks(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> guard(state_->mutex);
    return state_->changed.wait_for(guard, limit, [&] { return state_->chunks.size() >= n; });
  }

  /// The result once the request has ended; nothing after `limit`.
  std::optional<chat_result> wait(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> guard(state_->mutex);
    state_->changed.wait_for(guard, limit, [&] { return state_->result.has_value(); });
    return state_->result;
  }

  bool ended() const {
    std::lock_guard<std::mutex> guard(state_->mutex);
    return state_->result.has_value();
  }

  std::vector<std::string> chunks() const {
    std::lock_guard<std::mutex> guard(state_->mutex);
    return state_->chunks;
  }

  std::vector<std::size_t> indexes() const {
    std::lock_guard<std::mutex> guard(state_->mutex);
    return state_->indexes;
  }

  int done_calls() const {
    std::lock_guard<std::mutex> guard(state_->mutex);
    return state_->done_calls;
  }

private:
  struct state {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> chunks;
    std::vector<std::size_t> indexes;
    std::optional<chat_result> result;
    int done_calls = 0;
  };
  std::shared_ptr<state> state_;
};

} // namespace agent_runtime::testing

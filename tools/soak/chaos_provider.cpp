#include "soak/chaos_provider.hpp"

#include <stdexcept>

#include "provider/mock_provider.hpp"

namespace agent_runtime::soak {

chaos_provider::chaos_provider(std::string stands_in_for) : name_(std::move(stands_in_for)) {}

void chaos_provider::complete(const chat_request& request, chunk_handler on_chunk,
                              done_handler on_done) {
  switch (mode_.load()) {
    case chaos_mode::answer: {
      chat_result result;
      result.ok = true;
      result.text = mock_provider::answer_for(request);
      result.chunks = 1;
      if (on_chunk)
        on_chunk(0, result.text);
      on_done(std::move(result));
      return;
    }
    case chaos_mode::fail: {
      chat_result result;
      result.error = "chaos: the model server answered 500";
      on_done(std::move(result));
      return;
    }
    case chaos_mode::hang: {
      std::lock_guard<std::mutex> guard(mutex_);
      // Checked again under the lock: a request must not be held after the
      // hang has ended, or nothing would ever answer it.
      if (mode_.load() == chaos_mode::hang) {
        held_.push_back(std::move(on_done));
        return;
      }
      break;
    }
    case chaos_mode::throw_in_handler:
      throw std::runtime_error("chaos: provider code threw");
  }
  chat_result late;
  late.error = "chaos: the model server timed out";
  on_done(std::move(late));
}

void chaos_provider::set_mode(chaos_mode mode) {
  const chaos_mode before = mode_.exchange(mode);
  if (before == chaos_mode::hang && mode != chaos_mode::hang)
    end_held("chaos: the model server timed out");
}

void chaos_provider::end_held(const std::string& why) {
  std::vector<done_handler> held;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    held.swap(held_);
  }
  for (auto& on_done : held) {
    chat_result result;
    result.error = why;
    on_done(std::move(result));
  }
}

const char* to_string(chaos_mode mode) {
  switch (mode) {
    case chaos_mode::answer:
      return "answer";
    case chaos_mode::fail:
      return "fail";
    case chaos_mode::hang:
      return "hang";
    case chaos_mode::throw_in_handler:
      return "throw";
  }
  return "unknown";
}

} // namespace agent_runtime::soak

#pragma once
// A model provider whose behaviour the soak switches at run time: it answers
// as the mock does, fails every request, holds every request (a hung model
// server) until told to let go, or throws from inside the agent's handler.

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "provider/model_provider.hpp"

namespace agent_runtime::soak {

/// What the provider does with the next request.
enum class chaos_mode { answer, fail, hang, throw_in_handler };

/// Stands in for one of the contract's provider names, so that agents can be
/// pointed at it with a plain ConfigureModel.
class chaos_provider : public model_provider {
public:
  explicit chaos_provider(std::string stands_in_for);

  const char* name() const override {
    return name_.c_str();
  }

  void complete(const chat_request& request, chunk_handler on_chunk, done_handler on_done) override;

  /// Switches what the next requests meet. Leaving `hang` ends every held
  /// request with an error, as a model server's timeout would.
  void set_mode(chaos_mode mode);

  chaos_mode mode() const {
    return mode_.load();
  }

private:
  void end_held(const std::string& why);

  std::string name_;
  std::atomic<chaos_mode> mode_{chaos_mode::answer};
  std::mutex mutex_;
  std::vector<done_handler> held_;
};

/// The mode's name, for the soak's log.
const char* to_string(chaos_mode mode);

} // namespace agent_runtime::soak

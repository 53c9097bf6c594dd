#pragma once

#include "provider/model_provider.hpp"

namespace agent_runtime {

/// Answers at once, deterministically and without network: the same request
/// always gets the same answer, streamed word by word.
class mock_provider : public model_provider {
public:
  const char* name() const override {
    return "mock";
  }

  void complete(const chat_request& request, chunk_handler on_chunk, done_handler on_done) override;

  /// The answer `complete` gives for `request`.
  static std::string answer_for(const chat_request& request);
};

} // namespace agent_runtime

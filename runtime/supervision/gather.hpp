#pragma once
// Asks several actors the same question and hands all the answers over at
// once: the fan-out behind ready, status and shutdown.

#include <functional>
#include <memory>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "app/log.hpp"

namespace agent_runtime {

/// Sends `question` to each of `targets`; once every one has answered (or
/// failed to within `limit`), calls `done` with the answers that came, in
/// the order of `targets`. The questions are urgent: an agent answers them
/// before the requests already queued in its mailbox, so that status and
/// readiness do not wait behind the load.
template <class Answer, class Self, class Question>
void gather(Self* self, const std::vector<caf::actor>& targets, Question question,
            std::chrono::milliseconds limit, std::function<void(std::vector<Answer>)> done) {
  struct pending {
    std::vector<std::optional<Answer>> answers;
    std::size_t left;
  };
  auto state = std::make_shared<pending>(
    pending{std::vector<std::optional<Answer>>(targets.size()), targets.size()});
  auto finish = [state, done] {
    std::vector<Answer> answers;
    for (auto& a : state->answers) {
      if (a)
        answers.push_back(std::move(*a));
    }
    done(std::move(answers));
  };
  if (targets.empty()) {
    finish();
    return;
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    self->template request<caf::message_priority::high>(targets[i], limit, question)
      .then(
        [state, finish, i](Answer& answer) {
          state->answers[i] = std::move(answer);
          if (--state->left == 0)
            finish();
        },
        [state, finish](caf::error&) {
          if (--state->left == 0)
            finish();
        });
  }
}

} // namespace agent_runtime

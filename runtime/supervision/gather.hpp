#pragma once
// Asks several actors the same question and hands all the answers over at
// once: the fan-out behind ready, status and shutdown.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "config/json_fields.hpp"

namespace agent_runtime {

/// How long a cluster waits for its agents' status, and the fleet for its
/// clusters'. The fleet waits longer, so that a cluster with an agent that
/// does not answer in time still answers itself, naming that agent; both
/// stay below agentctl's default limit of 5 s.
constexpr std::chrono::milliseconds agent_status_limit{3000};
constexpr std::chrono::milliseconds cluster_status_limit{4000};

/// Answers of the status question, one per target, in the order of the targets.
template <class Answer>
using gathered = std::vector<std::optional<Answer>>;

/// The statuses of parts named `names` (`key` is "id" for clusters, "name"
/// for agents), parted by commas. A part that did not answer in time is
/// listed as `{key: name, "answered": false}`, not left out, and handed to
/// `unanswered` (to log it).
inline std::string join_statuses(const gathered<std::string>& parts,
                                 const std::vector<std::string>& names, const char* key,
                                 const std::function<void(const std::string&)>& unanswered) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0)
      out += ",";
    if (parts[i]) {
      out += *parts[i];
      continue;
    }
    unanswered(names[i]);
    out += json_text(nlohmann::json{{key, names[i]}, {"answered", false}});
  }
  return out;
}

/// Sends `question` to each of `targets`; once every one has answered (or
/// failed to within `limit`), calls `done` with the answers, in the order of
/// `targets`, nothing in the place of those that did not come. The
/// questions are urgent: an agent answers them before the requests already
/// queued in its mailbox, so that status and readiness do not wait behind
/// the load.
template <class Answer, class Self, class Question>
void gather(Self* self, const std::vector<caf::actor>& targets, Question question,
            std::chrono::milliseconds limit, std::function<void(gathered<Answer>)> done) {
  struct pending {
    gathered<Answer> answers;
    std::size_t left;
  };
  auto state = std::make_shared<pending>(pending{gathered<Answer>(targets.size()), targets.size()});
  auto finish = [state, done] {
    done(std::move(state->answers));
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

#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "agent/agent_core.hpp"
#include "events/agent_journal.hpp"
#include "provider/model_provider.hpp"
#include "routing/subject_route.hpp"

namespace agent_runtime {

class route_table;

/// What every actor of the fleet shares; owned by the runtime, which outlives
/// the actors.
struct fleet_services {
  route_table* routes = nullptr;
  reply_sink* replies = nullptr;
  std::shared_ptr<provider_registry> providers;
  runtime_identity identity;
  /// Every agent's event journal, by agent id; null when events are off
  /// (unit setups without a stream).
  std::shared_ptr<const journal_map> journals;
  /// Time for restart windows; tests replace it.
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
};

} // namespace agent_runtime

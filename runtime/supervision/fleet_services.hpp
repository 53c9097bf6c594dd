#pragma once

#include <memory>

#include "agent/agent_core.hpp"
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
};

} // namespace agent_runtime

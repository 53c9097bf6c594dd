#include "agent/lifecycle.hpp"

namespace agent_runtime {
namespace {

lifecycle_step allow(lifecycle next) {
  return {true, next, {}};
}

lifecycle_step refuse(lifecycle from, std::string why) {
  return {false, from, std::move(why)};
}

std::string in_state(lifecycle from) {
  return std::string(" (state ") + to_string(from) + ")";
}

} // namespace

const char* to_string(lifecycle state) {
  switch (state) {
    case lifecycle::deployed:
      return "deployed";
    case lifecycle::configured:
      return "configured";
    case lifecycle::active:
      return "active";
    case lifecycle::suspended:
      return "suspended";
    case lifecycle::decommissioned:
      return "decommissioned";
  }
  return "unknown";
}

lifecycle_step apply(lifecycle from, lifecycle_event event) {
  if (from == lifecycle::decommissioned && event != lifecycle_event::deploy)
    return refuse(from, "agent is decommissioned; deploy it again first");

  switch (event) {
    case lifecycle_event::deploy:
      if (from != lifecycle::decommissioned)
        return refuse(from, "agent is already deployed" + in_state(from));
      return allow(lifecycle::deployed);

    case lifecycle_event::configure:
      return allow(from == lifecycle::deployed ? lifecycle::configured : from);

    case lifecycle_event::activate:
      if (from == lifecycle::active)
        return refuse(from, "agent is already active");
      if (from == lifecycle::deployed)
        return refuse(from, "agent has no model configured; send ConfigureModel first");
      return allow(lifecycle::active);

    case lifecycle_event::suspend:
      if (from == lifecycle::suspended)
        return refuse(from, "agent is already suspended");
      if (from != lifecycle::active)
        return refuse(from, "only an active agent can be suspended" + in_state(from));
      return allow(lifecycle::suspended);

    case lifecycle_event::decommission:
      return allow(lifecycle::decommissioned);

    case lifecycle_event::send_message:
      if (from == lifecycle::suspended)
        return refuse(from, "agent is suspended; send ActivateAgent to resume it");
      if (from != lifecycle::active)
        return refuse(from, "agent is not active" + in_state(from) + "; send ActivateAgent first");
      return allow(from);
  }
  return refuse(from, "unknown lifecycle event");
}

} // namespace agent_runtime

#include <doctest/doctest.h>

#include "agent/lifecycle.hpp"

using namespace agent_runtime;

TEST_CASE("an agent walks deployed, configured, active, suspended, decommissioned") {
  lifecycle state = lifecycle::deployed;
  for (auto [event, expected] :
       {std::pair{lifecycle_event::configure, lifecycle::configured},
        std::pair{lifecycle_event::activate, lifecycle::active},
        std::pair{lifecycle_event::suspend, lifecycle::suspended},
        std::pair{lifecycle_event::activate, lifecycle::active},
        std::pair{lifecycle_event::decommission, lifecycle::decommissioned},
        std::pair{lifecycle_event::deploy, lifecycle::deployed}}) {
    lifecycle_step step = apply(state, event);
    REQUIRE(step.allowed);
    CHECK(step.next == expected);
    state = step.next;
  }
}

TEST_CASE("the lifecycle refuses what the state does not allow, and says why") {
  auto refusal = [](lifecycle from, lifecycle_event event) {
    lifecycle_step step = apply(from, event);
    CHECK_FALSE(step.allowed);
    CHECK(step.next == from);
    return step.refusal;
  };

  SUBCASE("deploying a deployed agent") {
    CHECK(refusal(lifecycle::active, lifecycle_event::deploy) ==
          "agent is already deployed (state active)");
  }
  SUBCASE("activating without a model") {
    CHECK(refusal(lifecycle::deployed, lifecycle_event::activate) ==
          "agent has no model configured; send ConfigureModel first");
  }
  SUBCASE("activating an active agent") {
    CHECK(refusal(lifecycle::active, lifecycle_event::activate) == "agent is already active");
  }
  SUBCASE("suspending twice") {
    CHECK(refusal(lifecycle::suspended, lifecycle_event::suspend) == "agent is already suspended");
  }
  SUBCASE("suspending an agent that never ran") {
    CHECK(refusal(lifecycle::configured, lifecycle_event::suspend) ==
          "only an active agent can be suspended (state configured)");
  }
  SUBCASE("messages to a suspended agent") {
    CHECK(refusal(lifecycle::suspended, lifecycle_event::send_message) ==
          "agent is suspended; send ActivateAgent to resume it");
  }
  SUBCASE("messages to an agent not yet active") {
    CHECK(refusal(lifecycle::configured, lifecycle_event::send_message) ==
          "agent is not active (state configured); send ActivateAgent first");
  }
  SUBCASE("anything but deploy on a decommissioned agent") {
    for (auto event :
         {lifecycle_event::configure, lifecycle_event::activate, lifecycle_event::suspend,
          lifecycle_event::decommission, lifecycle_event::send_message})
      CHECK(refusal(lifecycle::decommissioned, event) ==
            "agent is decommissioned; deploy it again first");
  }
}

TEST_CASE("reconfiguring a running agent keeps its state") {
  CHECK(apply(lifecycle::active, lifecycle_event::configure).next == lifecycle::active);
  CHECK(apply(lifecycle::suspended, lifecycle_event::configure).next == lifecycle::suspended);
}

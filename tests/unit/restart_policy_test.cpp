#include <doctest/doctest.h>

#include "supervision/restart_policy.hpp"

using namespace agent_runtime;
using namespace std::chrono_literals;

TEST_CASE("an agent may fail max_restarts times in the window, not once more") {
  restart_policy policy(3, 3600s);
  const auto t0 = restart_policy::clock::time_point{} + 100h;
  CHECK(policy.record_failure(t0));
  CHECK(policy.record_failure(t0 + 1min));
  CHECK(policy.record_failure(t0 + 2min));
  CHECK_FALSE(policy.record_failure(t0 + 3min));
  CHECK(policy.recent_failures() == 4);
}

TEST_CASE("failures older than the window are forgotten") {
  restart_policy policy(3, 3600s);
  const auto t0 = restart_policy::clock::time_point{} + 100h;
  CHECK(policy.record_failure(t0));
  CHECK(policy.record_failure(t0 + 10min));
  CHECK(policy.record_failure(t0 + 20min));
  // The first failure leaves the window just as the fourth arrives.
  CHECK(policy.record_failure(t0 + 60min));
  CHECK(policy.recent_failures() == 3);
  CHECK_FALSE(policy.record_failure(t0 + 61min));
}

TEST_CASE("a limit of zero takes an agent out of service at its first failure") {
  restart_policy policy(0, 60s);
  CHECK_FALSE(policy.record_failure(restart_policy::clock::now()));
}

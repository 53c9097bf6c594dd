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

TEST_CASE("a generous limit keeps no more failures than its answer needs") {
  restart_policy policy(5, 3600s);
  const auto t0 = restart_policy::clock::time_point{} + 100h;
  for (int i = 0; i < 1000; ++i)
    CHECK(policy.record_failure(t0 + std::chrono::seconds(i)) == (i < 5));
  // A thousand failures in the window, but only the last six decide.
  CHECK(policy.recent_failures() == 6);
  // Still six within the hour before the failure at 994 s...
  CHECK_FALSE(policy.record_failure(t0 + 994s + 3599s));
  // ...while once two more have left it, the agent may be restarted again.
  CHECK(policy.record_failure(t0 + 996s + 3600s));
}

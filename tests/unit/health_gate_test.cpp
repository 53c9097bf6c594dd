// The health gate with the time passed in: no clock, no sleeps.

#include <doctest/doctest.h>

#include "upgrade/health_gate.hpp"
#include "upgrade/serve_stats.hpp"

using namespace agent_runtime;
using namespace std::chrono_literals;
using kind = health_gate::verdict::kind;

namespace {

const health_gate::time_point t0{std::chrono::hours(1)};

serve_sample sample(std::uint64_t requests, std::uint64_t errors,
                    std::chrono::milliseconds p99 = 5ms, std::uint32_t restarts = 0) {
  serve_sample s;
  s.requests = requests;
  s.errors = errors;
  s.p99 = p99;
  s.restarts = restarts;
  return s;
}

} // namespace

TEST_CASE("a version as good as the old one soaks, then passes once the soak is over") {
  health_gate gate({}, 10s, t0, sample(1000, 0));
  CHECK(gate.check(sample(50, 0), t0 + 1s).state == kind::soaking);
  CHECK(gate.check(sample(500, 0), t0 + 9999ms).state == kind::soaking);
  CHECK(gate.check(sample(900, 0), t0 + 10s).state == kind::healthy);
}

TEST_CASE("an error rate over 1 % fails the new version at once, with the figures") {
  health_gate gate({}, 10s, t0, sample(1000, 1));
  auto verdict = gate.check(sample(100, 50), t0 + 100ms);
  CHECK(verdict.state == kind::unhealthy);
  CHECK(verdict.why == "error rate 50.0 % over 1.0 % (old version 0.1 %)");
  CHECK(gate.check(sample(1000, 10), t0 + 1s).state == kind::soaking); // exactly 1 %
}

TEST_CASE("a rate is judged only after min_requests, and only if the old version did better") {
  health_gate gate({}, 10s, t0, sample(1000, 0));
  CHECK(gate.check(sample(19, 10), t0 + 1s).state == kind::soaking);
  CHECK(gate.check(sample(20, 10), t0 + 1s).state == kind::unhealthy);
  health_gate already_bad({}, 10s, t0, sample(100, 50));
  CHECK(already_bad.check(sample(100, 40), t0 + 1s).state == kind::soaking);
}

TEST_CASE("latency over 500 ms fails the new version unless the old one was as slow") {
  health_gate gate({}, 10s, t0, sample(1000, 0, 5ms));
  auto verdict = gate.check(sample(100, 0, 1000ms), t0 + 1s);
  CHECK(verdict.state == kind::unhealthy);
  CHECK(verdict.why == "latency p99 1000 ms over 500 ms (old version 5 ms)");
  CHECK(gate.check(sample(100, 0, 500ms), t0 + 1s).state == kind::soaking);
  health_gate slow_before({}, 10s, t0, sample(1000, 0, 2000ms));
  CHECK(slow_before.check(sample(100, 0, 1000ms), t0 + 1s).state == kind::soaking);
}

TEST_CASE("more than 3 restarts fail the new version, whatever the requests") {
  health_gate gate({}, 10s, t0, sample(0, 0));
  CHECK(gate.check(sample(0, 0, 0ms, 3), t0 + 1s).state == kind::soaking);
  auto verdict = gate.check(sample(0, 0, 0ms, 4), t0 + 1s);
  CHECK(verdict.state == kind::unhealthy);
  CHECK(verdict.why == "restarts 4 over 3");
}

TEST_CASE("thresholds are the operator's to set") {
  health_thresholds strict;
  strict.max_error_rate = 0.0;
  strict.min_requests = 1;
  strict.max_latency = 50ms;
  health_gate gate(strict, 1s, t0, sample(10, 0, 1ms));
  CHECK(gate.check(sample(1, 1), t0).state == kind::unhealthy);
  CHECK(gate.check(sample(10, 0, 100ms), t0).state == kind::unhealthy);
}

TEST_CASE("serve_stats counts requests and errors and reads the 99th percentile from buckets") {
  serve_stats stats;
  for (int i = 0; i < 99; ++i)
    stats.record(false, 800us);
  stats.record(true, 700ms);
  serve_sample s = stats.read();
  CHECK(s.requests == 100);
  CHECK(s.errors == 1);
  CHECK(s.p99 == 1ms);
  stats.record(false, 700ms);
  CHECK(stats.read().p99 == 1000ms);
  serve_stats slow;
  slow.record(false, std::chrono::seconds(30));
  CHECK(slow.read().p99 == 20000ms);
  CHECK(serve_stats{}.read().p99 == 0ms);
}

// The fleet through a NATS outage: the server is killed under load and
// started again; the runtime reconnects by itself and serves again.

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "support/running_fleet.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;

TEST_CASE("nats-server killed and restarted under load: the runtime reconnects and serves") {
  running_fleet f;
  const auto agents = f.agents();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::atomic<int> unanswered{0};
  std::atomic<int> answered_after_restart{0};
  std::atomic<bool> restarted{false};

  // Steady load from a client of its own, bounded in count and time.
  std::thread load([&] {
    test_client client(f.server.url());
    for (int i = 0; i < 100000 && !stop; ++i) {
      const auto& agent = agents[static_cast<std::size_t>(i) % agents.size()];
      if (client.request("agent.to." + agent.name + ".from.load.request", "ping", 200ms)) {
        ++answered;
        if (restarted)
          ++answered_after_restart;
      } else {
        ++unanswered;
      }
    }
  });

  REQUIRE(eventually([&] { return answered > 100; }));
  f.server.kill_now();
  REQUIRE(eventually([&] { return !f.runtime->nats_link().connected; }));
  f.server.restart();
  restarted = true;

  CHECK(eventually([&] { return answered_after_restart > 100; }, 30s));
  stop = true;
  load.join();

  const link_status link = f.runtime->nats_link();
  CHECK(link.connected);
  CHECK(link.reconnects >= 1);
  for (const auto& agent : agents)
    CHECK(f.ping(agent.name)["status"] == "ok");
  MESSAGE("answered=" << answered.load() << " unanswered during the outage=" << unanswered.load());
}

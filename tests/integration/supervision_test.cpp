// Supervision in the running fleet: a failing agent is restarted with its
// state and never takes a neighbour down; one that keeps failing is taken
// out of service; a flooded agent answers busy instead of queueing forever.

#include <doctest/doctest.h>

#include <map>

#include "support/http_get.hpp"
#include "support/running_fleet.hpp"
#include "support/test_providers.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::string ddd_id = "01936f22-7c43-7000-8000-000000000002";
/// The provider names the test providers answer to.
const std::string faulty = "anthropic";
const std::string gated_name = "openai";

json configure(const std::string& provider) {
  return {{"type", "ConfigureModel"},
          {"agent_id", ddd_id},
          {"config", {{"provider", provider}, {"model_name", provider + "-model"}}}};
}

json message(int n) {
  char id[40];
  std::snprintf(id, sizeof(id), "01936f22-7c43-7000-8000-%012d", n);
  return {{"type", "SendMessage"}, {"agent_id", ddd_id}, {"message_id", id}, {"content", "hi"}};
}

} // namespace

TEST_CASE("an agent whose handler throws is restarted with its state, neighbours unharmed") {
  running_fleet f(test_registry(std::make_shared<gated_provider>()));
  REQUIRE(f.send("ddd-expert", configure(faulty))["status"] == "ok");
  REQUIRE(f.send("ddd-expert",
                 {{"type", "SuspendAgent"}, {"agent_id", ddd_id}, {"reason", "check"}})["state"] ==
          "suspended");
  REQUIRE(f.send("ddd-expert", {{"type", "ActivateAgent"}, {"agent_id", ddd_id}})["state"] ==
          "active");
  const json before = f.ping("ddd-expert");

  json failed = f.send("ddd-expert", message(1));
  CHECK(failed["status"] == "error");
  CHECK(failed["message"] == "internal error in agent ddd-expert");
  CHECK(f.ping("domain-expert")["status"] == "ok");

  CHECK(eventually([&] { return f.ping("ddd-expert")["restarts"] == 1; }));
  const json after = f.ping("ddd-expert");
  CHECK(after["state"] == "active");
  CHECK(after["model"] == "anthropic-model");
  CHECK(after["health"] == "ok");
  // The successor took over the counters: nothing it had seen was forgotten.
  CHECK(after["counters"]["inbox"].get<int>() > before["counters"]["inbox"].get<int>());
  CHECK(after["counters"]["errors"] == 1);

  REQUIRE(f.send("ddd-expert", configure("mock"))["status"] == "ok");
  CHECK(f.send("ddd-expert", message(2))["status"] == "ok");
}

TEST_CASE("an agent that fails more than the restart limit is marked failed, not restarted") {
  running_fleet f(test_registry(std::make_shared<gated_provider>()),
                  [](fleet_config& fleet) { fleet.settings.metrics_address = "127.0.0.1:0"; });
  const std::string failed_gauge =
    "agent_runtime_agent_failed{agent=\"ddd-expert\",cluster=\"domain-modeling\"} ";
  auto metrics = http_get(f.runtime->metrics_address(), "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find(failed_gauge + "0\n") != std::string::npos);
  REQUIRE(f.send("ddd-expert", configure(faulty))["status"] == "ok");
  for (int i = 1; i <= 4; ++i)
    CHECK(f.send("ddd-expert", message(i))["status"] == "error");

  CHECK(eventually([&] { return f.ping("ddd-expert")["health"] == "failed"; }));
  json pong = f.ping("ddd-expert");
  CHECK(pong["restarts"] == 3);
  json refused = f.send("ddd-expert", configure("mock"));
  CHECK(refused["status"] == "error");
  CHECK(refused["message"].get<std::string>().rfind(
          "agent ddd-expert is failed: failed 4 times within 3600s; last error: provider blew up",
          0) == 0);
  CHECK(f.ping("domain-expert")["health"] == "ok");

  // Operators see it: the gauge, and /readyz, since it serves no one.
  metrics = http_get(f.runtime->metrics_address(), "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find(failed_gauge + "1\n") != std::string::npos);
  auto ready = http_get(f.runtime->metrics_address(), "/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->body == "not ready: 1 agents taken out of service (failed)\n");
}

TEST_CASE("one_for_all restarts every agent of the cluster when one fails") {
  running_fleet f(test_registry(std::make_shared<gated_provider>()), [](fleet_config& fleet) {
    for (auto& cluster : fleet.clusters)
      cluster.supervision.strategy = "one_for_all";
  });
  REQUIRE(f.send("ddd-expert", configure(faulty))["status"] == "ok");
  CHECK(f.send("ddd-expert", message(1))["status"] == "error");
  for (const char* sibling :
       {"ddd-expert", "domain-expert", "domain-ontologist-researcher", "cim-domain-expert"})
    CHECK(eventually([&] { return f.ping(sibling)["restarts"] == 1; }));
  CHECK(f.ping("sage")["restarts"] == 0);
}

TEST_CASE("1000 requests at an agent with a small in-flight limit: each answered or busy, once") {
  auto gated = std::make_shared<gated_provider>();
  running_fleet f(test_registry(gated),
                  [](fleet_config& fleet) { fleet.settings.max_in_flight = 8; });
  REQUIRE(f.send("ddd-expert", configure(gated_name))["status"] == "ok");

  auto replies = f.client->collect("test.flood.>");
  for (int i = 0; i < 1000; ++i)
    f.client->publish("agent.to.ddd-expert.from.test.request", message(i).dump(),
                      "test.flood." + std::to_string(i));
  f.client->flush();
  // The first eight hold the agent; everything after them is refused at once.
  REQUIRE(gated->wait_for_held(8, 10s));
  REQUIRE(replies->wait_for(992, 20s));
  gated->release();
  REQUIRE(replies->wait_for(1000, 20s));
  // Anything sent twice would be in by now: the agent has answered a later ping.
  CHECK(f.ping("ddd-expert")["counters"]["busy"] == 992);
  f.client->flush();

  std::map<std::string, int> per_request;
  int ok = 0;
  int busy = 0;
  for (const auto& m : replies->messages()) {
    ++per_request[m.subject];
    json reply = json::parse(m.payload);
    if (reply["status"] == "ok")
      ++ok;
    else if (reply.value("busy", false))
      ++busy;
  }
  CHECK(per_request.size() == 1000);
  CHECK(replies->count() == 1000);
  CHECK(ok == 8);
  CHECK(busy == 992);
  CHECK(f.ping("domain-expert")["status"] == "ok");
}

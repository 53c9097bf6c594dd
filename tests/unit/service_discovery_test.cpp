#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "observability/service_discovery.hpp"

using namespace agent_runtime;
using nlohmann::json;

namespace {

struct nowhere : message_dispatcher, reply_sink {
  dispatch_result dispatch(const subject_route&, inbound_message&) override {
    return dispatch_result::accepted;
  }
  std::uint64_t busy_count(const subject_route&) const override {
    return 0;
  }
  std::size_t in_flight_limit(const subject_route&) const override {
    return 1;
  }
  std::string cluster_of(const subject_route&) const override {
    return "orchestration";
  }
  bool publish(const std::string&, const std::string&) override {
    return true;
  }
};

} // namespace

TEST_CASE("service discovery answers only requests meant for its service and instance") {
  nowhere fakes;
  const std::vector<subject_route> routes = {
    {"agent.to.sage.>", "agent-runtime.sage", subject_kind::inbox, "sage", 0}};
  request_tracker tracker(fakes, fakes, routes);
  service_identity identity;
  identity.id = "abc";
  identity.version = "0.1.0";
  service_discovery discovery(identity, routes, tracker);

  CHECK(discovery.subjects() ==
        std::vector<std::string>{"$SRV.*", "$SRV.*.agent-runtime", "$SRV.*.agent-runtime.abc"});
  for (const char* subject :
       {"$SRV.PING", "$SRV.PING.agent-runtime", "$SRV.PING.agent-runtime.abc"})
    CHECK(json::parse(*discovery.answer(subject))["type"] == "io.nats.micro.v1.ping_response");
  CHECK(json::parse(*discovery.answer("$SRV.INFO"))["endpoints"][0]["name"] == "sage_inbox");
  CHECK(json::parse(
          *discovery.answer("$SRV.STATS.agent-runtime"))["endpoints"][0]["num_requests"] == 0);
  CHECK_FALSE(discovery.answer("$SRV.PING.other"));
  CHECK_FALSE(discovery.answer("$SRV.PING.agent-runtime.xyz"));
  CHECK_FALSE(discovery.answer("$SRV.HELLO"));
  CHECK_FALSE(discovery.answer("$SRV.PING.agent-runtime.abc.more"));
}

TEST_CASE("instance ids and names fit the convention") {
  const std::string id = new_instance_id();
  CHECK(id.size() == 22);
  CHECK(id != new_instance_id());
  CHECK(service_name_part("ddd-expert") == "ddd-expert");
  CHECK(service_name_part("a.b c") == "a_b_c");
  CHECK(rfc3339(std::chrono::system_clock::time_point{std::chrono::milliseconds(1234)}) ==
        "1970-01-01T00:00:01.234Z");
}

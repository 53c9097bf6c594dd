// The fleet in this process against a real nats-server on a free loopback
// port: the three subject kinds, the commands, and bad input.

#include <doctest/doctest.h>

#include "support/http_test_server.hpp"
#include "support/running_fleet.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::string ddd_id = "01936f22-7c43-7000-8000-000000000002";

json cmd(const std::string& type, json fields = json::object()) {
  fields["type"] = type;
  if (!fields.contains("agent_id"))
    fields["agent_id"] = ddd_id;
  return fields;
}

json message(const std::string& content) {
  static int n = 0;
  char id[40];
  std::snprintf(id, sizeof(id), "01936f22-7c43-7000-8000-%012d", ++n);
  return cmd("SendMessage", {{"message_id", id}, {"content", content}, {"context", json::array()}});
}

} // namespace

TEST_CASE("all 31 agents answer ping on their inbox and on their reference subject") {
  running_fleet f;
  CHECK(f.runtime->agent_count() == 31);
  for (const agent_definition& agent : f.agents()) {
    CAPTURE(agent.name);
    json by_inbox = f.ping(agent.name);
    CHECK(by_inbox["status"] == "ok");
    CHECK(by_inbox["name"] == agent.name);
    CHECK(by_inbox["id"] == agent.id);
    CHECK(by_inbox["cluster"] == agent.cluster);
    CHECK(by_inbox["version"] == agent.version);

    json by_ref = f.client->request_json(
      "agent." + agent.cluster + "." + agent.name + "." + agent.id + ".command.ping", "");
    CHECK(by_ref["name"] == agent.name);
    CHECK(by_ref["counters"]["agent_ref"] == 1);
  }
}

TEST_CASE("one broadcast reaches every agent once") {
  running_fleet f;
  f.client->publish("agent.broadcast.test", "maintenance at noon");
  for (const agent_definition& agent : f.agents()) {
    CAPTURE(agent.name);
    CHECK(eventually([&] { return f.ping(agent.name)["counters"]["broadcast"] == 1; }));
  }
}

TEST_CASE("the commands drive an agent's lifecycle over NATS, refusing what its state forbids") {
  running_fleet f;
  auto status = [](const json& reply) {
    return reply["status"].get<std::string>();
  };
  auto why = [](const json& reply) {
    return reply.value("message", "");
  };

  CHECK(f.send("ddd-expert", cmd("SuspendAgent", {{"reason", "maintenance"}}))["state"] ==
        "suspended");
  CHECK(why(f.send("ddd-expert", cmd("SuspendAgent", {{"reason", "again"}}))) ==
        "SuspendAgent: agent is already suspended");
  CHECK(why(f.send("ddd-expert", message("hello"))) ==
        "SendMessage: agent is suspended; send ActivateAgent to resume it");
  CHECK(f.send("ddd-expert", cmd("ActivateAgent"))["state"] == "active");

  json answer = f.send("ddd-expert", message("what is an aggregate?"));
  CHECK(status(answer) == "ok");
  CHECK(answer["response"].get<std::string>().find("what is an aggregate?") != std::string::npos);
  CHECK(answer["model"] == "mock-ddd-expert");

  CHECK(f.send("ddd-expert", cmd("DecommissionAgent"))["state"] == "decommissioned");
  CHECK(why(f.send("ddd-expert", cmd("ActivateAgent"))) ==
        "ActivateAgent: agent is decommissioned; deploy it again first");
  CHECK(f.send("ddd-expert", cmd("DeployAgent", {{"person_id", ddd_id},
                                                 {"name", "ddd-expert"}}))["state"] == "deployed");
  CHECK(why(f.send("ddd-expert", cmd("ActivateAgent"))) ==
        "ActivateAgent: agent has no model configured; send ConfigureModel first");
  json configure =
    cmd("ConfigureModel",
        {{"config", {{"provider", "mock"}, {"model_name", "mock-large"}, {"temperature", 0.1}}}});
  CHECK(f.send("ddd-expert", configure)["state"] == "configured");
  CHECK(f.send("ddd-expert", cmd("ActivateAgent"))["state"] == "active");
  CHECK(f.send("ddd-expert", message("again"))["model"] == "mock-large");

  SUBCASE("commands by reference subject work the same way") {
    json reply =
      f.client->request_json("agent.domain-modeling.ddd-expert." + ddd_id + ".command.suspend",
                             cmd("SuspendAgent", {{"reason", "by reference"}}).dump());
    CHECK(reply["state"] == "suspended");
  }
  SUBCASE("an agent configured for a model server that is down says so") {
    const std::string endpoint = "http://127.0.0.1:" + std::to_string(unused_port());
    json ollama = cmd(
      "ConfigureModel",
      {{"config", {{"provider", "ollama"}, {"model_name", "llama3"}, {"api_endpoint", endpoint}}}});
    CHECK(status(f.send("ddd-expert", ollama)) == "ok");
    CHECK(why(f.send("ddd-expert", message("hi"))) ==
          "SendMessage failed: ollama at " + endpoint + ": connection refused by " + endpoint);
  }
  // Neighbours were never touched.
  CHECK(f.ping("domain-expert")["state"] == "active");
}

TEST_CASE("every kind of bad payload gets an error reply and the agent keeps serving") {
  running_fleet f;
  const std::vector<std::pair<std::string, std::string>> bad = {
    {"", "empty payload: expected a JSON command or ping"},
    {"hello", "payload is not valid JSON (error at byte 1)"},
    {"{\"type\":", "payload is not valid JSON (error at byte 9)"},
    {"[1,2,3]", "payload must be a JSON object with a \"type\" field"},
    {"{\"agent_id\":\"" + ddd_id + "\"}", "missing field 'type'"},
    {"{\"type\":\"Explode\"}",
     "unknown command type 'Explode' (expected DeployAgent, ConfigureModel, ActivateAgent, "
     "SuspendAgent, DecommissionAgent or SendMessage)"},
    {cmd("SuspendAgent", {{"reason", 5}}).dump(), "SuspendAgent: field 'reason' must be a string"},
    {cmd("SuspendAgent").dump(), "SuspendAgent: missing field 'reason'"},
    {cmd("ActivateAgent", {{"agent_id", "01936f11-4ea2-7000-8000-000000000001"}}).dump(),
     "ActivateAgent: agent_id 01936f11-4ea2-7000-8000-000000000001 is not this agent "
     "(ddd-expert is " +
       ddd_id + ")"},
    {std::string("\xff\xfe\x00garbage", 10), "payload is not valid JSON (error at byte 1)"},
  };
  for (const auto& item : bad) {
    // Named, not a structured binding: CAPTURE's lambda must be able to see it.
    const std::string& payload = item.first;
    const std::string& expected = item.second;
    CAPTURE(payload);
    json reply = f.client->request_json("agent.to.ddd-expert.from.test.request", payload);
    CHECK(reply["status"] == "error");
    CHECK(reply["message"] == expected);
  }
  json pong = f.ping("ddd-expert");
  CHECK(pong["status"] == "ok");
  CHECK(pong["counters"]["errors"] == bad.size());
  CHECK(pong["counters"]["bad_input"] == bad.size());
}

TEST_CASE("regression: commands whose error cut an echoed value inside a character leave the "
          "agent serving") {
  running_fleet f;
  std::string not_a_uuid = "a";
  for (int i = 0; i < 60; ++i)
    not_a_uuid += "\xC3\xA9"; // é
  // Four of these once took the agent out of service: writing each reply
  // threw, which counted as a failure of the agent.
  for (int i = 0; i < 4; ++i) {
    json reply = f.send("ddd-expert", {{"type", "ActivateAgent"}, {"agent_id", not_a_uuid}});
    CHECK(reply["status"] == "error");
    CHECK(reply["message"].get<std::string>().rfind(
            "ActivateAgent: field 'agent_id' must be a UUID, got 'a", 0) == 0);
  }
  json pong = f.ping("ddd-expert");
  CHECK(pong["health"] == "ok");
  CHECK(pong["restarts"] == 0);
  CHECK(pong["counters"]["bad_input"] == 4);
}

TEST_CASE("a reply larger than the NATS server takes is replaced by an error reply saying so") {
  running_fleet f;
  // The mock model answers with the question in it and some 250 bytes
  // around it: a request just under the server's 1 MiB makes an answer over
  // it, which the server would refuse and the client would never see.
  constexpr std::size_t max_payload = 1048576;
  const std::string request = message(std::string(max_payload - 200, 'q')).dump();
  REQUIRE(request.size() <= max_payload);
  json reply = f.client->request_json("agent.to.ddd-expert.from.test.request", request,
                                      std::chrono::seconds(20));
  CHECK(reply["status"] == "error");
  const std::string why = reply.value("message", "");
  CHECK(why.find(" bytes, more than the NATS server's max_payload of 1048576 bytes allows") !=
        std::string::npos);
  const std::string prefix = "the reply is ";
  REQUIRE(why.rfind(prefix, 0) == 0);
  CHECK(std::stoul(why.substr(prefix.size())) > max_payload);
  json pong = f.ping("ddd-expert");
  CHECK(pong["health"] == "ok");
}

TEST_CASE("a message without a reply subject is handled, counted and crashes nothing") {
  running_fleet f;
  f.client->publish("agent.to.sage.from.test.request", "{broken");
  f.client->publish("agent.to.sage.from.test.request", "ping");
  CHECK(eventually([&] { return f.ping("sage")["counters"]["bad_input"] == 1; }));
  CHECK(f.ping("sage")["counters"]["inbox"] == 4);
}

TEST_CASE("a stopped fleet answers nothing and stops cleanly twice") {
  running_fleet f;
  CHECK(f.ping("sage")["status"] == "ok");
  f.runtime->stop();
  f.runtime->stop();
  CHECK_FALSE(f.client->request("agent.to.sage.from.test.request", "ping", 300ms));
}

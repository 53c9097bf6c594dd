#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/agent_core.hpp"
#include "provider/mock_provider.hpp"

using namespace agent_runtime;
using nlohmann::json;

namespace {

const std::string sage_id = "01936f11-4ea2-7000-8000-000000000001";

agent_definition sage() {
  agent_definition d;
  d.name = "sage";
  d.id = sage_id;
  d.cluster = "orchestration";
  d.version = "1.2.3";
  d.model.provider = "mock";
  d.model.model_name = "mock-sage";
  d.system_prompt = "You are Sage.";
  return d;
}

inbound_message inbox(const std::string& payload, const std::string& kind = "request") {
  return {subject_kind::inbox, "agent.to.sage.from.test." + kind, "_INBOX.r", payload};
}

/// Runs one message through the agent; the reply as JSON.
json reply_to(agent_core& agent, const inbound_message& message) {
  agent_core::outcome out = agent.handle(message);
  if (out.completion) {
    chat_result result;
    mock_provider().complete(*out.completion, nullptr,
                             [&](chat_result r) { result = std::move(r); });
    return json::parse(agent.finish(*out.completion, result));
  }
  REQUIRE(out.reply);
  return json::parse(*out.reply);
}

json make_command(const std::string& type, json fields = json::object()) {
  fields["type"] = type;
  fields["agent_id"] = sage_id;
  return fields;
}

json reply_to(agent_core& agent, const json& cmd) {
  return reply_to(agent, inbox(cmd.dump()));
}

} // namespace

TEST_CASE("regression: a value cut inside a character in an error reply is refused as bad input, "
          "however often") {
  agent_core agent(sage(), {"9.9.9", "host:1"});
  std::string not_a_uuid = "a";
  for (int i = 0; i < 60; ++i)
    not_a_uuid += "é";
  // Each of these once threw while the reply was written, which counted as
  // a failure of the agent; four took it out of service.
  for (int i = 0; i < 5; ++i) {
    const json reply = reply_to(agent, json{{"type", "ActivateAgent"}, {"agent_id", not_a_uuid}});
    CHECK(reply["status"] == "error");
    CHECK(reply["message"].get<std::string>().find("field 'agent_id' must be a UUID") !=
          std::string::npos);
  }
  const json ping = reply_to(agent, inbox("ping"));
  CHECK(ping["health"] == "ok");
  CHECK(ping["counters"]["bad_input"] == 5);
  const json status = json::parse(agent.status_json(0));
  CHECK(status["last_error"].get<std::string>().find("must be a UUID") != std::string::npos);
}

TEST_CASE("ping answers name, id, cluster, version and counters, by payload or subject") {
  agent_core agent(sage(), {"9.9.9", "host:1"});
  json by_payload = reply_to(agent, inbox("ping"));
  CHECK(by_payload["status"] == "ok");
  CHECK(by_payload["name"] == "sage");
  CHECK(by_payload["id"] == sage_id);
  CHECK(by_payload["cluster"] == "orchestration");
  CHECK(by_payload["version"] == "1.2.3");
  CHECK(by_payload["runtime_version"] == "9.9.9");
  CHECK(by_payload["state"] == "active");

  inbound_message by_ref{subject_kind::agent_ref,
                         "agent.orchestration.sage." + sage_id + ".command.ping", "_INBOX.r", ""};
  json by_subject = reply_to(agent, by_ref);
  CHECK(by_subject["name"] == "sage");
  CHECK(by_subject["counters"]["inbox"] == 1);
  CHECK(by_subject["counters"]["agent_ref"] == 1);
}

TEST_CASE("the six commands move the agent through its lifecycle") {
  agent_core agent(sage(), {"1", "h"});
  CHECK(reply_to(agent, make_command("SuspendAgent", {{"reason", "maintenance"}}))["state"] ==
        "suspended");
  CHECK(reply_to(agent, make_command("ActivateAgent"))["state"] == "active");
  CHECK(reply_to(agent, make_command("DecommissionAgent"))["state"] == "decommissioned");
  json deploy = make_command(
    "DeployAgent", {{"person_id", "01936f11-4ea2-7000-8000-0000000000ff"}, {"name", "sage"}});
  CHECK(reply_to(agent, deploy)["state"] == "deployed");
  json configure =
    make_command("ConfigureModel", {{"config", {{"provider", "mock"}, {"model_name", "other"}}}});
  CHECK(reply_to(agent, configure)["state"] == "configured");
  CHECK(agent.model().model_name == "other");
  CHECK(reply_to(agent, make_command("ActivateAgent"))["state"] == "active");
  CHECK(agent.counters().errors == 0);
  CHECK(agent.counters().ok == 6);
}

TEST_CASE("SendMessage on the mock model answers with the whole conversation") {
  agent_core agent(sage(), {"1", "h"});
  json cmd = make_command("SendMessage", {{"message_id", "01936f11-4ea2-7000-8000-0000000000aa"},
                                          {"content", "plan the release"},
                                          {"context", {{{"role", "user"}, {"content", "hi"}}}}});
  agent_core::outcome out = agent.handle(inbox(cmd.dump()));
  REQUIRE(out.completion);
  CHECK_FALSE(out.reply);
  REQUIRE(out.completion->messages.size() == 3);
  CHECK(out.completion->messages[0].content == "You are Sage.");
  CHECK(out.completion->messages[1].content == "hi");
  CHECK(out.completion->messages[2].content == "plan the release");

  json reply = reply_to(agent, inbox(cmd.dump()));
  CHECK(reply["status"] == "ok");
  CHECK(reply["message_id"] == "01936f11-4ea2-7000-8000-0000000000aa");
  CHECK(reply["response"] == mock_provider::answer_for(*out.completion));
}

TEST_CASE("refused transitions and bad input get error replies and are counted") {
  agent_core agent(sage(), {"1", "h"});

  SUBCASE("a refused transition") {
    json reply = reply_to(agent, make_command("ActivateAgent"));
    CHECK(reply["status"] == "error");
    CHECK(reply["message"] == "ActivateAgent: agent is already active");
    CHECK(agent.counters().errors == 1);
    CHECK(agent.counters().bad_input == 0);
  }
  SUBCASE("a message to a suspended agent") {
    reply_to(agent, make_command("SuspendAgent", {{"reason", "x"}}));
    json cmd = make_command(
      "SendMessage", {{"message_id", "01936f11-4ea2-7000-8000-0000000000aa"}, {"content", "hi"}});
    json reply = reply_to(agent, cmd);
    CHECK(reply["message"] == "SendMessage: agent is suspended; send ActivateAgent to resume it");
  }
  SUBCASE("a command for another agent") {
    json cmd = make_command("ActivateAgent");
    cmd["agent_id"] = "01936f22-7c43-7000-8000-000000000002";
    json reply = reply_to(agent, cmd);
    CHECK(reply["message"] == "ActivateAgent: agent_id 01936f22-7c43-7000-8000-000000000002 is "
                              "not this agent (sage is " +
                                sage_id + ")");
    CHECK(agent.counters().bad_input == 1);
  }
  SUBCASE("a deploy under another name") {
    json reply =
      reply_to(agent, make_command("DeployAgent", {{"person_id", sage_id}, {"name", "x"}}));
    CHECK(reply["message"] == "DeployAgent: name 'x' does not match this agent 'sage'");
  }
  SUBCASE("text that is not JSON") {
    json reply = reply_to(agent, inbox("hello there"));
    CHECK(reply["status"] == "error");
    CHECK(reply["message"] == "payload is not valid JSON (error at byte 1)");
    CHECK(agent.counters().bad_input == 1);
  }
  SUBCASE("without a reply subject, the error is still handled and counted") {
    inbound_message message = inbox("{");
    message.reply.clear();
    agent.handle(message);
    CHECK(agent.counters().errors == 1);
  }
  CHECK(agent.state() == (agent.counters().ok ? lifecycle::suspended : lifecycle::active));
}

TEST_CASE("a broadcast is acknowledged as a notice, never executed as a command") {
  agent_core agent(sage(), {"1", "h"});
  inbound_message message{subject_kind::broadcast, "agent.broadcast.test", "",
                          make_command("SuspendAgent", {{"reason", "x"}}).dump()};
  agent_core::outcome out = agent.handle(message);
  REQUIRE(out.reply);
  CHECK(json::parse(*out.reply)["received"] == "broadcast");
  CHECK(agent.state() == lifecycle::active);
  CHECK(agent.counters().broadcast == 1);
  CHECK(agent.counters().errors == 0);
}

TEST_CASE("a model failure ends the request with an error reply") {
  agent_core agent(sage(), {"1", "h"});
  chat_request request;
  request.message_id = "m";
  chat_result failed;
  failed.error = "connection refused";
  json reply = json::parse(agent.finish(request, failed));
  CHECK(reply["status"] == "error");
  CHECK(reply["message"] == "SendMessage failed: connection refused");
  CHECK(agent.counters().errors == 1);
}

TEST_CASE("each accepted command yields its event; refusals, pings and bad input none") {
  agent_core agent(sage(), {"1", "h"});
  auto events_of = [&](const std::string& payload) {
    return agent.handle(inbox(payload)).events;
  };

  CHECK(events_of("ping").empty());
  CHECK(events_of("{not json").empty());
  CHECK(events_of(make_command("ActivateAgent").dump()).empty());

  auto suspended = events_of(make_command("SuspendAgent", {{"reason", "pause"}}).dump());
  REQUIRE(suspended.size() == 1);
  CHECK(std::get<agent_suspended>(suspended[0]).reason == "pause");

  auto decommissioned = events_of(make_command("DecommissionAgent").dump());
  REQUIRE(decommissioned.size() == 1);
  CHECK(std::holds_alternative<agent_decommissioned>(decommissioned[0]));

  json deploy = make_command("DeployAgent", {{"person_id", "01936f11-4ea2-7000-8000-0000000000ff"},
                                             {"name", "sage"},
                                             {"description", "new"}});
  auto deployed = events_of(deploy.dump());
  REQUIRE(deployed.size() == 1);
  CHECK(std::get<agent_deployed>(deployed[0]).person_id == "01936f11-4ea2-7000-8000-0000000000ff");

  SUBCASE("a refused deploy changes nothing") {
    json again = deploy;
    again["person_id"] = "01936f11-4ea2-7000-8000-0000000000ee";
    again["description"] = "other";
    CHECK(events_of(again.dump()).empty());
    CHECK(agent.snapshot().person_id == "01936f11-4ea2-7000-8000-0000000000ff");
    CHECK(agent.snapshot().description == "new");
  }
  SUBCASE("a message yields MessageSent with its content and context") {
    CHECK(events_of(make_command("ConfigureModel",
                                 {{"config", {{"provider", "mock"}, {"model_name", "m"}}}})
                      .dump())
            .size() == 1);
    CHECK(events_of(make_command("ActivateAgent").dump()).size() == 1);
    json send = make_command("SendMessage", {{"message_id", "01936f11-4ea2-7000-8000-0000000000aa"},
                                             {"content", "hello"},
                                             {"context", {{{"role", "user"}, {"content", "hi"}}}}});
    auto sent = events_of(send.dump());
    REQUIRE(sent.size() == 1);
    const auto& e = std::get<message_sent>(sent[0]);
    CHECK(e.message_id == "01936f11-4ea2-7000-8000-0000000000aa");
    CHECK(e.content == "hello");
    REQUIRE(e.context.size() == 1);
    CHECK(e.context[0].content == "hi");
  }
}

// The event model: subjects, the envelope's JSON, ids and timestamps, and
// how events fold into an agent's state.

#include <regex>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "config/fleet_config.hpp"
#include "events/agent_projection.hpp"
#include "events/event_envelope.hpp"

using namespace agent_runtime;
using nlohmann::json;

namespace {

const std::string agent_id = "01936f11-4ea2-7000-8000-000000000001";
const std::string message_id = "01936f22-7c43-7000-8000-000000000042";

agent_definition sage() {
  agent_definition d;
  d.name = "sage";
  d.id = agent_id;
  d.cluster = "orchestration";
  d.description = "orchestrates";
  d.model.provider = "mock";
  d.model.model_name = "mock-1";
  return d;
}

} // namespace

TEST_CASE("each event has the subject product.md gives it") {
  const std::string prefix = "agent.events.agent." + agent_id + ".";
  CHECK(event_subjects::for_event(agent_id, agent_deployed{}) == prefix + "deployed");
  CHECK(event_subjects::for_event(agent_id, model_configured{}) == prefix + "model_configured");
  CHECK(event_subjects::for_event(agent_id, agent_activated{}) == prefix + "activated");
  CHECK(event_subjects::for_event(agent_id, agent_suspended{}) == prefix + "suspended");
  CHECK(event_subjects::for_event(agent_id, agent_decommissioned{}) == prefix + "decommissioned");
  CHECK(event_subjects::for_event(agent_id, message_sent{message_id, "hi", {}}) ==
        prefix + "message." + message_id + ".sent");
  CHECK(event_subjects::for_event(agent_id, response_chunk{message_id, 3, "x"}) ==
        prefix + "message." + message_id + ".chunk.3");
  CHECK(event_subjects::for_event(agent_id, response_completed{message_id, "x", 1}) ==
        prefix + "message." + message_id + ".completed");
  CHECK(event_subjects::for_event(agent_id, response_failed{message_id, "down"}) ==
        prefix + "message." + message_id + ".failed");
  CHECK(event_subjects::unified("orchestration", "sage", agent_id, agent_activated{}) ==
        "agent.orchestration.sage." + agent_id + ".event.activated");
  CHECK(event_subjects::for_agent(agent_id) == prefix + ">");
}

TEST_CASE("an envelope is the contract's JSON and reads back the same") {
  model_config config;
  config.provider = "ollama";
  config.model_name = "llama3";
  config.temperature = 0.5;
  config.stop_sequences = {"END"};
  config.system_prompt = "be brief";
  event_envelope envelope{agent_id, 7,    model_configured{config}, "2026-12-03T21:30:00.123Z",
                          "c-1",    "c-2"};

  json out = json::parse(envelope_to_json(envelope));
  CHECK(out["aggregate_id"] == agent_id);
  CHECK(out["sequence"] == 7);
  CHECK(out["timestamp"] == "2026-12-03T21:30:00.123Z");
  CHECK(out["correlation_id"] == "c-1");
  CHECK(out["causation_id"] == "c-2");
  CHECK(out["event"]["type"] == "ModelConfigured");
  CHECK(out["event"]["config"]["provider"] == "ollama");
  CHECK(out["event"]["config"]["temperature"] == 0.5);
  CHECK(out.size() == 6);

  auto back = envelope_from_json(envelope_to_json(envelope));
  REQUIRE(back);
  CHECK(back->sequence == 7);
  const auto& read = std::get<model_configured>(back->event).config;
  CHECK(read.model_name == "llama3");
  CHECK(read.temperature == 0.5);
  CHECK(read.stop_sequences == std::vector<std::string>{"END"});
  CHECK(read.system_prompt == std::optional<std::string>("be brief"));
  CHECK_FALSE(read.top_p);
}

TEST_CASE("every event type reads back as itself") {
  std::vector<agent_event> all = {
    agent_deployed{"p", "sage", "d"},
    model_configured{},
    agent_activated{},
    agent_suspended{"maintenance"},
    agent_decommissioned{"retired"},
    message_sent{message_id, "hello", {{"user", "before"}}},
    response_chunk{message_id, 2, "piece"},
    response_completed{message_id, "whole", 3},
    response_failed{message_id, "timeout"},
  };
  for (const agent_event& event : all) {
    CAPTURE(event_type(event));
    auto back = event_from_json(event_to_json(event));
    REQUIRE(back);
    CHECK(back->index() == event.index());
    CHECK(event_to_json(*back) == event_to_json(event));
  }
  CHECK(std::string(event_type(all.back())) == "ResponseFailed");
}

TEST_CASE("text that is not an envelope is refused") {
  CHECK_FALSE(envelope_from_json("not json"));
  CHECK_FALSE(envelope_from_json("{}"));
  CHECK_FALSE(envelope_from_json(
    R"({"aggregate_id":"a","sequence":1,"event":{"type":"Unheard"},"timestamp":""})"));
  CHECK_FALSE(
    envelope_from_json(R"({"aggregate_id":"a","sequence":-1,"event":{"type":"AgentActivated"}})"));
}

TEST_CASE("timestamps are RFC 3339 in UTC and ids are UUIDs version 7") {
  using namespace std::chrono;
  CHECK(rfc3339_utc(system_clock::time_point(milliseconds(1796333400123))) ==
        "2026-12-03T21:30:00.123Z");
  CHECK(rfc3339_utc(system_clock::time_point(milliseconds(0))) == "1970-01-01T00:00:00.000Z");
  const std::string id = new_uuid_v7();
  CHECK(is_uuid(id));
  CHECK(id[14] == '7');
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);
  CHECK(new_uuid_v7() != id);
}

TEST_CASE("a stream's subjects cover the event subjects or overlap them") {
  SUBCASE("covers") {
    CHECK(event_subjects::covers("agent.events.>", "agent.events.>"));
    CHECK(event_subjects::covers("agent.>", "agent.events.>"));
    CHECK(event_subjects::covers(">", "agent.events.>"));
    CHECK(event_subjects::covers("agent.*.>", "agent.events.>"));
    CHECK_FALSE(event_subjects::covers("agent.events.*", "agent.events.>"));
    CHECK_FALSE(event_subjects::covers("agent.events.agent.x.>", "agent.events.>"));
    CHECK_FALSE(event_subjects::covers("orders.>", "agent.events.>"));
    CHECK(event_subjects::covers("agent.events.agent.a.>", "agent.events.agent.a.deployed"));
    CHECK_FALSE(event_subjects::covers("agent.events.agent.a.>", "agent.events.agent.a"));
  }
  SUBCASE("overlap") {
    CHECK(event_subjects::overlap("agent.events.agent.x.>", "agent.events.>"));
    CHECK(event_subjects::overlap("agent.*.agent", "agent.events.>"));
    CHECK_FALSE(event_subjects::overlap("orders.>", "agent.events.>"));
    CHECK_FALSE(event_subjects::overlap("agent.events", "agent.events.>"));
  }
}

TEST_CASE("events fold into the agent's state as the lifecycle says") {
  agent_snapshot state = initial_state(sage());
  CHECK(state.state == lifecycle::active);
  CHECK(state.model.model_name == "mock-1");
  CHECK(state.description == "orchestrates");

  fold(state, agent_decommissioned{"old"});
  CHECK(state.state == lifecycle::decommissioned);
  fold(state, agent_deployed{"01936f11-4ea2-7000-8000-0000000000aa", "sage", "new job"});
  CHECK(state.state == lifecycle::deployed);
  CHECK(state.person_id == "01936f11-4ea2-7000-8000-0000000000aa");
  CHECK(state.description == "new job");
  model_config config;
  config.model_name = "other";
  fold(state, model_configured{config});
  CHECK(state.state == lifecycle::configured);
  CHECK(state.model.model_name == "other");
  fold(state, agent_activated{});
  fold(state, message_sent{message_id, "hi", {}});
  fold(state, response_chunk{message_id, 0, "x"});
  CHECK(state.state == lifecycle::active);
  fold(state, agent_suspended{"pause"});
  CHECK(state.state == lifecycle::suspended);
  fold(state, model_configured{config});
  CHECK(state.state == lifecycle::suspended);
}

TEST_CASE("a snapshot keeps state and counters") {
  stored_snapshot snapshot{agent_id, 12, initial_state(sage()), "2026-12-03T21:30:00.000Z"};
  snapshot.state.state = lifecycle::suspended;
  snapshot.state.person_id = "p";
  snapshot.state.counters.inbox = 5;
  snapshot.state.counters.bad_input = 2;
  auto back = snapshot_from_json(snapshot_to_json(snapshot));
  REQUIRE(back);
  CHECK(back->aggregate_id == agent_id);
  CHECK(back->sequence == 12);
  CHECK(back->state.state == lifecycle::suspended);
  CHECK(back->state.model.model_name == "mock-1");
  CHECK(back->state.person_id == "p");
  CHECK(back->state.counters.inbox == 5);
  CHECK(back->state.counters.bad_input == 2);
  CHECK_FALSE(snapshot_from_json(R"({"aggregate_id":"a","snapshot":{"lifecycle":"asleep"}})"));
}

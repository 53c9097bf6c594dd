// The event stream on a real nats-server with JetStream: what a lifecycle
// and a conversation leave in the stream, a fleet stopped and started again
// on the same store, and the streams that stop a start.

#include <nats/nats.h>

#include <doctest/doctest.h>

#include "events/agent_journal.hpp"
#include "events/event_envelope.hpp"
#include "events/jetstream_event_log.hpp"
#include "support/http_test_server.hpp"
#include "support/running_fleet.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::string sage_id = "01936f11-4ea2-7000-8000-000000000001";
const std::string ddd_id = "01936f22-7c43-7000-8000-000000000002";

struct stream_record {
  std::string subject;
  json payload;
};

/// A JetStream context of its own, for reading and shaping streams the way
/// an operator's tool would.
class jetstream_admin {
public:
  explicit jetstream_admin(const std::string& url) {
    REQUIRE(natsConnection_ConnectTo(&connection_, url.c_str()) == NATS_OK);
    REQUIRE(natsConnection_JetStream(&js_, connection_, nullptr) == NATS_OK);
  }
  ~jetstream_admin() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(connection_);
  }

  void create_stream(const std::string& name, const std::string& subject) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char* subjects[] = {subject.c_str()};
    config.Name = name.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_MemoryStorage;
    jsStreamInfo* info = nullptr;
    REQUIRE(js_AddStream(&info, js_, &config, nullptr, nullptr) == NATS_OK);
    jsStreamInfo_Destroy(info);
  }

  /// Every record of `stream`, in order, read one by one by sequence.
  std::vector<stream_record> records(const std::string& stream) {
    jsStreamInfo* info = nullptr;
    REQUIRE(js_GetStreamInfo(&info, js_, stream.c_str(), nullptr, nullptr) == NATS_OK);
    const std::uint64_t first = info->State.FirstSeq;
    const std::uint64_t last = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    std::vector<stream_record> out;
    for (std::uint64_t seq = first; seq != 0 && seq <= last; ++seq) {
      natsMsg* msg = nullptr;
      if (js_GetMsg(&msg, js_, stream.c_str(), seq, nullptr, nullptr) != NATS_OK)
        continue;
      out.push_back({natsMsg_GetSubject(msg),
                     json::parse(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)),
                                 nullptr, false)});
      natsMsg_Destroy(msg);
    }
    return out;
  }

  /// The records of `agent_id` on event subjects (no snapshots), in order.
  std::vector<stream_record> events_of(const std::string& stream, const std::string& agent_id) {
    std::vector<stream_record> out;
    const std::string prefix = "agent.events.agent." + agent_id + ".";
    for (stream_record& record : records(stream)) {
      if (record.subject.rfind(prefix, 0) == 0 && record.subject != prefix + "snapshot")
        out.push_back(std::move(record));
    }
    return out;
  }

  /// Waits until `agent_id` has at least `n` events in `stream`.
  std::vector<stream_record> wait_for_events(const std::string& stream, const std::string& agent_id,
                                             std::size_t n) {
    std::vector<stream_record> events;
    eventually([&] {
      events = events_of(stream, agent_id);
      return events.size() >= n;
    });
    return events;
  }

private:
  natsConnection* connection_ = nullptr;
  jsCtx* js_ = nullptr;
};

json make_command(const std::string& type, const std::string& agent_id,
                  json fields = json::object()) {
  fields["type"] = type;
  fields["agent_id"] = agent_id;
  return fields;
}

/// Checks the envelope's fields and that sequences run 1, 2, 3, ...
void check_envelopes(const std::vector<stream_record>& events, const std::string& agent_id) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    CAPTURE(events[i].subject);
    const json& e = events[i].payload;
    CHECK(e["aggregate_id"] == agent_id);
    CHECK(e["sequence"] == i + 1);
    CHECK(e["event"]["type"].is_string());
    CHECK(e["timestamp"].get<std::string>().size() == 24);
    CHECK(e["timestamp"].get<std::string>().back() == 'Z');
    CHECK(!e["correlation_id"].get<std::string>().empty());
    CHECK(!e["causation_id"].get<std::string>().empty());
    CHECK(e.size() == 6);
  }
}

std::string start_error(
  const std::string& url, const std::function<void(fleet_config&)>& adjust = [](fleet_config&) {}) {
  fleet_config fleet = load_fleet_config(AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml");
  adjust(fleet);
  fleet_runtime runtime(fleet, runtime_options{url});
  try {
    runtime.start();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "started";
}

} // namespace

TEST_CASE("a full lifecycle leaves its events in the stream, numbered without gaps") {
  running_fleet f;
  jetstream_admin js(f.server.url());
  const std::string person = "01936f11-4ea2-7000-8000-0000000000ff";
  CHECK(f.send("sage", make_command("DecommissionAgent", sage_id,
                                    {{"reason", "rebuild"}}))["status"] == "ok");
  CHECK(f.send("sage", make_command("DeployAgent", sage_id,
                                    {{"person_id", person},
                                     {"name", "sage"},
                                     {"description", "new"}}))["state"] == "deployed");
  CHECK(f.send(
          "sage",
          make_command("ConfigureModel", sage_id,
                       {{"config", {{"provider", "mock"}, {"model_name", "mock-xl"}}}}))["state"] ==
        "configured");
  CHECK(f.send("sage", make_command("ActivateAgent", sage_id))["state"] == "active");
  CHECK(f.send("sage", make_command("SuspendAgent", sage_id, {{"reason", "pause"}}))["state"] ==
        "suspended");
  // Refused: no event.
  CHECK(f.send("sage", make_command("SuspendAgent", sage_id, {{"reason", "again"}}))["status"] ==
        "error");
  CHECK(f.send("sage", make_command("DecommissionAgent", sage_id))["state"] == "decommissioned");

  auto events = js.wait_for_events("AGENT_EVENTS", sage_id, 6);
  REQUIRE(events.size() == 6);
  const std::string prefix = "agent.events.agent." + sage_id + ".";
  const std::vector<std::pair<std::string, std::string>> expected = {
    {"decommissioned", "AgentDecommissioned"}, {"deployed", "AgentDeployed"},
    {"model_configured", "ModelConfigured"},   {"activated", "AgentActivated"},
    {"suspended", "AgentSuspended"},           {"decommissioned", "AgentDecommissioned"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(events[i].subject == prefix + expected[i].first);
    CHECK(events[i].payload["event"]["type"] == expected[i].second);
  }
  check_envelopes(events, sage_id);
  CHECK(events[0].payload["event"]["reason"] == "rebuild");
  CHECK(events[1].payload["event"]["person_id"] == person);
  CHECK(events[1].payload["event"]["description"] == "new");
  CHECK(events[2].payload["event"]["config"]["model_name"] == "mock-xl");
  CHECK(events[4].payload["event"]["reason"] == "pause");
  CHECK(events[0].payload["correlation_id"] != events[1].payload["correlation_id"]);
  CHECK(is_uuid(events[0].payload["correlation_id"]));
  // Nobody else was touched.
  CHECK(js.events_of("AGENT_EVENTS", ddd_id).empty());
}

TEST_CASE("a conversation streams sent, each chunk as it comes, then completed") {
  running_fleet f;
  jetstream_admin js(f.server.url());
  const std::string message_id = "01936f22-7c43-7000-8000-0000000000a1";
  json reply = f.send("ddd-expert", make_command("SendMessage", ddd_id,
                                                 {{"message_id", message_id},
                                                  {"content", "what is an aggregate?"},
                                                  {"context", json::array()}}));
  REQUIRE(reply["status"] == "ok");
  const std::size_t chunks = reply["chunks"].get<std::size_t>();
  REQUIRE(chunks > 1);

  auto events = js.wait_for_events("AGENT_EVENTS", ddd_id, chunks + 2);
  REQUIRE(events.size() == chunks + 2);
  check_envelopes(events, ddd_id);
  const std::string prefix = "agent.events.agent." + ddd_id + ".message." + message_id;
  CHECK(events.front().subject == prefix + ".sent");
  CHECK(events.front().payload["event"]["content"] == "what is an aggregate?");
  std::string streamed;
  for (std::size_t i = 0; i < chunks; ++i) {
    CAPTURE(i);
    const stream_record& chunk = events[i + 1];
    CHECK(chunk.subject == prefix + ".chunk." + std::to_string(i));
    CHECK(chunk.payload["event"]["type"] == "ResponseChunk");
    CHECK(chunk.payload["event"]["index"] == i);
    streamed += chunk.payload["event"]["content"].get<std::string>();
  }
  CHECK(streamed == reply["response"]);
  CHECK(events.back().subject == prefix + ".completed");
  CHECK(events.back().payload["event"]["response"] == reply["response"]);
  for (const stream_record& event : events) {
    CHECK(event.payload["correlation_id"] == message_id);
    CHECK(event.payload["causation_id"] == message_id);
  }
}

TEST_CASE("a model request that fails leaves a ResponseFailed event") {
  running_fleet f;
  jetstream_admin js(f.server.url());
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(unused_port());
  REQUIRE(f.send("ddd-expert", make_command("ConfigureModel", ddd_id,
                                            {{"config",
                                              {{"provider", "ollama"},
                                               {"model_name", "llama3"},
                                               {"api_endpoint", endpoint}}}}))["status"] == "ok");
  const std::string message_id = "01936f22-7c43-7000-8000-0000000000a2";
  json reply = f.send(
    "ddd-expert",
    make_command("SendMessage", ddd_id,
                 {{"message_id", message_id}, {"content", "hi"}, {"context", json::array()}}));
  REQUIRE(reply["status"] == "error");

  auto events = js.wait_for_events("AGENT_EVENTS", ddd_id, 3);
  REQUIRE(events.size() == 3);
  check_envelopes(events, ddd_id);
  const std::string prefix = "agent.events.agent." + ddd_id + ".message." + message_id;
  CHECK(events[0].payload["event"]["type"] == "ModelConfigured");
  CHECK(events[1].subject == prefix + ".sent");
  CHECK(events[2].subject == prefix + ".failed");
  CHECK(events[2].payload["event"]["type"] == "ResponseFailed");
  CHECK(reply["message"] ==
        "SendMessage failed: " + events[2].payload["event"]["error"].get<std::string>());
}

TEST_CASE("a fleet started again on the same store answers as the one before") {
  running_fleet f;
  const std::string person = "01936f11-4ea2-7000-8000-0000000000ff";
  // Different states across clusters: suspended, reconfigured, decommissioned,
  // redeployed with a new description, and a conversation.
  REQUIRE(f.send("sage", make_command("SuspendAgent", sage_id, {{"reason", "x"}}))["status"] ==
          "ok");
  REQUIRE(f.send("ddd-expert", make_command("ConfigureModel", ddd_id,
                                            {{"config",
                                              {{"provider", "mock"},
                                               {"model_name", "kept-model"},
                                               {"temperature", 0.3}}}}))["status"] == "ok");
  REQUIRE(f.send("ddd-expert", make_command("SendMessage", ddd_id,
                                            {{"message_id", "01936f22-7c43-7000-8000-0000000000b1"},
                                             {"content", "hello"},
                                             {"context", json::array()}}))["status"] == "ok");
  const auto agents = f.agents();
  const agent_definition& third = agents[5];
  const agent_definition& fourth = agents[9];
  REQUIRE(f.send(third.name, make_command("DecommissionAgent", third.id))["status"] == "ok");
  REQUIRE(f.send(fourth.name, make_command("DecommissionAgent", fourth.id))["status"] == "ok");
  REQUIRE(f.send(fourth.name, make_command("DeployAgent", fourth.id,
                                           {{"person_id", person},
                                            {"name", fourth.name},
                                            {"description", "second life"}}))["status"] == "ok");

  std::map<std::string, json> before;
  for (const agent_definition& agent : agents)
    before[agent.name] = f.ping(agent.name);
  CHECK(before["sage"]["state"] == "suspended");

  f.runtime->stop();
  runtime_options options{f.server.url()};
  f.runtime = std::make_unique<fleet_runtime>(f.fleet, options);
  f.runtime->start();

  for (const agent_definition& agent : agents) {
    CAPTURE(agent.name);
    json after = f.ping(agent.name);
    const json& old = before[agent.name];
    CHECK(after["state"] == old["state"]);
    CHECK(after["provider"] == old["provider"]);
    CHECK(after["model"] == old["model"]);
    // The ping before the stop counted too, and this one counts again.
    CHECK(after["counters"]["inbox"] == old["counters"]["inbox"].get<int>() + 1);
    CHECK(after["counters"]["ok"] == old["counters"]["ok"].get<int>() + 1);
    CHECK(after["counters"]["errors"] == old["counters"]["errors"]);
  }
  CHECK(f.ping("ddd-expert")["model"] == "kept-model");
  CHECK(f.ping(third.name)["state"] == "decommissioned");
  CHECK(f.ping(fourth.name)["state"] == "deployed");

  // It goes on where it stopped: refusals as before, numbering without a gap.
  json again = f.send("sage", make_command("SuspendAgent", sage_id, {{"reason", "y"}}));
  CHECK(again["message"] == "SuspendAgent: agent is already suspended");
  REQUIRE(f.send("sage", make_command("ActivateAgent", sage_id))["state"] == "active");
  jetstream_admin js(f.server.url());
  auto events = js.wait_for_events("AGENT_EVENTS", sage_id, 2);
  REQUIRE(events.size() == 2);
  check_envelopes(events, sage_id);
  CHECK(events[1].payload["event"]["type"] == "AgentActivated");

  // The description came back with the deploy's event.
  auto fourth_events = js.events_of("AGENT_EVENTS", fourth.id);
  REQUIRE(fourth_events.size() == 2);
  CHECK(fourth_events[1].payload["event"]["description"] == "second life");
}

TEST_CASE("with unified subjects on, events are also published on the agent's own subject") {
  running_fleet f(nullptr, [](fleet_config& fleet) { fleet.clusters[0].unified_subjects = true; });
  auto unified = f.client->collect("agent.orchestration.sage." + sage_id + ".event.>");
  auto other = f.client->collect("agent.domain-modeling.*.*.event.>");
  f.client->flush();
  REQUIRE(f.send("sage", make_command("SuspendAgent", sage_id, {{"reason", "x"}}))["status"] ==
          "ok");
  REQUIRE(f.send("ddd-expert", make_command("SuspendAgent", ddd_id, {{"reason", "x"}}))["status"] ==
          "ok");
  REQUIRE(unified->wait_for(1));
  auto got = unified->messages();
  CHECK(got[0].subject == "agent.orchestration.sage." + sage_id + ".event.suspended");
  json envelope = json::parse(got[0].payload);
  CHECK(envelope["sequence"] == 1);
  CHECK(envelope["event"]["type"] == "AgentSuspended");
  f.client->flush();
  CHECK(other->count() == 0);
}

TEST_CASE("a stream that already takes the event subjects under another name is used") {
  nats_server_process server{{0, true}};
  {
    jetstream_admin js(server.url());
    js.create_stream("LEGACY_EVENTS", "agent.events.>");
  }
  fleet_config fleet = load_fleet_config(AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml");
  fleet_runtime runtime(fleet, runtime_options{server.url()});
  runtime.start();
  test_client client(server.url());
  REQUIRE(client.request_json(
            "agent.to.sage.from.test.request",
            make_command("SuspendAgent", sage_id, {{"reason", "x"}}).dump())["status"] == "ok");
  jetstream_admin js(server.url());
  auto events = js.wait_for_events("LEGACY_EVENTS", sage_id, 1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].payload["event"]["type"] == "AgentSuspended");
}

TEST_CASE("streams in the way and a server without JetStream stop the start with one message") {
  SUBCASE("a stream that takes only part of the event subjects") {
    nats_server_process server{{0, true}};
    jetstream_admin(server.url())
      .create_stream("SAGE_ONLY", "agent.events.agent." + sage_id + ".>");
    const std::string why = start_error(server.url());
    CHECK(why.find("stream SAGE_ONLY takes part of agent.events.>") != std::string::npos);
  }
  SUBCASE("the configured stream exists without the event subjects") {
    nats_server_process server{{0, true}};
    jetstream_admin(server.url()).create_stream("AGENT_EVENTS", "orders.>");
    const std::string why = start_error(server.url());
    CHECK(why.find("stream AGENT_EVENTS exists but does not take agent.events.>") !=
          std::string::npos);
  }
  SUBCASE("no JetStream") {
    nats_server_process server{{0, false}};
    const std::string why = start_error(server.url());
    CHECK(why.find("JetStream is not enabled on the NATS server") != std::string::npos);
    CHECK(why.find("-js") != std::string::npos);
  }
}

TEST_CASE("the JetStream log reads an agent's records back after a stop without snapshots") {
  nats_server_process server{{0, true}};
  natsConnection* connection = nullptr;
  REQUIRE(natsConnection_ConnectTo(&connection, server.url().c_str()) == NATS_OK);
  agent_definition sage;
  sage.name = "sage";
  sage.id = sage_id;
  sage.cluster = "orchestration";
  agent_definition ddd = sage;
  ddd.name = "ddd-expert";
  ddd.id = ddd_id;

  // More records than one fetch and than the consumer's unacknowledged
  // limit, with another agent's records between them.
  const std::size_t chunks = 1500;
  {
    jetstream_event_log log(connection, jetstream_options{});
    journal_options no_snapshots;
    no_snapshots.snapshot_every = 1000000;
    agent_journal first(sage, log, no_snapshots);
    agent_journal other(ddd, log, no_snapshots);
    first.record(agent_suspended{"p"}, "a", "a");
    for (std::size_t i = 0; i < chunks; ++i) {
      first.record(response_chunk{"m", i, "x"}, "m", "m");
      other.record(response_chunk{"n", i, "y"}, "n", "n");
    }
    first.record(agent_decommissioned{"done"}, "b", "b");
    REQUIRE(log.flush(10s));
    CHECK(log.counts().confirmed == 2 * chunks + 2);
    CHECK(log.counts().lost == 0);
  }

  jetstream_event_log log(connection, jetstream_options{});
  CHECK(log.records_at_open() == 2 * chunks + 2);
  auto records = log.read(event_subjects::for_agent(sage_id), 0);
  CHECK(records.size() == chunks + 2);
  for (std::size_t i = 1; i < records.size(); ++i)
    CHECK(records[i].position > records[i - 1].position);
  CHECK(log.read(event_subjects::for_agent(sage_id), records[chunks].position).size() == 1);
  auto latest = log.last(event_subjects::for_agent(sage_id));
  REQUIRE(latest);
  CHECK(latest->subject == "agent.events.agent." + sage_id + ".decommissioned");
  CHECK_FALSE(log.last(event_subjects::snapshot(sage_id)));

  agent_journal again(sage, log);
  journal_recovery found = again.recover();
  CHECK_FALSE(found.from_snapshot);
  CHECK(found.events == chunks + 2);
  CHECK(found.sequence == chunks + 2);
  CHECK(found.missing == 0);
  CHECK(again.state().state == lifecycle::decommissioned);
  natsConnection_Destroy(connection);
}

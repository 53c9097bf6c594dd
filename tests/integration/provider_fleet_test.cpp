// The fleet in this process with agents configured for a real network
// provider (ollama, openai) whose server is a local test HTTP server: the
// whole way from SendMessage to the model and back, and what a slow or
// failing model server does to the rest of the fleet (nothing).

#include <doctest/doctest.h>

#include "app/fleet_runtime.hpp"
#include "embedded/nats_server_process.hpp"
#include "support/http_test_server.hpp"
#include "support/model_wire.hpp"
#include "support/test_client.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::string ddd_id = "01936f22-7c43-7000-8000-000000000002";

/// A nats-server, the whole fleet from the shipped config, and a client.
struct running_fleet {
  fleet_config fleet = load_fleet_config(AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml");
  nats_server_process server{{0, true, {}}};
  fleet_runtime runtime;
  std::unique_ptr<test_client> client;

  explicit running_fleet(std::chrono::milliseconds stop_limit = 10s) :
    runtime(fleet, {server.url(), 2, stop_limit}) {
    runtime.start();
    client = std::make_unique<test_client>(server.url());
  }

  json send(const std::string& name, const json& command) {
    return client->request_json("agent.to." + name + ".from.test.request", command.dump());
  }

  /// Points ddd-expert at `endpoint` through ConfigureModel.
  void configure(const std::string& provider, const std::string& endpoint) {
    json reply = send("ddd-expert", {{"type", "ConfigureModel"},
                                     {"agent_id", ddd_id},
                                     {"config",
                                      {{"provider", provider},
                                       {"model_name", "llama3"},
                                       {"api_endpoint", endpoint},
                                       {"temperature", 0.2},
                                       {"system_prompt", "You are the DDD expert."}}}});
    REQUIRE(reply["status"] == "ok");
  }
};

json send_message(const std::string& content, json context = json::array()) {
  static int n = 0;
  char id[40];
  std::snprintf(id, sizeof(id), "01936f22-7c43-7000-8000-%012d", ++n);
  return {{"type", "SendMessage"},
          {"agent_id", ddd_id},
          {"message_id", id},
          {"content", content},
          {"context", std::move(context)}};
}

} // namespace

TEST_CASE("an agent on a slow ollama leaves every other agent answering, then gets its answer") {
  std::shared_ptr<gate> answer_now;
  http_test_server model([&](const received_request&, response_writer& out) {
    out.begin_stream("application/x-ndjson");
    out.chunk(wire::ollama_line("Aggregates "));
    answer_now->wait();
    out.chunk(wire::ollama_line("guard invariants.") + wire::ollama_done());
    out.end_stream();
  });
  answer_now = model.make_gate();
  running_fleet f;
  f.configure("ollama", model.url());

  auto replies = f.client->collect("test.replies.slow");
  const json context = json::array(
    {{{"role", "user"}, {"content", "hi"}}, {{"role", "assistant"}, {"content", "hello"}}});
  f.client->publish("agent.to.ddd-expert.from.test.request",
                    send_message("what is an aggregate?", context).dump(), "test.replies.slow");
  REQUIRE(model.wait_for_requests(1));

  // The model holds its answer: every agent, ddd-expert included, still
  // answers ping at once.
  for (const auto& cluster : f.fleet.clusters) {
    for (const agent_definition& agent : cluster.agents) {
      CAPTURE(agent.name);
      json pong = f.client->request_json("agent.to." + agent.name + ".from.test.request", "ping");
      CHECK(pong["name"] == agent.name);
    }
  }
  CHECK(replies->count() == 0);

  answer_now->open();
  REQUIRE(replies->wait_for(1));
  const json reply = json::parse(replies->messages().front().payload);
  CHECK(reply["status"] == "ok");
  CHECK(reply["provider"] == "ollama");
  CHECK(reply["model"] == "llama3");
  CHECK(reply["response"] == "Aggregates guard invariants.");
  CHECK(reply["chunks"] == 2);

  const json body = model.requests().front().json();
  CHECK(body["messages"] ==
        json::array({{{"role", "system"}, {"content", "You are the DDD expert."}},
                     {{"role", "user"}, {"content", "hi"}},
                     {{"role", "assistant"}, {"content", "hello"}},
                     {{"role", "user"}, {"content", "what is an aggregate?"}}}));
  CHECK(body["options"]["temperature"] == 0.2);
}

TEST_CASE("a failing model server gets an error reply and the agent serves the next message") {
  int calls = 0;
  http_test_server model([&](const received_request&, response_writer& out) {
    if (++calls == 1)
      return out.whole(500, "application/json", R"({"error":{"message":"CUDA out of memory"}})");
    out.whole(200, "text/event-stream",
              wire::openai_role() + wire::openai_text("Bounded contexts.") + wire::openai_end());
  });
  running_fleet f;
  f.configure("openai", model.url() + "/v1");

  json failed = f.send("ddd-expert", send_message("first"));
  CHECK(failed["status"] == "error");
  CHECK(failed["message"] == "SendMessage failed: openai at " + model.url() +
                               ": model server error (HTTP 500): CUDA out of memory");

  json answered = f.send("ddd-expert", send_message("second"));
  CHECK(answered["status"] == "ok");
  CHECK(answered["response"] == "Bounded contexts.");
  CHECK(model.requests().at(1).target == "/v1/chat/completions");

  json pong = f.client->request_json("agent.to.ddd-expert.from.test.request", "ping");
  CHECK(pong["counters"]["errors"] == 1);
  CHECK(pong["state"] == "active");
}

TEST_CASE("a fleet stopped while a model request hangs ends it with an error reply") {
  std::shared_ptr<gate> never;
  http_test_server model([&](const received_request&, response_writer&) { never->wait(); });
  never = model.make_gate();
  running_fleet f(500ms);
  f.configure("ollama", model.url());

  auto replies = f.client->collect("test.replies.stop");
  f.client->publish("agent.to.ddd-expert.from.test.request", send_message("hold").dump(),
                    "test.replies.stop");
  REQUIRE(model.wait_for_requests(1));
  f.runtime.stop();

  REQUIRE(replies->wait_for(1));
  const json reply = json::parse(replies->messages().front().payload);
  CHECK(reply["message"] == "SendMessage failed: ollama at " + model.url() +
                              ": the provider shut down before the answer was complete");
  CHECK(f.client->request("agent.to.sage.from.test.request", "ping", 300ms) == std::nullopt);
}

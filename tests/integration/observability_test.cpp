// What the runtime shows of itself, against a real nats-server: NATS service
// discovery ($SRV.PING, INFO, STATS) and the HTTP endpoints /metrics,
// /healthz and /readyz, with counts that move by exactly the traffic sent.

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include <csignal>

#include <unistd.h>

#include "observability/http_server.hpp"
#include "support/child_process.hpp"
#include "support/http_get.hpp"
#include "support/running_fleet.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::regex semver(R"(^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$)");
const std::regex rfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
const std::regex name_pattern(R"(^[A-Za-z0-9_-]+$)");

const std::string sage_id = "01936f11-4ea2-7000-8000-000000000001";
const std::string shipped_config = AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml";
const std::string ddd_id = "01936f22-7c43-7000-8000-000000000002";

/// The shipped fleet with metrics on a free loopback port and a state
/// folder of its own (no operator decision of another test applies).
struct observed_fleet : running_fleet {
  observed_fleet() :
    running_fleet(nullptr, [](fleet_config& fleet) {
      fleet.settings.metrics_address = "127.0.0.1:0";
      fleet.settings.state_dir = (std::filesystem::temp_directory_path() /
                                  ("agent-runtime-observe-" + std::to_string(::getpid())))
                                   .string();
    }) {}

  std::string metrics() {
    auto reply = http_get(runtime->metrics_address(), "/metrics");
    REQUIRE(reply);
    REQUIRE(reply->status == 200);
    return reply->body;
  }
};

/// The value of the series `series` (name with labels, exactly as exposed).
double sample(const std::string& text, const std::string& series) {
  const std::string head = series + " ";
  std::size_t at = text.rfind("\n" + head);
  if (at == std::string::npos) {
    FAIL_CHECK("no series " << series);
    return -1;
  }
  at += 1 + head.size();
  return std::stod(text.substr(at, text.find('\n', at) - at));
}

std::string agent_labels(const std::string& agent, const std::string& cluster) {
  return "{agent=\"" + agent + "\",cluster=\"" + cluster + "\"";
}

json endpoint(const json& stats, const std::string& name) {
  for (const json& e : stats["endpoints"])
    if (e["name"] == name)
      return e;
  FAIL_CHECK("no endpoint " << name);
  return json::object();
}

} // namespace

TEST_CASE("service discovery answers $SRV.PING, INFO and STATS as the services convention says") {
  observed_fleet f;
  const std::string id = f.runtime->service_id();
  REQUIRE(!id.empty());

  SUBCASE("each verb answers alone, with the service name, and with name and id") {
    const std::string instance = ".agent-runtime." + id;
    for (const std::string verb : {"$SRV.PING", "$SRV.INFO", "$SRV.STATS"}) {
      std::string type = verb == "$SRV.PING" ? "ping" : verb == "$SRV.INFO" ? "info" : "stats";
      for (const std::string& subject : {verb, verb + ".agent-runtime", verb + instance}) {
        CAPTURE(subject);
        json reply = f.client->request_json(subject, "");
        CHECK(reply["type"] == "io.nats.micro.v1." + type + "_response");
        CHECK(reply["name"] == "agent-runtime");
        CHECK(reply["id"] == id);
        CHECK(std::regex_match(reply["version"].get<std::string>(), semver));
        CHECK(reply["metadata"]["agents"] == "31");
      }
    }
  }

  SUBCASE("another service's name or another instance's id gets no answer") {
    CHECK_FALSE(f.client->request("$SRV.PING.other-service", "", 300ms));
    CHECK_FALSE(f.client->request("$SRV.PING.agent-runtime.not-this-one", "", 300ms));
    CHECK_FALSE(f.client->request("$SRV.UNKNOWN", "", 300ms));
  }

  SUBCASE("INFO lists each agent's three subjects as endpoints") {
    json info = f.client->request_json("$SRV.INFO", "");
    CHECK(info["description"].is_string());
    REQUIRE(info["endpoints"].size() == 31 * 3);
    for (const json& e : info["endpoints"]) {
      CHECK(std::regex_match(e["name"].get<std::string>(), name_pattern));
      CHECK(e["queue_group"] == "agent-runtime." + e["metadata"]["agent"].get<std::string>());
    }
    json sage = endpoint(info, "sage_inbox");
    CHECK(sage["subject"] == "agent.to.sage.>");
    CHECK(sage["metadata"] ==
          json{{"agent", "sage"}, {"cluster", "orchestration"}, {"kind", "inbox"}});
    CHECK(endpoint(info, "sage_ref")["subject"] == "agent.*.*." + sage_id + ".command.>");
    CHECK(endpoint(info, "sage_broadcast")["subject"] == "agent.broadcast.>");
  }

  SUBCASE("STATS has every field of the convention, in nanoseconds") {
    json stats = f.client->request_json("$SRV.STATS", "");
    CHECK(std::regex_match(stats["started"].get<std::string>(), rfc3339));
    REQUIRE(stats["endpoints"].size() == 31 * 3);
    for (const json& e : stats["endpoints"]) {
      for (const char* field : {"name", "subject", "queue_group", "last_error"})
        CHECK_MESSAGE(e[field].is_string(), field);
      for (const char* field :
           {"num_requests", "num_errors", "processing_time", "average_processing_time"})
        CHECK_MESSAGE(e[field].is_number_unsigned(), field);
    }
  }
}

TEST_CASE("$SRV.STATS counts go up by exactly the requests and errors sent") {
  observed_fleet f;
  const json before = f.client->request_json("$SRV.STATS", "");

  for (int i = 0; i < 4; ++i)
    CHECK(f.ping("sage")["status"] == "ok");
  const json bad = f.client->request_json("agent.to.sage.from.test.request", "{not json");
  CHECK(bad["status"] == "error");
  for (int i = 0; i < 2; ++i)
    CHECK(f.client->request_json("agent.orchestration.sage." + sage_id + ".command.ping",
                                 "")["status"] == "ok");

  const json after = f.client->request_json("$SRV.STATS", "");
  auto moved = [&](const std::string& name, const char* field) {
    return endpoint(after, name)[field].get<std::uint64_t>() -
           endpoint(before, name)[field].get<std::uint64_t>();
  };
  CHECK(moved("sage_inbox", "num_requests") == 5);
  CHECK(moved("sage_inbox", "num_errors") == 1);
  CHECK(moved("sage_ref", "num_requests") == 2);
  CHECK(moved("sage_ref", "num_errors") == 0);
  CHECK(moved("ddd-expert_inbox", "num_requests") == 0);
  const json inbox = endpoint(after, "sage_inbox");
  CHECK(inbox["last_error"].get<std::string>().find("JSON") != std::string::npos);
  CHECK(inbox["processing_time"].get<std::uint64_t>() > 0);
  CHECK(inbox["average_processing_time"] ==
        inbox["processing_time"].get<std::uint64_t>() / inbox["num_requests"].get<std::uint64_t>());
}

TEST_CASE("discovery requests never reach the agents") {
  observed_fleet f;
  const json first = f.ping("sage");
  for (int i = 0; i < 20; ++i)
    f.client->request_json("$SRV.STATS", "");
  const json second = f.ping("sage");
  // Exactly the second ping came in between.
  CHECK(second["counters"]["inbox"] == first["counters"]["inbox"].get<std::uint64_t>() + 1);
  // Kept in a variable: a range over a member of a temporary would dangle.
  const json stats = f.client->request_json("$SRV.STATS", "");
  for (const json& e : stats["endpoints"])
    if (e["name"] != "sage_inbox")
      CHECK_MESSAGE(e["num_requests"] == 0, e["name"]);
}

TEST_CASE("/metrics counts exactly the traffic sent, per agent and subject kind") {
  observed_fleet f;
  const std::string ddd = agent_labels("ddd-expert", "domain-modeling");
  const std::string before = f.metrics();

  for (int i = 0; i < 4; ++i)
    CHECK(f.ping("ddd-expert")["status"] == "ok");
  CHECK(f.client->request_json("agent.to.ddd-expert.from.test.request", "{not json")["status"] ==
        "error");
  for (int i = 0; i < 2; ++i)
    CHECK(f.client->request_json("agent.domain-modeling.ddd-expert." + ddd_id + ".command.ping",
                                 "")["status"] == "ok");
  // One broadcast, one reply subject for all 31 agents' acknowledgements.
  auto acks = f.client->collect("test.broadcast.acks");
  f.client->publish("agent.broadcast.notice", "maintenance tonight", "test.broadcast.acks");
  REQUIRE(acks->wait_for(31));

  const std::string after = f.metrics();
  auto moved = [&](const std::string& series) {
    return sample(after, series) - sample(before, series);
  };
  const std::string requests = "agent_runtime_agent_requests_total" + ddd;
  CHECK(moved(requests + ",kind=\"inbox\"}") == 5);
  CHECK(moved(requests + ",kind=\"agent_ref\"}") == 2);
  CHECK(moved(requests + ",kind=\"broadcast\"}") == 1);
  CHECK(moved("agent_runtime_agent_errors_total" + ddd + "}") == 1);
  CHECK(moved("agent_runtime_agent_busy_refusals_total" + ddd + "}") == 0);
  CHECK(moved("agent_runtime_agent_request_duration_seconds_count" + ddd + "}") == 8);
  CHECK(moved("agent_runtime_agent_request_duration_seconds_bucket" + ddd + ",le=\"+Inf\"}") == 8);
  CHECK(sample(after, "agent_runtime_agent_in_flight" + ddd + "}") == 0);
  // Every other agent saw the broadcast and nothing else.
  const std::string sage = agent_labels("sage", "orchestration");
  CHECK(moved("agent_runtime_agent_requests_total" + sage + ",kind=\"broadcast\"}") == 1);
  CHECK(moved("agent_runtime_agent_requests_total" + sage + ",kind=\"inbox\"}") == 0);

  CHECK(sample(after, "agent_runtime_cluster_enabled{cluster=\"domain-modeling\"}") == 1);
  CHECK(
    sample(after,
           "agent_runtime_cluster_version_info{cluster=\"domain-modeling\",version=\"1.0.0\"}") ==
    1);
  CHECK(sample(after, "agent_runtime_cluster_restarts_total{cluster=\"domain-modeling\"}") == 0);
  CHECK(sample(after, "agent_runtime_nats_connected") == 1);
  CHECK(sample(after, "agent_runtime_nats_reconnects_total") == 0);
  CHECK(sample(after, "agent_runtime_nats_slow_consumer_events_total") == 0);

  // A conversation is recorded in the event stream (sent, its chunks,
  // completed), and the stream confirms each append.
  const json reply = f.send("ddd-expert", {{"type", "SendMessage"},
                                           {"agent_id", ddd_id},
                                           {"message_id", "01936f22-7c43-7000-8000-0000000000b1"},
                                           {"content", "what is an aggregate?"},
                                           {"context", json::array()}});
  REQUIRE(reply["status"] == "ok");
  const double recorded = reply["chunks"].get<double>() + 2;
  std::string settled;
  CHECK(eventually([&] {
    settled = f.metrics();
    return sample(settled, "agent_runtime_events_unconfirmed") == 0;
  }));
  CHECK(sample(settled, "agent_runtime_events_appended_total") -
          sample(after, "agent_runtime_events_appended_total") ==
        recorded);
  CHECK(sample(settled, "agent_runtime_events_confirmed_total") ==
        sample(settled, "agent_runtime_events_appended_total"));
  CHECK(sample(settled, "agent_runtime_events_lost_total") == 0);
  CHECK(sample(settled, "agent_runtime_events_retried_total") == 0);
}

TEST_CASE("/healthz and /readyz answer, and /readyz says why while NATS is down") {
  observed_fleet f;
  const std::string address = f.runtime->metrics_address();
  REQUIRE(address.rfind("127.0.0.1:", 0) == 0);

  auto status_of = [&](const std::string& path) {
    auto reply = http_get(address, path);
    return reply ? reply->status : 0u;
  };
  CHECK(status_of("/healthz") == 200);
  CHECK(status_of("/readyz") == 200);
  CHECK(status_of("/nothing-here") == 404);
  auto metrics = http_get(address, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->content_type.find("version=0.0.4") != std::string::npos);

  f.server.kill_now();
  CHECK(eventually([&] { return status_of("/readyz") == 503; }));
  auto reply = http_get(address, "/readyz");
  REQUIRE(reply);
  CHECK(reply->body.find("nats disconnected") != std::string::npos);
  CHECK(status_of("/healthz") == 200);
  CHECK(sample(f.metrics(), "agent_runtime_nats_connected") == 0);

  f.server.restart();
  CHECK(eventually([&] { return status_of("/readyz") == 200; }, 30s));
  CHECK(sample(f.metrics(), "agent_runtime_nats_reconnects_total") >= 1);
}

TEST_CASE(
  "the HTTP endpoints are off unless an address is set, and a bad address stops the start") {
  SUBCASE("off by default") {
    running_fleet f;
    CHECK(f.runtime->metrics_address().empty());
    CHECK_FALSE(f.runtime->service_id().empty());
  }
  SUBCASE("an address that is not host:port") {
    nats_server_process server{{0, true}};
    fleet_config fleet = load_fleet_config(AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml");
    runtime_options options;
    options.nats_url = server.url();
    options.metrics_address = "127.0.0.1:http";
    fleet_runtime runtime(fleet, options);
    CHECK_THROWS_WITH_AS(runtime.start(), doctest::Contains("port"), http_server_error);
  }
}

TEST_CASE("agentctl metrics prints each runtime's endpoint counts, with exit codes to trust") {
  observed_fleet f;
  for (int i = 0; i < 3; ++i)
    CHECK(f.ping("sage")["status"] == "ok");
  CHECK(f.client->request_json("agent.to.sage.from.test.request", "{not json")["status"] ==
        "error");

  SUBCASE("a table for people") {
    child_process ctl({AGENTCTL_BINARY, "--nats", f.server.url(), "metrics", "--agent", "sage"});
    REQUIRE(ctl.wait() == 0);
    const std::string out = ctl.output();
    CHECK(out.find("instance " + f.runtime->service_id()) != std::string::npos);
    CHECK(std::regex_search(
      out, std::regex(R"(sage_inbox\s+4\s+1\s+[0-9.]+\s+payload is not valid JSON)")));
    CHECK(out.find("1 runtime, 4 requests, 1 errors") != std::string::npos);
    CHECK(out.find("ddd-expert") == std::string::npos);
  }
  SUBCASE("JSON for scripts: the stats responses as they came") {
    child_process ctl({AGENTCTL_BINARY, "--nats", f.server.url(), "--json", "metrics"});
    REQUIRE(ctl.wait() == 0);
    json out = json::parse(ctl.output());
    REQUIRE(out.size() == 1);
    CHECK(out[0]["type"] == "io.nats.micro.v1.stats_response");
    CHECK(endpoint(out[0], "sage_inbox")["num_requests"] == 4);
  }
  SUBCASE("no runtime answering is a failure") {
    child_process ctl({AGENTCTL_BINARY, "--nats", f.server.url(), "--timeout", "300", "metrics",
                       "--instance", "not-running"});
    CHECK(ctl.wait() == 1);
    CHECK(ctl.output().find("no runtime answered") != std::string::npos);
  }
  SUBCASE("NATS unreachable") {
    child_process ctl({AGENTCTL_BINARY, "--nats", "nats://127.0.0.1:1", "metrics"});
    CHECK(ctl.wait() == 4);
  }
}

TEST_CASE("agent-runtime --metrics serves the endpoints; an address it cannot use stops it") {
  nats_server_process server{{0, true}};
  SUBCASE("a free port") {
    child_process runtime({AGENT_RUNTIME_BINARY, "--config", shipped_config, "--nats", server.url(),
                           "--metrics", "127.0.0.1:0"});
    REQUIRE(runtime.wait_for_output("[runtime] ready"));
    std::smatch found;
    const std::string out = runtime.output();
    REQUIRE(std::regex_search(out, found, std::regex(R"(on http://(127\.0\.0\.1:\d+))")));
    auto ready = http_get(found[1], "/readyz");
    REQUIRE(ready);
    CHECK(ready->status == 200);
    CHECK(runtime.stop(SIGTERM) == 0);
  }
  SUBCASE("a bad address") {
    child_process runtime({AGENT_RUNTIME_BINARY, "--config", shipped_config, "--nats", server.url(),
                           "--metrics", "127.0.0.1:port"});
    CHECK(runtime.wait() == 1);
    CHECK(runtime.output().find("metrics address '127.0.0.1:port'") != std::string::npos);
  }
}

// The agent-runtime and agentctl programs as a user runs them: start-up log,
// the embedded nats-server, signals, exit codes, and two runtimes sharing
// one NATS.

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>

#include "config/fleet_config.hpp"
#include "embedded/nats_server_process.hpp"
#include "support/child_process.hpp"
#include "support/scoped_env.hpp"
#include "support/test_client.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::string config_file = AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml";

child_process runtime_on(const std::string& url, const std::string& level = "info") {
  return child_process(
    {AGENT_RUNTIME_BINARY, "--config", config_file, "--nats", url, "--log-level", level});
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

bool process_alive(int pid) {
  return ::kill(pid, 0) == 0;
}

} // namespace

TEST_CASE("with no NATS URL the program starts its own nats-server and stops it on SIGTERM") {
  scoped_env no_url("NATS_URL", nullptr);
  // The embedded server keeps its JetStream store in the state folder: one
  // of this test's own, so that no earlier run's events come back.
  char state_dir[] = "/tmp/program-test-XXXXXX";
  REQUIRE(::mkdtemp(state_dir));
  std::optional<scoped_env> state(std::in_place, "STATE_DIRECTORY", state_dir);
  child_process runtime({AGENT_RUNTIME_BINARY, "--config", config_file});
  state.reset();
  REQUIRE_MESSAGE(runtime.wait_for_output("[runtime] ready"), runtime.output());

  std::smatch found;
  const std::string log = runtime.output();
  REQUIRE(std::regex_search(
    log, found, std::regex(R"(started embedded server url=(nats://127\.0\.0\.1:\d+) pid=(\d+))")));
  const std::string url = found[1];
  const int server_pid = std::stoi(found[2]);

  SUBCASE("the start-up log has the three subscription lines of every agent") {
    CHECK(occurrences(log, "Subscribed to legacy inbox: agent.to.") == 31);
    CHECK(occurrences(log, "Subscribed to broadcast: agent.broadcast.>") == 31);
    CHECK(occurrences(log, "Subscribed to agent-ref: agent.*.*.") == 31);
    CHECK(log.find("[sage] Subscribed to legacy inbox: agent.to.sage.>") != std::string::npos);
    CHECK(log.find("[sage] Subscribed to agent-ref: "
                   "agent.*.*.01936f11-4ea2-7000-8000-000000000001.command.>") !=
          std::string::npos);
  }
  SUBCASE("agentctl finds every agent through the embedded server") {
    child_process ctl({AGENTCTL_BINARY, "--nats", url, "ping", "--all", "--config", config_file});
    CHECK(ctl.wait() == 0);
    CHECK(ctl.output().find("31 of 31 agents answered") != std::string::npos);
  }

  CHECK(runtime.stop(SIGTERM) == 0);
  CHECK(runtime.output().find("[nats-server] embedded server stopped") != std::string::npos);
  CHECK_FALSE(process_alive(server_pid));
  CHECK(log.find(std::string("store=") + state_dir + "/jetstream") != std::string::npos);
  CHECK(std::filesystem::is_directory(std::string(state_dir) + "/jetstream"));
  std::filesystem::remove_all(state_dir);
}

TEST_CASE("the Metrics line comes every 100 inbox messages and at shutdown") {
  nats_server_process server{{0, true}};
  child_process runtime = runtime_on(server.url());
  REQUIRE_MESSAGE(runtime.wait_for_output("[runtime] ready"), runtime.output());
  test_client client(server.url());
  for (int i = 0; i < 100; ++i)
    REQUIRE(client.request("agent.to.sage.from.test.request", "ping"));
  client.publish("agent.broadcast.test", "hello");
  REQUIRE(client.request("agent.sdlc.sage.01936f11-4ea2-7000-8000-000000000001.command.ping", ""));

  CHECK(runtime.wait_for_output("[sage] Metrics: inbox=100, broadcast=0, agent-ref=0"));
  CHECK(runtime.output().find("[nats-expert] Metrics") == std::string::npos);
  CHECK(runtime.stop(SIGINT) == 0);
  CHECK(runtime.output().find("[sage] Metrics: inbox=100, broadcast=1, agent-ref=1") !=
        std::string::npos);
  CHECK(runtime.output().find("[nats-expert] Metrics: inbox=0, broadcast=1, agent-ref=0") !=
        std::string::npos);
}

TEST_CASE("two runtimes on one NATS answer each request exactly once") {
  nats_server_process server{{0, true}};
  child_process first = runtime_on(server.url(), "warn");
  child_process second = runtime_on(server.url(), "warn");
  test_client client(server.url());
  fleet_config fleet = load_fleet_config(config_file);

  // Both are ready once each has subscribed; a ping through the queue group
  // cannot tell them apart, so wait on the server's view instead: every
  // agent answers, and both instances have been seen answering.
  std::set<std::string> instances;
  auto replies = client.collect("test.replies.>");
  int sent = 0;
  REQUIRE(eventually(
    [&] {
      for (const auto& cluster : fleet.clusters) {
        for (const auto& agent : cluster.agents) {
          auto reply = client.request("agent.to." + agent.name + ".from.test.ping", "ping", 1s);
          if (reply)
            instances.insert(json::parse(*reply)["instance"].get<std::string>());
        }
      }
      return instances.size() == 2;
    },
    20s));

  for (int round = 0; round < 10; ++round) {
    for (const auto& cluster : fleet.clusters) {
      for (const auto& agent : cluster.agents) {
        client.publish("agent.to." + agent.name + ".from.test.request", "ping",
                       "test.replies." + std::to_string(sent++));
        client.publish("agent." + cluster.id + "." + agent.name + "." + agent.id + ".command.ping",
                       "", "test.replies." + std::to_string(sent++));
      }
    }
  }
  REQUIRE(replies->wait_for(sent, 20s));
  // Any duplicate would be on its way by now; one more round trip through
  // both runtimes gives it time to land before counting.
  for (int i = 0; i < 31; ++i)
    client.request("agent.to.sage.from.test.ping", "ping", 1s);
  client.flush();

  std::map<std::string, int> per_request;
  std::set<std::string> answered_by;
  for (const auto& m : replies->messages()) {
    ++per_request[m.subject];
    answered_by.insert(json::parse(m.payload)["instance"].get<std::string>());
  }
  CHECK(per_request.size() == static_cast<std::size_t>(sent));
  CHECK(replies->count() == static_cast<std::size_t>(sent));
  CHECK(answered_by.size() == 2);
  CHECK(first.stop(SIGTERM) == 0);
  CHECK(second.stop(SIGTERM) == 0);
}

TEST_CASE("a config mistake stops start-up with one message and exit code 3") {
  const std::string dir = std::filesystem::temp_directory_path() / "agent-runtime-bad-config";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/clusters.yaml") << "clusters:\n  - id: one\n    agents:\n"
                                           "      - name: sage\n        id: nope\n"
                                           "        definition: agents/sage.md\n";
  child_process runtime(
    {AGENT_RUNTIME_BINARY, "--config", dir + "/clusters.yaml", "--nats", "nats://127.0.0.1:1"});
  CHECK(runtime.wait() == 3);
  CHECK(
    runtime.output().find(dir + "/clusters.yaml:5: agent 'sage': field 'id': not a UUID: 'nope'") !=
    std::string::npos);
  CHECK(runtime.output().find("Subscribed") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("an unreachable NATS URL stops start-up with exit code 4 and says where") {
  child_process runtime({AGENT_RUNTIME_BINARY, "--config", config_file, "--nats",
                         "nats://127.0.0.1:" + std::to_string(free_loopback_port())});
  CHECK(runtime.wait() == 4);
  CHECK(runtime.output().find("cannot connect to NATS at nats://127.0.0.1:") != std::string::npos);
}

TEST_CASE("--version, --help and a wrong flag answer as a command-line tool should") {
  child_process version({AGENT_RUNTIME_BINARY, "--version"});
  CHECK(version.wait() == 0);
  CHECK(version.output().rfind("agent-runtime ", 0) == 0);

  child_process help({AGENT_RUNTIME_BINARY, "--help"});
  CHECK(help.wait() == 0);
  for (const char* flag : {"--config", "--nats", "--log-level", "--version"})
    CHECK(help.output().find(flag) != std::string::npos);

  child_process wrong({AGENT_RUNTIME_BINARY, "--colour", "blue"});
  CHECK(wrong.wait() == 2);
}

TEST_CASE("under systemd's notify socket the program says READY and the actors feed the watchdog") {
  const std::string path = "/tmp/agent-runtime-notify-" + std::to_string(::getpid());
  int sock = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ::unlink(path.c_str());
  REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  timeval limit{10, 0};
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));

  nats_server_process server{{0, true}};
  child_process runtime({AGENT_RUNTIME_BINARY, "--config", config_file, "--nats", server.url()},
                        {"NOTIFY_SOCKET=" + path, "WATCHDOG_USEC=300000"});
  std::vector<std::string> messages;
  int pings = 0;
  for (int i = 0; i < 50 && pings < 3; ++i) {
    char buffer[512];
    const ssize_t n = ::recv(sock, buffer, sizeof(buffer), 0);
    REQUIRE_MESSAGE(n > 0, runtime.output());
    messages.emplace_back(buffer, static_cast<std::size_t>(n));
    pings += messages.back() == "WATCHDOG=1" ? 1 : 0;
  }
  REQUIRE(!messages.empty());
  CHECK(messages.front().rfind("READY=1\nSTATUS=serving agents=31 nats=connected", 0) == 0);
  CHECK(pings == 3);
  CHECK(runtime.stop(SIGTERM) == 0);
  ::close(sock);
  ::unlink(path.c_str());
}

TEST_CASE("SIGTERM under load: every request sent before it is answered, then exit 0") {
  nats_server_process server{{0, true}};
  child_process runtime = runtime_on(server.url());
  REQUIRE_MESSAGE(runtime.wait_for_output("[runtime] ready"), runtime.output());
  fleet_config fleet = load_fleet_config(config_file);
  test_client client(server.url());
  auto replies = client.collect("test.term.>");

  std::vector<agent_definition> agents;
  for (const auto& cluster : fleet.clusters)
    agents.insert(agents.end(), cluster.agents.begin(), cluster.agents.end());

  // A hundred per agent: well under the in-flight limit, so none is busy.
  const int requests = 3100;
  for (int i = 0; i < requests; ++i) {
    const auto& agent = agents[static_cast<std::size_t>(i) % agents.size()];
    char message_id[40];
    std::snprintf(message_id, sizeof(message_id), "01936f22-7c43-7000-8000-%012d", i);
    json message = {{"type", "SendMessage"},
                    {"agent_id", agent.id},
                    {"message_id", message_id},
                    {"content", "question " + std::to_string(i)}};
    client.publish("agent.to." + agent.name + ".from.test.request", message.dump(),
                   "test.term." + std::to_string(i));
  }
  // The server has routed every request to the runtime before the signal.
  client.flush();
  CHECK(runtime.stop(SIGTERM) == 0);

  REQUIRE(replies->wait_for(requests, 20s));
  std::set<std::string> answered;
  for (const auto& m : replies->messages()) {
    CHECK_MESSAGE(json::parse(m.payload)["status"] == "ok", m.payload);
    answered.insert(m.subject);
  }
  CHECK(answered.size() == static_cast<std::size_t>(requests));
  CHECK(replies->count() == static_cast<std::size_t>(requests));
  const std::string log = runtime.output();
  CHECK(occurrences(log, "] Metrics: inbox=") >= 31);
  CHECK(log.find("[runtime] stopped") != std::string::npos);
}

// Rolling upgrades against the running fleet on a real nats-server: swaps
// under steady load lose, duplicate and reorder nothing; bad releases are
// refused or rolled back on their own; state survives both ways.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <unistd.h>

#include <nats/nats.h>

#include "support/child_process.hpp"
#include "support/load_driver.hpp"
#include "support/running_fleet.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* const token_env = "AGENT_RUNTIME_TOKEN=ops-token";

/// A folder of the test's own for operators, state and releases.
struct swap_files {
  fs::path dir = fs::temp_directory_path() / ("agent-runtime-swap-" + std::to_string(::getpid()));
  swap_files() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "operators") << "ops:ops-token\n";
  }
  ~swap_files() {
    fs::remove_all(dir);
  }
  void apply(fleet_config& fleet) const {
    fleet.settings.state_dir = (dir / "state").string();
    fleet.settings.operators_file = (dir / "operators").string();
  }

  /// A release folder `name`: `version`, a plugin (may be empty), and new
  /// definitions for `agents` (every agent's model gets a "-v<major>" suffix).
  std::string release(const std::string& name, const std::string& version,
                      const std::string& plugin,
                      const std::vector<agent_definition>& agents) const {
    const fs::path folder = dir / name;
    fs::create_directories(folder / "agents");
    std::ofstream manifest(folder / "release.yaml");
    manifest << "version: " << version << "\n";
    if (!plugin.empty())
      manifest << "plugin: " << plugin << "\n";
    const std::string suffix = "-v" + version.substr(0, version.find('.'));
    const std::string version_line = "\nversion: " + version;
    const std::string model_line = "\nmodel: $1" + suffix;
    for (const agent_definition& agent : agents) {
      std::ifstream in(fs::path(AGENT_RUNTIME_SOURCE_DIR) / "agents" / (agent.name + ".md"));
      std::stringstream text;
      text << in.rdbuf();
      std::string def =
        std::regex_replace(text.str(), std::regex("\nversion: [^\n]*"), version_line);
      def = std::regex_replace(def, std::regex("\nmodel: ([^\n]*)"), model_line);
      std::ofstream(folder / "agents" / (agent.name + ".md"))
        << def << "\nThis is " << version << ".\n";
    }
    return folder.string();
  }
};

/// An admin request with the operator token.
json admin(const std::string& url, const std::string& verb, const json& body) {
  natsConnection* nc = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK);
  const std::string payload = body.dump();
  natsMsg* msg = nullptr;
  natsMsg_Create(&msg, ("agent.admin." + verb).c_str(), nullptr, payload.data(),
                 static_cast<int>(payload.size()));
  natsMsgHeader_Set(msg, "Authorization", "Bearer ops-token");
  natsMsg* reply = nullptr;
  const natsStatus status = natsConnection_RequestMsg(&reply, nc, msg, 60000);
  natsMsg_Destroy(msg);
  REQUIRE(status == NATS_OK);
  json parsed = json::parse(
    std::string(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply))));
  natsMsg_Destroy(reply);
  natsConnection_Destroy(nc);
  return parsed;
}

json cluster_status(const std::string& url, const std::string& id) {
  json status = admin(url, "status", json::object());
  for (const json& cluster : status["clusters"])
    if (cluster["id"] == id)
      return cluster;
  FAIL("no cluster " << id);
  return {};
}

/// 1: the shipped version; 2: the new one (plugin and definition); -1: a mix.
int classify_v2(const json& reply) {
  if (!reply.is_object() || reply.value("status", "") != "ok")
    return 0;
  const bool plugin = reply.value("plugin_version", "") == "2.0.0";
  const bool model =
    reply.value("model", "").size() > 3 &&
    reply.value("model", "").compare(reply.value("model", "").size() - 3, 3, "-v2") == 0;
  if (plugin && model)
    return 2;
  if (!plugin && !model && !reply.contains("plugin_version"))
    return 1;
  return -1;
}

/// Which plugin version answered, 1 for none.
int classify_plugin(const json& reply) {
  if (!reply.is_object() || !reply.contains("plugin_version"))
    return 1;
  return std::stoi(reply.value("plugin_version", "0"));
}

} // namespace

TEST_CASE("under steady load every cluster is swapped in turn: nothing lost, doubled, refused "
          "or reordered, and every reply after the swap comes from the new version") {
  swap_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  const std::string url = f.server.url();
  const std::string v2 = files.release("v2", "2.0.0", PLUGIN_GOOD, f.agents());

  // 4 connections x 31 agents x 8 = 992 requests in flight.
  load_driver load(url, f.agents(), 4, 8, classify_v2);
  load.start();
  REQUIRE(load.wait_for_more(2000));

  // What this test watches is the handover, not the health gate: on a busy
  // machine a swap's pauses may pass the gate's 500 ms, so its limit is
  // set out of reach (the bad-release test below checks the gate).
  child_process ctl(
    {AGENTCTL_BINARY, "--nats", url, "rollout", v2, "--soak", "300ms", "--max-latency", "60s"},
    {token_env});
  const int rc = ctl.wait(std::chrono::seconds(120));
  const std::string out = ctl.output();
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("[1/10] orchestration: swapped 1.0.0 -> 2.0.0") != std::string::npos);
  CHECK(out.find("[10/10] domain-entities: swapped 1.0.0 -> 2.0.0") != std::string::npos);
  CHECK(out.find("rollout of 2.0.0 done") != std::string::npos);

  // Requests sent from now on go to the new version only.
  REQUIRE(load.wait_for_more(2000));
  load.stop();

  MESSAGE("requests=" << load.sent() << " answered=" << load.answered());
  CHECK(load.lost() == 0);
  CHECK(load.duplicates() == 0);
  CHECK(load.out_of_order() == 0);
  CHECK(load.mismatched() == 0);
  CHECK(load.errors().empty());
  std::size_t old_replies = 0;
  for (std::size_t c = 0; c < load.connections(); ++c) {
    for (const agent_definition& agent : f.agents()) {
      auto replies = load.replies(c, agent.name);
      REQUIRE(!replies.empty());
      int last = 1;
      bool monotonic = true;
      for (const auto& r : replies) {
        monotonic = monotonic && r.version >= last;
        last = r.version;
        old_replies += r.version == 1 ? 1 : 0;
      }
      CHECK_MESSAGE(monotonic, agent.name << " answered with an older version after a newer one");
      CHECK(replies.back().version == 2);
    }
  }
  CHECK(old_replies > 0); // the load ran before the swaps too

  json status = admin(url, "status", json::object());
  for (const json& cluster : status["clusters"]) {
    CHECK(cluster["version"] == "2.0.0");
    CHECK(cluster["phase"] == "serving");
    CHECK(cluster["plugin"] == "2.0.0");
    CHECK(cluster["previous_version"] == "1.0.0");
    CHECK(cluster["last_rollout"]["outcome"] == "passed");
    CHECK(cluster["last_rollout"]["max_pause_ms"].get<long>() >= 0);
  }
  for (const agent_definition& agent : f.agents())
    CHECK(f.ping(agent.name)["version"] == "2.0.0");
}

TEST_CASE("bad releases are refused before the swap or rolled back on their own under load") {
  swap_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  const std::string url = f.server.url();
  load_driver load(url, f.agents(), 3, 6, classify_plugin);
  load.start();
  REQUIRE(load.wait_for_more(1000));

  // A definition that does not validate: refused, naming file, agent, field.
  const std::string invalid = files.release("invalid", "6.0.0", "", {f.agents()[0]});
  {
    std::ifstream in(invalid + "/agents/sage.md");
    std::stringstream text;
    text << in.rdbuf();
    std::ofstream(invalid + "/agents/sage.md")
      << std::regex_replace(text.str(), std::regex("temperature: [^\n]*"), "temperature: 9");
  }
  json refused = admin(url, "upgrade", {{"cluster", "orchestration"}, {"release", invalid}});
  CHECK(refused["status"] == "error");
  CHECK(refused["message"].get<std::string>().find("release refused, nothing changed: ") == 0);
  CHECK(refused["message"].get<std::string>().find(
          "sage.md:16: agent 'sage': field 'temperature':") != std::string::npos);
  CHECK(cluster_status(url, "orchestration")["version"] == "1.0.0");

  // A plugin that cannot take the old state: refused before anything changes.
  const std::string refusing = files.release("refusing", "5.0.0", PLUGIN_REFUSING, {});
  refused = admin(url, "upgrade", {{"cluster", "domain-modeling"}, {"release", refusing}});
  CHECK(refused["status"] == "error");
  CHECK(refused["message"].get<std::string>().find(
          "refuses the state of agent ddd-expert kept by version 1.0.0") != std::string::npos);
  json domain = cluster_status(url, "domain-modeling");
  CHECK(domain["version"] == "1.0.0");
  CHECK(domain["phase"] == "serving");
  CHECK(domain["last_rollout"]["outcome"] == "refused");

  // A plugin that fails half its requests: the rollout swaps it in on the
  // first cluster, the health gate swaps 1.0.0 back, the rollout stops.
  const std::string failing = files.release("failing", "3.0.0", PLUGIN_FAILING, {});
  child_process ctl({AGENTCTL_BINARY, "--nats", url, "rollout", failing, "--soak", "5s"},
                    {token_env});
  const int rc = ctl.wait(std::chrono::seconds(60));
  const std::string out = ctl.output();
  INFO(out);
  CHECK(rc == 1);
  CHECK(out.find("[1/10] orchestration: swapped 1.0.0 -> 3.0.0") != std::string::npos);
  CHECK(out.find("rolled_back: health gate: error rate") != std::string::npos);
  CHECK(out.find("rollout stopped at orchestration; it runs 1.0.0 again") != std::string::npos);
  CHECK(out.find("[2/10]") == std::string::npos);
  json orchestration = cluster_status(url, "orchestration");
  CHECK(orchestration["version"] == "1.0.0");
  CHECK(orchestration["last_rollout"]["outcome"] == "rolled_back");
  CHECK(cluster_status(url, "domain-modeling")["version"] == "1.0.0");

  // A slow plugin: every request over 200 ms, so its p99 reads 500 ms or
  // more, over the 100 ms allowed and over the old version's few ms; rolled
  // back. (With the default limit of 500 ms the verdict hung on how far the
  // load queued up, which under the sanitizers it sometimes did not.)
  const std::string slow = files.release("slow", "4.0.0", PLUGIN_SLOW, {});
  json swapped = admin(url, "upgrade",
                       {{"cluster", "event-analysis"},
                        {"release", slow},
                        {"soak_ms", 20000},
                        {"max_latency_ms", 100}});
  CHECK(swapped["status"] == "ok");
  CHECK(eventually([&] { return cluster_status(url, "event-analysis")["phase"] == "serving"; },
                   std::chrono::seconds(30)));
  json events = cluster_status(url, "event-analysis");
  CHECK(events["version"] == "1.0.0");
  CHECK(events["last_rollout"]["outcome"] == "rolled_back");
  CHECK(events["last_rollout"]["why"].get<std::string>().find("health gate: latency p99") == 0);

  REQUIRE(load.wait_for_more(1000));
  load.stop();
  CHECK(load.lost() == 0);
  CHECK(load.duplicates() == 0);
  CHECK(load.out_of_order() == 0);
  CHECK(load.mismatched() == 0);
  // The only errors are the failing plugin's, from orchestration's agent.
  const auto errors = load.errors();
  CHECK(!errors.empty());
  for (const std::string& error : errors)
    CHECK(error.rfind("sage: behaviour 3.0.0 failed: request ", 0) == 0);
  // Clients see the old version's answers again.
  for (std::size_t c = 0; c < load.connections(); ++c) {
    for (const std::string agent : {"sage", "event-storming-expert"}) {
      auto replies = load.replies(c, agent);
      REQUIRE(!replies.empty());
      CHECK(replies.back().ok);
      CHECK(replies.back().version == 1);
    }
  }
}

TEST_CASE("an agent's state survives a swap and a rollback") {
  swap_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  const std::string url = f.server.url();
  const agent_definition sage = f.agents()[0];
  REQUIRE(sage.name == "sage");

  REQUIRE(f.send("sage",
                 {{"type", "SuspendAgent"}, {"agent_id", sage.id}, {"reason", "test"}})["status"] ==
          "ok");
  json configure = {{"type", "ConfigureModel"},
                    {"agent_id", sage.id},
                    {"config", {{"provider", "mock"}, {"model_name", "chosen-by-operator"}}}};
  REQUIRE(f.send("sage", configure)["status"] == "ok");
  const json before = f.ping("sage");
  CHECK(before["state"] == "suspended");
  REQUIRE(
    f.send("sage", {{"type", "SuspendAgent"}, {"agent_id", sage.id}, {"reason", "x"}})["status"] ==
    "error");

  const std::string v2 = files.release("v2", "2.0.0", PLUGIN_GOOD, f.agents());
  json swapped =
    admin(url, "upgrade", {{"cluster", "orchestration"}, {"release", v2}, {"soak_ms", 0}});
  REQUIRE(swapped["status"] == "ok");
  const json after = f.ping("sage");
  CHECK(after["version"] == "2.0.0");
  CHECK(after["state"] == "suspended");
  CHECK(after["model"] == "chosen-by-operator");
  CHECK(after["counters"]["inbox"] == before["counters"]["inbox"].get<int>() + 2);
  CHECK(after["counters"]["errors"] == before["counters"]["errors"].get<int>() + 1);

  json rolled = admin(url, "rollback", {{"cluster", "orchestration"}});
  CHECK(rolled["status"] == "ok");
  CHECK(rolled["outcome"] == "rolled_back");
  const json back = f.ping("sage");
  CHECK(back["version"] == "1.0.0");
  CHECK(back["state"] == "suspended");
  CHECK(back["model"] == "chosen-by-operator");
  CHECK(back["counters"]["inbox"] == before["counters"]["inbox"].get<int>() + 3);
  CHECK(admin(url, "rollback", {{"cluster", "orchestration"}})["message"] ==
        "cluster orchestration has no previous version to roll back to (it runs 1.0.0)");

  // The same by agentctl: an upgrade that soaks, a second one refused
  // meanwhile, a rollback by hand, and no token no upgrade.
  child_process anonymous({AGENTCTL_BINARY, "--nats", url, "upgrade", "orchestration", v2});
  CHECK(anonymous.wait() == 1);
  child_process upgrade(
    {AGENTCTL_BINARY, "--nats", url, "upgrade", "orchestration", v2, "--soak", "10m"}, {token_env});
  CHECK(upgrade.wait() == 0);
  CHECK(upgrade.output().find("cluster orchestration: swapped 1.0.0 -> 2.0.0") !=
        std::string::npos);
  CHECK(f.ping("sage")["version"] == "2.0.0");
  child_process again({AGENTCTL_BINARY, "--nats", url, "upgrade", "orchestration", v2},
                      {token_env});
  CHECK(again.wait() == 1);
  CHECK(again.output().find("is soaking version 2.0.0") != std::string::npos);
  // That refusal leaves the record of the rollout still soaking as it was.
  const json soaking = cluster_status(url, "orchestration")["last_rollout"];
  CHECK(soaking["outcome"] == "soaking");
  CHECK(soaking["version"] == "2.0.0");
  CHECK(soaking["from"] == "1.0.0");
  CHECK_FALSE(soaking.contains("why"));
  child_process rollback({AGENTCTL_BINARY, "--nats", url, "rollback", "orchestration"},
                         {token_env});
  CHECK(rollback.wait() == 0);
  CHECK(f.ping("sage")["version"] == "1.0.0");
  child_process status({AGENTCTL_BINARY, "--nats", url, "status"});
  CHECK(status.wait() == 0);
  CHECK(status.output().find("rolled_back 2.0.0: by operator ops") != std::string::npos);
}

TEST_CASE("status lists an agent held inside its handler as not answering, and the rest as usual") {
  swap_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  const std::string url = f.server.url();
  const agent_definition sage = f.agents()[0];
  REQUIRE(sage.name == "sage");
  const std::string v2 = files.release("v2", "2.0.0", PLUGIN_GOOD, f.agents());
  REQUIRE(admin(url, "upgrade",
                {{"cluster", "orchestration"}, {"release", v2}, {"soak_ms", 0}})["status"] == "ok");

  // The test plugin holds a message "hold:<file>" while the file exists.
  const fs::path hold = files.dir / "hold";
  std::ofstream(hold) << "hold\n";
  auto replies = f.client->collect("test.held.reply");
  f.client->publish("agent.to.sage.from.test.request",
                    json{{"type", "SendMessage"},
                         {"agent_id", sage.id},
                         {"message_id", "01936f11-4ea2-7000-8000-0000000000d1"},
                         {"content", "hold:" + hold.string()},
                         {"context", json::array()}}
                      .dump(),
                    "test.held.reply");
  REQUIRE(
    eventually([&] { return fs::exists(hold.string() + ".held"); }, std::chrono::seconds(30)));

  json status = admin(url, "status", json::object());
  REQUIRE(status["status"] == "ok");
  REQUIRE(status["clusters"].size() == 10);
  std::size_t agents = 0;
  for (const json& cluster : status["clusters"]) {
    CHECK(cluster.value("answered", true));
    CHECK(cluster["phase"] == "serving");
    for (const json& agent : cluster["agents"]) {
      ++agents;
      if (agent["name"] == "sage") {
        CHECK(agent == json{{"name", "sage"}, {"answered", false}});
      } else {
        CHECK(agent.value("answered", true));
        CHECK(agent.contains("state"));
      }
    }
  }
  CHECK(agents == f.agents().size());
  child_process stuck({AGENTCTL_BINARY, "--nats", url, "status"});
  CHECK(stuck.wait() == 1);
  CHECK(std::regex_search(stuck.output(), std::regex("orchestration +yes +sage +did not answer")));
  CHECK(stuck.output().find("10 clusters, 31 agents; 1 of them did not answer in time") !=
        std::string::npos);

  // Let go, the agent answers the held message and its status again.
  fs::remove(hold);
  REQUIRE(replies->wait_for(1, std::chrono::seconds(30)));
  const json answer = json::parse(replies->messages()[0].payload);
  CHECK(answer["status"] == "ok");
  CHECK(answer["plugin_version"] == "2.0.0");
  const json orchestration = cluster_status(url, "orchestration");
  for (const json& agent : orchestration["agents"])
    CHECK(agent.value("answered", true));
  child_process freed({AGENTCTL_BINARY, "--nats", url, "status"});
  CHECK(freed.wait() == 0);
  CHECK(freed.output().find("10 clusters, 31 agents\n") != std::string::npos);
}

// The admin plane against the running fleet: only operators steer, a
// disabled cluster stops answering and comes back, and the decision
// survives a restart.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <nats/nats.h>

#include "support/child_process.hpp"
#include "support/running_fleet.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

/// A state folder and an operators file of the test's own.
struct admin_files {
  std::string dir =
    std::filesystem::temp_directory_path() / ("agent-runtime-admin-" + std::to_string(::getpid()));
  admin_files() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/operators") << "# name:token\nalice:alice-token\n";
  }
  ~admin_files() {
    std::filesystem::remove_all(dir);
  }
  void apply(fleet_config& fleet) const {
    fleet.settings.state_dir = dir + "/state";
    fleet.settings.operators_file = dir + "/operators";
  }
};

/// An admin request with an Authorization header.
json admin(const std::string& url, const std::string& verb, const json& body,
           const std::string& token) {
  natsConnection* nc = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK);
  const std::string payload = body.dump();
  natsMsg* msg = nullptr;
  natsMsg_Create(&msg, ("agent.admin." + verb).c_str(), nullptr, payload.data(),
                 static_cast<int>(payload.size()));
  if (!token.empty())
    natsMsgHeader_Set(msg, "Authorization", ("Bearer " + token).c_str());
  natsMsg* reply = nullptr;
  const natsStatus status = natsConnection_RequestMsg(&reply, nc, msg, 5000);
  natsMsg_Destroy(msg);
  REQUIRE(status == NATS_OK);
  json parsed = json::parse(
    std::string(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply))));
  natsMsg_Destroy(reply);
  natsConnection_Destroy(nc);
  return parsed;
}

} // namespace

TEST_CASE("only an operator may disable a cluster, a disabled cluster answers so, then returns") {
  admin_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  const std::string url = f.server.url();

  json anonymous = admin(url, "disable", {{"cluster", "ui-design"}}, "");
  CHECK(anonymous["status"] == "error");
  CHECK(anonymous["message"] ==
        "not authorised: steering the fleet needs an operator token (Authorization header)");
  CHECK(admin(url, "disable", {{"cluster", "ui-design"}}, "guess")["message"] ==
        "not authorised: the operator token is not valid");
  CHECK(f.ping("egui-ui-expert")["status"] == "ok");

  CHECK(admin(url, "disable", {{"cluster", "ui-design"}}, "alice-token")["enabled"] == false);
  json refused = f.ping("egui-ui-expert");
  CHECK(refused["status"] == "error");
  CHECK(refused["disabled"] == true);
  CHECK(refused["message"] == "cluster ui-design is disabled; agent egui-ui-expert takes no "
                              "requests until an operator enables it");
  CHECK(f.ping("sage")["status"] == "ok");
  CHECK(admin(url, "disable", {{"cluster", "nowhere"}}, "alice-token")["message"] ==
        "unknown cluster 'nowhere'");

  json status = admin(url, "status", json::object(), "");
  REQUIRE(status["clusters"].size() == 10);
  std::size_t agents = 0;
  for (const json& cluster : status["clusters"]) {
    agents += cluster["agents"].size();
    CHECK(cluster["enabled"] == (cluster["id"] != "ui-design"));
  }
  CHECK(agents == 31);
  CHECK(status["admin"]["unauthorised"] == 2);

  CHECK(admin(url, "enable", {{"cluster", "ui-design"}}, "alice-token")["enabled"] == true);
  CHECK(f.ping("egui-ui-expert")["status"] == "ok");
}

TEST_CASE("a disabled cluster stays disabled across a restart of the runtime") {
  admin_files files;
  {
    running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
    REQUIRE(admin(f.server.url(), "disable", {{"cluster", "sdlc"}}, "alice-token")["status"] ==
            "ok");
  }
  running_fleet again(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  CHECK(again.ping("git-expert")["disabled"] == true);
  CHECK(again.ping("sage")["status"] == "ok");
  CHECK(admin(again.server.url(), "enable", {{"cluster", "sdlc"}}, "alice-token")["status"] ==
        "ok");
  CHECK(again.ping("git-expert")["status"] == "ok");
}

TEST_CASE("operators suspend and resume one agent, the agent answers them directly") {
  admin_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  json suspended = admin(f.server.url(), "suspend", {{"agent", "sage"}}, "alice-token");
  CHECK(suspended["state"] == "suspended");
  CHECK(f.ping("sage")["state"] == "suspended");
  CHECK(admin(f.server.url(), "resume", {{"agent", "sage"}}, "alice-token")["state"] == "active");
  CHECK(admin(f.server.url(), "suspend", {{"agent", "sage"}}, "")["status"] == "error");
  CHECK(admin(f.server.url(), "reboot", json::object(), "alice-token")["message"] ==
        "unknown admin request 'reboot' (expected status, enable, disable, suspend, resume, "
        "upgrade, rollback)");
}

TEST_CASE("regression: a mistyped admin field is refused and the admin plane keeps serving") {
  // A cluster given as a number made the admin actor throw, and with it die:
  // every later admin request went unanswered.
  admin_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  const std::string url = f.server.url();
  CHECK(admin(url, "disable", {{"cluster", 5}}, "alice-token")["message"] ==
        "disable: field 'cluster' must be a string");
  CHECK(admin(url, "suspend", {{"agent", "sage"}, {"reason", true}}, "alice-token")["message"] ==
        "suspend: field 'reason' must be a string");
  CHECK(admin(url, "upgrade", {{"cluster", "sdlc"}, {"release", "/nowhere"}, {"soak_ms", 1e300}},
              "alice-token")["message"] == "upgrade: field 'soak_ms' must be at most 86400000");
  CHECK(admin(url, "disable", json::object(), "alice-token")["message"] ==
        "disable: missing field 'cluster'");
  json status = admin(url, "status", json::object(), "");
  CHECK(status["status"] == "ok");
  CHECK(status["admin"]["refused"] == 4);
  CHECK(admin(url, "disable", {{"cluster", "sdlc"}}, "alice-token")["enabled"] == false);

  // What the fleet refuses counts too.
  CHECK(admin(url, "rollback", {{"cluster", "no-such"}}, "alice-token")["message"] ==
        "unknown cluster 'no-such'");
  CHECK(admin(url, "rollback", {{"cluster", "sdlc"}}, "alice-token")["status"] == "error");
  CHECK(admin(url, "status", json::object(), "")["admin"]["refused"] == 6);
}

TEST_CASE("agentctl status prints all 10 clusters and 31 agents") {
  admin_files files;
  running_fleet f(nullptr, [&](fleet_config& fleet) { files.apply(fleet); });
  child_process ctl({AGENTCTL_BINARY, "--nats", f.server.url(), "status"});
  REQUIRE(ctl.wait() == 0);
  const std::string out = ctl.output();
  CHECK(out.find("10 clusters, 31 agents") != std::string::npos);
  for (const auto& cluster : f.fleet.clusters)
    CHECK(out.find(cluster.id) != std::string::npos);
  for (const auto& agent : f.agents())
    CHECK(out.find(agent.name) != std::string::npos);

  child_process refused({AGENTCTL_BINARY, "--nats", f.server.url(), "disable", "sdlc"});
  CHECK(refused.wait() == 1);
  child_process allowed({AGENTCTL_BINARY, "--nats", f.server.url(), "disable", "sdlc"},
                        {"AGENT_RUNTIME_TOKEN=alice-token"});
  CHECK(allowed.wait() == 0);
  CHECK(f.ping("git-expert")["disabled"] == true);
}

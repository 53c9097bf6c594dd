// Releases: validated completely against the fleet before anything is
// swapped; plugins loaded once per file; the migration of an agent's state.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "upgrade/behaviour_plugin.hpp"
#include "upgrade/migration.hpp"
#include "upgrade/release.hpp"

using namespace agent_runtime;
namespace fs = std::filesystem;

namespace {

const fleet_config& shipped_fleet() {
  static const fleet_config fleet = load_fleet_config(AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml");
  return fleet;
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A release folder of the test's own.
class release_dir {
public:
  explicit release_dir(const std::string& manifest = "version: 2.0.0\n") {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("agent-runtime-release-" + std::to_string(rd()));
    fs::create_directories(path_ / "agents");
    std::ofstream(path_ / "release.yaml") << manifest;
  }
  ~release_dir() {
    fs::remove_all(path_);
  }
  /// The shipped definition of `agent`, with `from` replaced by `to`.
  void definition(const std::string& agent, const std::string& from, const std::string& to) const {
    std::string text = read(fs::path(AGENT_RUNTIME_SOURCE_DIR) / "agents" / (agent + ".md"));
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(path_ / "agents" / (agent + ".md")) << text;
  }
  std::string path() const {
    return path_.string();
  }
  std::string error() const {
    try {
      load_release(path(), shipped_fleet());
    } catch (const config_error& e) {
      return e.what();
    }
    return "";
  }

private:
  fs::path path_;
};

const agent_definition& shipped(const std::string& name) {
  for (const auto& cluster : shipped_fleet().clusters)
    for (const auto& agent : cluster.agents)
      if (agent.name == name)
        return agent;
  FAIL("no agent " << name);
  throw;
}

} // namespace

TEST_CASE("a release reads its version, its definitions and its plugin") {
  release_dir dir("version: 2.0.0\nplugin: " PLUGIN_GOOD "\n");
  dir.definition("sage", "version: 1.0.0", "version: 2.0.0");
  release rel = load_release(dir.path(), shipped_fleet());
  CHECK(rel.version == "2.0.0");
  REQUIRE(rel.definitions.count("sage") == 1);
  CHECK(rel.definitions.at("sage").version == "2.0.0");
  REQUIRE(rel.plugin);
  CHECK(rel.plugin->version() == "2.0.0");
  CHECK(rel.plugin == behaviour_plugin::load(PLUGIN_GOOD));
}

TEST_CASE("an invalid release is refused with the file, agent and field") {
  SUBCASE("a definition that does not validate") {
    release_dir dir;
    dir.definition("sage", "version: 1.0.0", "version: 2.0.0");
    dir.definition("sage", "temperature: 0.5", "temperature: 7");
    CHECK(dir.error().find("sage.md:") != std::string::npos);
    CHECK(dir.error().find("agent 'sage': field 'temperature':") != std::string::npos);
  }
  SUBCASE("a definition of an agent the fleet does not have") {
    release_dir dir;
    dir.definition("sage", "name: sage", "name: sorcerer");
    CHECK(dir.error().find("agent 'sorcerer': field 'name': no such agent") != std::string::npos);
  }
  SUBCASE("a definition that moves an agent to another cluster") {
    release_dir dir;
    dir.definition("sage", "version: 1.0.0", "version: 2.0.0");
    dir.definition("sage", "cluster: orchestration", "cluster: sdlc");
    CHECK(dir.error().find("agent 'sage': field 'cluster': is 'sdlc'") != std::string::npos);
  }
  SUBCASE("a definition of another version than the release") {
    release_dir dir;
    dir.definition("sage", "model: mock-sage", "model: mock-sage-2");
    CHECK(dir.error().find("field 'version': is '1.0.0' but the release is '2.0.0'") !=
          std::string::npos);
  }
  SUBCASE("no version") {
    release_dir dir("plugin: x.so\n");
    CHECK(dir.error().find("release.yaml: field 'version'") != std::string::npos);
  }
  SUBCASE("a plugin that is missing or is no plugin") {
    release_dir missing("version: 2.0.0\nplugin: nowhere.so\n");
    CHECK(missing.error().find("nowhere.so: plugin: no such file") != std::string::npos);
    release_dir not_a_library("version: 2.0.0\nplugin: release.yaml\n");
    CHECK(not_a_library.error().find("plugin: cannot load") != std::string::npos);
  }
  CHECK(release_dir().error() == "");
  CHECK_THROWS_AS(load_release("/nowhere/at/all", shipped_fleet()), config_error);
}

TEST_CASE("a plugin's hooks: the good one marks replies, the refusing one refuses the state") {
  auto good = behaviour_plugin::load(PLUGIN_GOOD);
  auto reply = good->handle("sage", "hi", R"({"status":"ok"})");
  REQUIRE(reply);
  CHECK(reply->ok);
  CHECK(reply->text == R"({"status":"ok","plugin_version":"2.0.0"})");

  auto failing = behaviour_plugin::load(PLUGIN_FAILING);
  int failed = 0;
  for (int i = 0; i < 10; ++i)
    failed += failing->handle("sage", "hi", "{}")->ok ? 0 : 1;
  CHECK(failed == 5);

  auto refusing = behaviour_plugin::load(PLUGIN_REFUSING);
  auto state = refusing->migrate("{}", "1.0.0");
  REQUIRE(state);
  CHECK_FALSE(state->ok);
  CHECK(state->text == "cannot read a state kept by version 1.0.0");
}

TEST_CASE("the migration keeps what operators set and follows the definition elsewhere") {
  const agent_definition& from = shipped("sage");
  agent_definition to = from;
  to.version = "2.0.0";
  to.model.model_name = "mock-sage-2";
  to.description = "new words";

  agent_snapshot state;
  state.state = lifecycle::suspended;
  state.model = from.model;
  state.person_id = "01936f11-4ea2-7000-8000-0000000000ff";
  state.description = from.description;
  state.counters.inbox = 42;
  state.counters.errors = 2;

  migration_result kept = migrate_state(state, from, to, nullptr);
  REQUIRE(kept.ok);
  CHECK(kept.state.model.model_name == "mock-sage-2");
  CHECK(kept.state.description == "new words");
  CHECK(kept.state.state == lifecycle::suspended);
  CHECK(kept.state.person_id == state.person_id);
  CHECK(kept.state.counters.inbox == 42);

  state.model.model_name = "set-by-operator";
  migration_result configured =
    migrate_state(state, from, to, behaviour_plugin::load(PLUGIN_GOOD).get());
  REQUIRE(configured.ok);
  CHECK(configured.state.model.model_name == "set-by-operator");
  CHECK(configured.state.counters.errors == 2);
  CHECK(configured.state.state == lifecycle::suspended);

  migration_result refused =
    migrate_state(state, from, to, behaviour_plugin::load(PLUGIN_REFUSING).get());
  CHECK_FALSE(refused.ok);
  CHECK(refused.error == "plugin 5.0.0 refuses the state of agent sage kept by version 1.0.0: "
                         "cannot read a state kept by version 1.0.0");
}

TEST_CASE("a state goes to JSON and back, and a malformed one is refused") {
  agent_snapshot state;
  state.state = lifecycle::configured;
  state.model.model_name = "m";
  state.model.temperature = 0.25;
  state.counters.ok = 7;
  agent_snapshot copy;
  apply_state_json(state_to_json(state), copy);
  CHECK(copy.state == lifecycle::configured);
  CHECK(copy.model.model_name == "m");
  CHECK(copy.model.temperature == 0.25);
  CHECK(copy.counters.ok == 7);
  CHECK_THROWS_AS(apply_state_json("[1]", copy), std::invalid_argument);
  CHECK_THROWS_AS(apply_state_json(R"({"state":"asleep"})", copy), std::invalid_argument);
}

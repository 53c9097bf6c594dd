#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "config/fleet_config.hpp"

using namespace agent_runtime;
namespace fs = std::filesystem;

namespace {

/// A throwaway config folder with a clusters.yaml and definitions.
class config_dir {
public:
  config_dir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("agent-runtime-config-" + std::to_string(rd()));
    fs::create_directories(path_ / "agents");
  }
  ~config_dir() {
    fs::remove_all(path_);
  }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }

  void definition(const std::string& name, const std::string& id, const std::string& cluster,
                  const std::string& extra = "provider: mock\nmodel: mock-x\n") const {
    write("agents/" + name + ".md", "---\nname: " + name + "\nid: " + id + "\ncluster: " + cluster +
                                      "\nversion: 1.0.0\ndescription: d\n" + extra +
                                      "---\nYou are " + name + ".\n");
  }

  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

  /// The message load_fleet_config throws for this folder.
  std::string error() const {
    try {
      load_fleet_config(file("clusters.yaml"));
    } catch (const config_error& e) {
      return e.what();
    }
    FAIL("config loaded without error");
    return {};
  }

private:
  fs::path path_;
};

const char* id_a = "01936f11-4ea2-7000-8000-000000000001";
const char* id_b = "01936f22-7c43-7000-8000-000000000002";

std::string two_agents(const std::string& second_id = id_b, const std::string& second = "beta") {
  return "clusters:\n"
         "  - id: one\n"
         "    agents:\n"
         "      - name: alpha\n"
         "        id: " +
         std::string(id_a) +
         "\n"
         "        definition: agents/alpha.md\n"
         "  - id: two\n"
         "    agents:\n"
         "      - name: " +
         second +
         "\n"
         "        id: " +
         second_id +
         "\n"
         "        definition: agents/" +
         second + ".md\n";
}

} // namespace

TEST_CASE("the shipped clusters.yaml declares 10 clusters and 31 agents in upgrade order") {
  fleet_config fleet = load_fleet_config(AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml");
  REQUIRE(fleet.clusters.size() == 10);
  CHECK(fleet.agent_count() == 31);
  CHECK(fleet.clusters.front().id == "orchestration");
  CHECK(fleet.clusters.back().id == "domain-entities");
  CHECK(fleet.settings.stream == "AGENT_EVENTS");
  CHECK(fleet.settings.nats_url.empty());
  CHECK_FALSE(fleet.settings.unified_subjects);
  const agent_definition& sage = fleet.clusters.front().agents.front();
  CHECK(sage.name == "sage");
  CHECK(sage.model.provider == "mock");
  CHECK(sage.system_prompt.rfind("You are", 0) == 0);
}

TEST_CASE("metrics_address is read from the settings and is empty by default") {
  config_dir dir;
  dir.write("clusters.yaml", "settings:\n  metrics_address: 127.0.0.1:9464\n" + two_agents());
  dir.definition("alpha", id_a, "one");
  dir.definition("beta", id_b, "two");
  CHECK(load_fleet_config(dir.file("clusters.yaml")).settings.metrics_address == "127.0.0.1:9464");
  dir.write("clusters.yaml", two_agents());
  CHECK(load_fleet_config(dir.file("clusters.yaml")).settings.metrics_address.empty());
}

TEST_CASE("memory_return_ms is read from the settings, 10 s by default, never negative") {
  config_dir dir;
  dir.definition("alpha", id_a, "one");
  dir.definition("beta", id_b, "two");
  dir.write("clusters.yaml", two_agents());
  CHECK(load_fleet_config(dir.file("clusters.yaml")).settings.memory_return.count() == 10000);
  dir.write("clusters.yaml", "settings:\n  memory_return_ms: 0\n" + two_agents());
  CHECK(load_fleet_config(dir.file("clusters.yaml")).settings.memory_return.count() == 0);
  dir.write("clusters.yaml", "settings:\n  memory_return_ms: -5\n" + two_agents());
  CHECK(dir.error().find("memory_return_ms") != std::string::npos);
  CHECK(dir.error().find("must not be negative") != std::string::npos);
}

TEST_CASE("a valid small config loads with its definitions") {
  config_dir dir;
  dir.write("clusters.yaml", "settings:\n  queue_group: q\n" + two_agents());
  dir.definition("alpha", id_a, "one",
                 "provider: ollama\nmodel: llama3\nparameters:\n  temperature: 0.5\n"
                 "  api_endpoint: http://127.0.0.1:11434\n  api_key_env: OLLAMA_KEY\n"
                 "  timeout_seconds: 300\ncapabilities: [a, b]\n");
  dir.definition("beta", id_b, "two");
  fleet_config fleet = load_fleet_config(dir.file("clusters.yaml"));
  CHECK(fleet.settings.queue_group == "q");
  const agent_definition& alpha = fleet.clusters[0].agents[0];
  CHECK(alpha.model.provider == "ollama");
  CHECK(*alpha.model.temperature == doctest::Approx(0.5));
  CHECK(alpha.model.api_endpoint == "http://127.0.0.1:11434");
  CHECK(alpha.model.api_key_env == "OLLAMA_KEY");
  CHECK(*alpha.model.timeout_seconds == doctest::Approx(300));
  CHECK(alpha.capabilities == std::vector<std::string>{"a", "b"});
  CHECK(alpha.system_prompt == "You are alpha.");
}

TEST_CASE("config mistakes stop start-up with a message naming file, line, agent and field") {
  config_dir dir;
  dir.definition("alpha", id_a, "one");
  dir.definition("beta", id_b, "two");
  const std::string yaml = dir.file("clusters.yaml");

  SUBCASE("bad UUID in clusters.yaml") {
    dir.write("clusters.yaml", two_agents("not-a-uuid"));
    CHECK(dir.error() == yaml + ":10: agent 'beta': field 'id': not a UUID: 'not-a-uuid'");
  }
  SUBCASE("definition that disagrees with clusters.yaml") {
    dir.write("clusters.yaml", two_agents(id_b, "alpha"));
    CHECK(dir.error() == dir.file("agents/alpha.md") + ": agent 'alpha': field 'id': is '" + id_a +
                           "' but " + yaml + " says '" + id_b + "'");
  }
  SUBCASE("duplicate name") {
    dir.write("clusters.yaml", "clusters:\n  - id: one\n    agents:\n"
                               "      - {name: alpha, id: " +
                                 std::string(id_a) +
                                 ", definition: agents/alpha.md}\n"
                                 "      - {name: alpha, id: " +
                                 id_a + ", definition: agents/alpha.md}\n");
    CHECK(dir.error() == yaml + ": agent 'alpha': field 'name': duplicate name, also used by " +
                           dir.file("agents/alpha.md"));
  }
  SUBCASE("duplicate id") {
    dir.definition("beta", id_a, "two");
    dir.write("clusters.yaml", two_agents(id_a));
    CHECK(dir.error() == yaml + ": agent 'beta': field 'id': duplicate id " + id_a +
                           ", also used by agent 'alpha'");
  }
  SUBCASE("agent listed under another cluster than its definition says") {
    dir.definition("beta", id_b, "one");
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error() == dir.file("agents/beta.md") +
                           ": agent 'beta': field 'cluster': is 'one' but " + yaml +
                           " lists it under 'two'");
  }
  SUBCASE("unknown cluster in a definition") {
    dir.definition("beta", id_b, "nowhere");
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error() == dir.file("agents/beta.md") +
                           ": agent 'beta': field 'cluster': unknown cluster 'nowhere'");
  }
  SUBCASE("missing definition file") {
    fs::remove(dir.file("agents/beta.md"));
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error() == yaml + ":11: agent 'beta': field 'definition': no such file: " +
                           dir.file("agents/beta.md"));
  }
  SUBCASE("definition without front matter") {
    dir.write("agents/beta.md", "You are beta.\n");
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error() ==
          dir.file("agents/beta.md") + ":1: definition must start with a '---' front matter line");
  }
  SUBCASE("malformed front matter") {
    dir.write("agents/beta.md", "---\nname: beta\nid: [unclosed\n---\nbody\n");
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error().rfind(dir.file("agents/beta.md") + ":4: malformed YAML:", 0) == 0);
  }
  SUBCASE("missing field in a definition") {
    dir.write("agents/beta.md", "---\nname: beta\nid: " + std::string(id_b) +
                                  "\ncluster: two\nversion: 1\ndescription: d\nmodel: m\n---\nx\n");
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error() ==
          dir.file("agents/beta.md") + ":2: agent 'beta': field 'provider': missing");
  }
  SUBCASE("parameter out of range in a definition") {
    dir.definition("beta", id_b, "two",
                   "provider: mock\nmodel: m\nparameters:\n  temperature: 3\n");
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error() == dir.file("agents/beta.md") +
                           ":10: agent 'beta': field 'temperature': must be between 0 and 2");
  }
  SUBCASE("empty system prompt") {
    dir.write("agents/beta.md", "---\nname: beta\nid: " + std::string(id_b) +
                                  "\ncluster: two\nversion: 1\ndescription: d\nprovider: mock\n"
                                  "model: m\n---\n\n");
    dir.write("clusters.yaml", two_agents());
    CHECK(dir.error() == dir.file("agents/beta.md") +
                           ": agent 'beta': the system prompt (the text after the front matter) "
                           "is empty");
  }
  SUBCASE("malformed clusters.yaml") {
    dir.write("clusters.yaml", "clusters:\n  - id: one\n    agents: [\n");
    CHECK(dir.error().rfind(yaml + ":4: malformed YAML:", 0) == 0);
  }
  SUBCASE("no clusters") {
    dir.write("clusters.yaml", "settings:\n  stream: S\n");
    CHECK(dir.error() == yaml + ":1: field 'clusters': must be a non-empty list of clusters");
  }
  SUBCASE("cluster without agents") {
    dir.write("clusters.yaml", "clusters:\n  - id: one\n    agents: []\n");
    CHECK(dir.error() == yaml + ":3: field 'agents': cluster 'one' must list at least one agent");
  }
  SUBCASE("duplicate cluster") {
    dir.write("clusters.yaml", two_agents() + "  - id: one\n");
    CHECK(dir.error() == yaml + ":12: field 'id': duplicate cluster 'one'");
  }
  SUBCASE("no config file") {
    fs::remove(yaml);
    CHECK(dir.error() == yaml + ": no such config file");
  }
}

TEST_CASE("uuids are recognised in their canonical form only") {
  CHECK(is_uuid("01936f11-4ea2-7000-8000-000000000001"));
  CHECK(is_uuid("01936F11-4EA2-7000-8000-00000000000A"));
  CHECK_FALSE(is_uuid("01936f11-4ea2-7000-8000-00000000001"));
  CHECK_FALSE(is_uuid("01936f114ea2700080000000000000001"));
  CHECK_FALSE(is_uuid("g1936f11-4ea2-7000-8000-000000000001"));
}

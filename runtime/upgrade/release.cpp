#include "upgrade/release.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace agent_runtime {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(path.string() + ": cannot read file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const agent_definition* find_agent(const fleet_config& fleet, const std::string& name) {
  for (const cluster_spec& cluster : fleet.clusters) {
    for (const agent_definition& agent : cluster.agents) {
      if (agent.name == name)
        return &agent;
    }
  }
  return nullptr;
}

/// release.yaml: the version and the optional plugin.
void read_manifest(const fs::path& folder, release& out) {
  const fs::path file = folder / "release.yaml";
  if (!fs::is_regular_file(file))
    throw config_error(file.string() + ": no such file (a release folder needs release.yaml)");
  YAML::Node root;
  try {
    root = YAML::Load(read_text(file));
  } catch (const YAML::ParserException& e) {
    throw config_error(file.string() + ":" + std::to_string(e.mark.line + 1) +
                       ": malformed YAML: " + e.msg);
  }
  if (!root.IsMap())
    throw config_error(file.string() + ": expected a mapping with 'version'");
  const YAML::Node version = root["version"];
  if (!version || !version.IsScalar() || version.Scalar().empty())
    throw config_error(file.string() + ": field 'version': must be a non-empty string");
  out.version = version.Scalar();
  const YAML::Node plugin = root["plugin"];
  if (plugin) {
    if (!plugin.IsScalar() || plugin.Scalar().empty())
      throw config_error(file.string() + ": field 'plugin': must be a path to a shared library");
    const fs::path path = fs::path(plugin.Scalar()).is_absolute() ? fs::path(plugin.Scalar())
                                                                  : folder / plugin.Scalar();
    out.plugin = behaviour_plugin::load(path.string());
  }
}

} // namespace

release load_release(const std::string& folder, const fleet_config& fleet) {
  if (!fs::is_directory(folder))
    throw config_error(folder + ": no such release folder");
  release out;
  out.path = folder;
  read_manifest(folder, out);

  const fs::path agents = fs::path(folder) / "agents";
  if (!fs::exists(agents))
    return out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(agents)) {
    if (entry.is_regular_file() && entry.path().extension() == ".md")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    agent_definition definition = parse_agent_definition(read_text(file), file.string());
    const std::string where = file.string() + ": agent '" + definition.name + "': ";
    const agent_definition* current = find_agent(fleet, definition.name);
    if (!current)
      throw config_error(where + "field 'name': no such agent in " + fleet.file);
    if (definition.id != current->id)
      throw config_error(where + "field 'id': is '" + definition.id + "' but " + fleet.file +
                         " says '" + current->id + "'");
    if (definition.cluster != current->cluster)
      throw config_error(where + "field 'cluster': is '" + definition.cluster + "' but " +
                         fleet.file + " lists it under '" + current->cluster + "'");
    if (definition.version != out.version)
      throw config_error(where + "field 'version': is '" + definition.version +
                         "' but the release is '" + out.version + "'");
    if (file.stem().string() != definition.name)
      throw config_error(where + "field 'name': the file must be named " + definition.name + ".md");
    out.definitions.emplace(definition.name, std::move(definition));
  }
  return out;
}

} // namespace agent_runtime

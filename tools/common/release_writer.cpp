#include "common/release_writer.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace agent_runtime::tools {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot read the definition");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush())
    throw std::runtime_error(path.string() + ": cannot write the release");
}

/// `definition` (a definition file's text) under `version`.
std::string with_version(const std::string& definition, const std::string& version) {
  // The front matter's line only: the prompt may say "version: " too.
  static const std::regex version_line("\nversion: [^\n]*");
  std::string text = std::regex_replace(definition, version_line, "\nversion: " + version,
                                        std::regex_constants::format_first_only);
  return text + "\nThis is version " + version + ".\n";
}

} // namespace

const cluster_spec& find_cluster(const fleet_config& fleet, const std::string& id) {
  for (const cluster_spec& cluster : fleet.clusters) {
    if (cluster.id == id)
      return cluster;
  }
  throw std::runtime_error("no cluster '" + id + "' in " + fleet.file);
}

std::string write_release(const fleet_config& fleet, const std::string& cluster,
                          const std::string& version, const std::string& folder) {
  const cluster_spec& spec = find_cluster(fleet, cluster);
  const fs::path root(folder);
  fs::remove_all(root);
  fs::create_directories(root / "agents");

  write_text(root / "release.yaml", "version: " + version + "\n");
  for (const agent_definition& agent : spec.agents)
    write_text(root / "agents" / (agent.name + ".md"),
               with_version(read_text(agent.file), version));
  return folder;
}

} // namespace agent_runtime::tools

#include "admin/fleet_state_store.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace agent_runtime {
namespace {

namespace fs = std::filesystem;

std::string default_dir() {
  if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir)
    return dir;
  if (const char* dir = std::getenv("XDG_STATE_HOME"); dir && *dir)
    return std::string(dir) + "/agent-runtime";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/agent-runtime";
}

} // namespace

fleet_state_store::fleet_state_store(std::string dir) {
  if (dir.empty())
    dir = default_dir();
  file_ = (fs::path(dir) / "fleet-state.json").string();
}

std::set<std::string> fleet_state_store::disabled_clusters() const {
  std::ifstream in(file_);
  if (!in)
    return {};
  auto state = nlohmann::json::parse(in, nullptr, false);
  std::set<std::string> clusters;
  if (state.is_object() && state.contains("disabled_clusters") &&
      state["disabled_clusters"].is_array()) {
    for (const auto& id : state["disabled_clusters"]) {
      if (id.is_string())
        clusters.insert(id.get<std::string>());
    }
  }
  return clusters;
}

void fleet_state_store::save_disabled_clusters(const std::set<std::string>& clusters) const {
  std::error_code error;
  fs::create_directories(fs::path(file_).parent_path(), error);
  const std::string temp = file_ + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << nlohmann::json{{"disabled_clusters", clusters}}.dump(2) << "\n";
    if (!out)
      throw std::runtime_error("cannot write " + temp);
  }
  fs::rename(temp, file_, error);
  if (error)
    throw std::runtime_error("cannot replace " + file_ + ": " + error.message());
}

} // namespace agent_runtime

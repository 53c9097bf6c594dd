// Fuzzes the loader of clusters.yaml: the input is the file, beside one
// valid agent definition it may name (`agents/sage.md`). It loads whole or
// is refused with one config_error; nothing else may escape.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/fleet_config.hpp"

namespace {

/// A folder of this process's own with the valid definition in it.
const std::filesystem::path& folder() {
  static const std::filesystem::path dir = [] {
    auto d =
      std::filesystem::temp_directory_path() / ("agent-runtime-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "agents");
    std::ofstream(d / "agents" / "sage.md") << "---\n"
                                               "name: sage\n"
                                               "id: 01936f11-4ea2-7000-8000-000000000001\n"
                                               "cluster: orchestration\n"
                                               "description: orchestrates\n"
                                               "provider: mock\n"
                                               "model: mock-sage\n"
                                               "---\n"
                                               "You orchestrate.\n";
    return d;
  }();
  return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agent_runtime;
  const auto file = folder() / "clusters.yaml";
  std::ofstream(file, std::ios::binary | std::ios::trunc)
    .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    const fleet_config fleet = load_fleet_config(file.string());
    if (fleet.agent_count() == 0 || fleet.clusters.empty())
      __builtin_trap(); // a fleet that loads has agents
  } catch (const config_error&) {
  }
  return 0;
}

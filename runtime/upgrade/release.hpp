#pragma once
// A release: a version string, new definitions for some agents and, if it
// changes behaviour code, a plugin. Read from a folder:
//
//     <folder>/release.yaml      version: 2.0.0
//                                plugin: libbehaviour-2.0.0.so   (optional)
//     <folder>/agents/<name>.md  same format as agents/ (optional, any number)

#include <map>
#include <memory>
#include <string>

#include "config/fleet_config.hpp"
#include "upgrade/behaviour_plugin.hpp"

namespace agent_runtime {

/// A validated release, ready to be swapped in.
struct release {
  std::string version;
  /// The folder it was read from.
  std::string path;
  /// New definitions by agent name.
  std::map<std::string, agent_definition> definitions;
  /// The behaviour code of this version; null for the built-in behaviour.
  std::shared_ptr<const behaviour_plugin> plugin;
};

/// Reads and validates the release in `folder` against `fleet`: every
/// definition parses (the same checks as at start-up), names an agent of
/// the fleet with its id and cluster, and carries the release's version;
/// the plugin loads. Throws `config_error` naming the file, agent and
/// field of the first mistake.
release load_release(const std::string& folder, const fleet_config& fleet);

} // namespace agent_runtime

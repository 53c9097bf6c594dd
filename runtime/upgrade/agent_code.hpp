#pragma once
// What a version gives an agent actor besides its definition: the behaviour
// plugin, the counters of the version, and during a swap the definition
// whose state it takes over.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/fleet_config.hpp"
#include "upgrade/behaviour_plugin.hpp"
#include "upgrade/health_gate.hpp"
#include "upgrade/release.hpp"
#include "upgrade/serve_stats.hpp"

namespace agent_runtime {

/// The code an agent actor runs.
struct agent_code {
  /// Null: the built-in behaviour.
  std::shared_ptr<const behaviour_plugin> plugin;
  /// Counters of the version the actor belongs to; never null.
  std::shared_ptr<serve_stats> stats = std::make_shared<serve_stats>();
  /// Set for a swap: the definition the predecessor ran, whose state the
  /// actor migrates when it takes it over.
  std::optional<agent_definition> migrate_from;
  /// Whether the plugin's `migrate` hook runs (a swap forward), or only the
  /// definitions' defaults follow (a rollback).
  bool plugin_migrates = true;
};

/// A release shared by the actors that swap to it.
using release_ptr = std::shared_ptr<const release>;

/// How to swap and soak.
struct upgrade_options {
  /// How long the health gate watches the new version; zero: not at all.
  std::chrono::milliseconds soak{60000};
  health_thresholds thresholds;
  /// The operator who asked, for the log.
  std::string requested_by;
  /// Which rollout the swap belongs to (agentctl rollout names one), for status.
  std::string rollout;
};

} // namespace agent_runtime

#pragma once
// Release folders for the tools that swap clusters under load (bench, soak):
// a release.yaml with a new version and the cluster's definitions carrying
// it, in the layout runtime/upgrade/release.hpp reads and validates.

#include <string>

#include "config/fleet_config.hpp"

namespace agent_runtime::tools {

/// Writes the release `version` of `cluster` into `folder` (created, and
/// emptied first): release.yaml and, for every agent of the cluster, its
/// definition from `fleet` with `version` in the front matter and a line
/// naming the version at the end of the system prompt. Returns `folder`;
/// throws std::runtime_error for an unknown cluster or a file it cannot
/// read or write.
std::string write_release(const fleet_config& fleet, const std::string& cluster,
                          const std::string& version, const std::string& folder);

/// The cluster `id` of `fleet`; throws std::runtime_error when there is none.
const cluster_spec& find_cluster(const fleet_config& fleet, const std::string& id);

} // namespace agent_runtime::tools

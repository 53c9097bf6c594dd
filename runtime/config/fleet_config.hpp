#pragma once
// The fleet's declared topology: clusters.yaml and the agent definitions it
// names, loaded and validated as a whole before anything starts.

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/model_config.hpp"

namespace agent_runtime {

/// A configuration mistake, with the place it was found.
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// How a cluster treats an agent that fails (OTP's restart strategies).
struct supervision_settings {
  /// `one_for_one` restarts the failed agent; `one_for_all` every agent of
  /// the cluster.
  std::string strategy = "one_for_one";
  /// Failures allowed within `restart_window` before the agent is marked failed.
  int max_restarts = 3;
  std::chrono::seconds restart_window{3600};
};

/// Settings that apply to the whole fleet unless a cluster overrides them.
struct fleet_settings {
  std::string stream = "AGENT_EVENTS";
  std::string queue_group = "agent-runtime";
  bool unified_subjects = false;
  /// Empty when the runtime should start its own nats-server.
  std::string nats_url;
  /// Requests an agent holds at once (queued or in progress); more are
  /// answered `busy` at once.
  std::size_t max_in_flight = 256;
  /// How long a graceful stop waits for work in flight.
  std::chrono::milliseconds stop_timeout{10000};
  supervision_settings supervision;
  /// `name:token` lines of the operators who may steer the fleet; empty:
  /// $AGENT_RUNTIME_OPERATORS_FILE. $AGENT_RUNTIME_ADMIN_TOKEN adds one more.
  std::string operators_file;
  /// Where operator decisions (disabled clusters) are kept across restarts;
  /// empty: $STATE_DIRECTORY, else the user's state folder.
  std::string state_dir;
  /// Where /metrics, /healthz and /readyz are served (`host:port`, loopback
  /// advised); empty: not served.
  std::string metrics_address;
  /// How often the allocator's freed memory is given back to the system
  /// (`memory_return_ms`); zero: never.
  std::chrono::milliseconds memory_return{10000};
};

/// One agent: its place in the roster and its definition file.
struct agent_definition {
  std::string name;
  std::string id;
  std::string cluster;
  std::string version;
  std::string description;
  std::vector<std::string> capabilities;
  model_config model;
  /// The body of the definition file.
  std::string system_prompt;
  /// Where the definition was read from, for messages that name it.
  std::string file;
};

/// A capability cluster and its agents, in declaration order.
struct cluster_spec {
  std::string id;
  bool unified_subjects = false;
  supervision_settings supervision;
  std::vector<agent_definition> agents;
};

/// The whole fleet, clusters in rolling-upgrade order.
struct fleet_config {
  std::string file;
  fleet_settings settings;
  std::vector<cluster_spec> clusters;

  /// Number of agents over all clusters.
  std::size_t agent_count() const;
};

/// Loads `path` (clusters.yaml) and every definition it names. Definition
/// paths are relative to the directory of `path`. Throws `config_error` with
/// one message naming the file, line, agent and field of the first mistake.
fleet_config load_fleet_config(const std::string& path);

/// Parses one agent definition (front matter and system prompt) from `text`;
/// `file` names it in error messages.
agent_definition parse_agent_definition(const std::string& text, const std::string& file);

/// Whether `text` is a UUID in the 8-4-4-4-12 hexadecimal form.
bool is_uuid(const std::string& text);

} // namespace agent_runtime

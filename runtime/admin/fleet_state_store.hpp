#pragma once
// What operators decided that must survive a restart of the service: which
// clusters are disabled. One small JSON file in the state directory.

#include <set>
#include <string>

namespace agent_runtime {

/// The persisted operator state.
class fleet_state_store {
public:
  /// `dir` empty: $STATE_DIRECTORY (systemd's StateDirectory=), else
  /// $XDG_STATE_HOME/agent-runtime, else ~/.local/state/agent-runtime.
  explicit fleet_state_store(std::string dir);

  /// The disabled clusters as last saved; none if nothing was saved.
  std::set<std::string> disabled_clusters() const;

  /// Saves atomically (write, then rename); throws std::runtime_error.
  void save_disabled_clusters(const std::set<std::string>& clusters) const;

  const std::string& file() const {
    return file_;
  }

private:
  std::string file_;
};

} // namespace agent_runtime

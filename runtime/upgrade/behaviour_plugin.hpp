#pragma once
// A loaded behaviour plugin (`plugin_api.h`): one file per version, kept
// loaded for the life of the process so that no actor ever runs code that
// was unloaded under it.

#include <memory>
#include <optional>
#include <string>

struct agent_runtime_plugin;

namespace agent_runtime {

/// A behaviour plugin, loaded once per file and never unloaded.
class behaviour_plugin {
public:
  /// What a hook produced: its output, or why it refused.
  struct result {
    bool ok = false;
    std::string text;
  };

  /// Loads the plugin at `path`, or returns the one already loaded from it.
  /// Throws `config_error` naming the file when it cannot be opened, has no
  /// entry point, speaks another ABI, or was replaced since it was loaded
  /// (`dlopen` would hand back the old code: each version needs its own file).
  static std::shared_ptr<const behaviour_plugin> load(const std::string& path);

  /// The plugin's own version string.
  const std::string& version() const {
    return version_;
  }

  /// The file it was loaded from.
  const std::string& file() const {
    return file_;
  }

  /// Whether the plugin converts states (has a `migrate` hook).
  bool migrates() const;

  /// Runs `migrate` on `state` (JSON) kept by `from_version`; nothing
  /// without a hook.
  std::optional<result> migrate(const std::string& state, const std::string& from_version) const;

  /// Runs `handle` on the reply `reply` to `content`; nothing without a hook.
  std::optional<result> handle(const std::string& agent, const std::string& content,
                               const std::string& reply) const;

  behaviour_plugin(std::string file, std::string version, const agent_runtime_plugin* api);

private:
  std::string file_;
  std::string version_;
  const agent_runtime_plugin* api_;
};

} // namespace agent_runtime

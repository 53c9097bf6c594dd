#include "upgrade/behaviour_plugin.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "app/log.hpp"
#include "config/fleet_config.hpp"
#include "upgrade/plugin_api.h"

namespace agent_runtime {
namespace {

struct loaded {
  std::shared_ptr<const behaviour_plugin> plugin;
  std::filesystem::file_time_type written;
};

/// Every plugin loaded, by canonical path. Never emptied: `dlclose` while an
/// actor may still run the code would crash the process.
std::mutex registry_mutex;
std::map<std::string, loaded>& registry() {
  static auto* plugins = new std::map<std::string, loaded>();
  return *plugins;
}

void append(void* context, const char* data, std::size_t size) {
  if (data && size)
    static_cast<std::string*>(context)->append(data, size);
}

template <class Call>
behaviour_plugin::result run_hook(const std::string& file, Call call) {
  behaviour_plugin::result out;
  agent_runtime_text_sink sink{&out.text, append};
  try {
    out.ok = call(&sink) == 0;
  } catch (const std::exception& e) {
    out.ok = false;
    out.text = std::string("the plugin threw: ") + e.what();
  } catch (...) {
    out.ok = false;
    out.text = "the plugin threw";
  }
  if (!out.ok && out.text.empty())
    out.text = "plugin " + file + " gave no reason";
  return out;
}

} // namespace

behaviour_plugin::behaviour_plugin(std::string file, std::string version,
                                   const agent_runtime_plugin* api) :
  file_(std::move(file)),
  version_(std::move(version)), api_(api) {}

std::shared_ptr<const behaviour_plugin> behaviour_plugin::load(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::canonical(path, ec);
  if (ec || !std::filesystem::is_regular_file(canonical))
    throw config_error(path + ": plugin: no such file");
  const auto written = std::filesystem::last_write_time(canonical, ec);
  const std::string key = canonical.string();

  std::lock_guard<std::mutex> lock(registry_mutex);
  auto found = registry().find(key);
  if (found != registry().end()) {
    if (found->second.written != written)
      throw config_error(path + ": plugin: the file changed since version " +
                         found->second.plugin->version() +
                         " was loaded from it; give each version its own file");
    return found->second.plugin;
  }
  void* handle = ::dlopen(key.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw config_error(path + ": plugin: cannot load: " + std::string(::dlerror()));
  auto entry =
    reinterpret_cast<agent_runtime_plugin_entry>(::dlsym(handle, AGENT_RUNTIME_PLUGIN_ENTRY));
  const agent_runtime_plugin* api = entry ? entry() : nullptr;
  if (!api || api->abi_version != AGENT_RUNTIME_PLUGIN_ABI || !api->plugin_version ||
      !*api->plugin_version) {
    ::dlclose(handle); // nothing of it has run but the entry point
    if (!entry)
      throw config_error(path + ": plugin: no entry point " AGENT_RUNTIME_PLUGIN_ENTRY);
    if (!api)
      throw config_error(path + ": plugin: the entry point returned nothing");
    if (api->abi_version != AGENT_RUNTIME_PLUGIN_ABI)
      throw config_error(path + ": plugin: abi_version " + std::to_string(api->abi_version) +
                         ", this runtime speaks " + std::to_string(AGENT_RUNTIME_PLUGIN_ABI));
    throw config_error(path + ": plugin: plugin_version is empty");
  }
  auto plugin = std::make_shared<behaviour_plugin>(key, api->plugin_version, api);
  registry().emplace(key, loaded{plugin, written});
  component_logger("upgrade")->info("[upgrade] loaded plugin version={} file={}", plugin->version(),
                                    key);
  return plugin;
}

bool behaviour_plugin::migrates() const {
  return api_->migrate != nullptr;
}

std::optional<behaviour_plugin::result>
behaviour_plugin::migrate(const std::string& state, const std::string& from_version) const {
  if (!api_->migrate)
    return std::nullopt;
  return run_hook(file_, [&](agent_runtime_text_sink* sink) {
    return api_->migrate(state.data(), state.size(), from_version.c_str(), sink);
  });
}

std::optional<behaviour_plugin::result> behaviour_plugin::handle(const std::string& agent,
                                                                 const std::string& content,
                                                                 const std::string& reply) const {
  if (!api_->handle)
    return std::nullopt;
  return run_hook(file_, [&](agent_runtime_text_sink* sink) {
    return api_->handle(agent.c_str(), content.data(), content.size(), reply.data(), reply.size(),
                        sink);
  });
}

} // namespace agent_runtime

#include "layouts.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "bench_client.hpp"
#include "child_process.hpp"
#include "process_sample.hpp"

namespace agent_runtime::bench {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

/// 31 processes starting at once on two cores take a while.
constexpr milliseconds start_limit{30000};
constexpr milliseconds stop_limit{10000};

/// `text` as a single-quoted YAML scalar.
std::string yaml_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text)
    quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

void write_one_agent_config(const fleet_config& fleet, const agent_definition& agent,
                            const std::string& file) {
  std::ofstream out(file);
  out << "# " << agent.name << " alone, for the bench's process-per-agent layout\n"
      << "settings:\n"
      << "  queue_group: " << yaml_quoted(fleet.settings.queue_group) << "\n"
      << "clusters:\n"
      << "  - id: " << yaml_quoted(agent.cluster) << "\n"
      << "    agents:\n"
      << "      - name: " << yaml_quoted(agent.name) << "\n"
      << "        id: " << yaml_quoted(agent.id) << "\n"
      << "        definition: " << yaml_quoted(fs::absolute(agent.file).string()) << "\n";
  if (!out)
    throw std::runtime_error("cannot write " + file);
}

/// SIGTERM to all at once, then waits for each; SIGKILL for any still
/// running after `stop_limit`.
void stop_all(std::vector<std::unique_ptr<child_process>>& processes) {
  for (auto& process : processes)
    process->request_stop();
  const auto deadline = std::chrono::steady_clock::now() + stop_limit;
  for (auto& process : processes) {
    auto left =
      std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    process->wait_or_kill(std::max(milliseconds(0), left));
  }
}

} // namespace

std::vector<std::string> write_one_agent_configs(const fleet_config& fleet,
                                                 const std::string& dir) {
  std::vector<std::string> files;
  for (const cluster_spec& cluster : fleet.clusters) {
    for (const agent_definition& agent : cluster.agents) {
      files.push_back((fs::path(dir) / (agent.name + ".yaml")).string());
      write_one_agent_config(fleet, agent, files.back());
    }
  }
  return files;
}

layout_figures start_layout(const std::vector<std::vector<std::string>>& commands,
                            const std::string& log_dir, bench_client& client,
                            const std::vector<std::string>& subjects) {
  layout_figures figures;
  figures.processes = commands.size();
  std::vector<std::unique_ptr<child_process>> processes;
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < commands.size(); ++i)
    processes.push_back(std::make_unique<child_process>(
      commands[i], (fs::path(log_dir) / ("layout-" + std::to_string(i) + ".log")).string()));

  auto all_running = [&] {
    return std::all_of(processes.begin(), processes.end(), [](auto& p) { return p->running(); });
  };
  auto ready = client.wait_until_answering(subjects, started, start_limit, all_running);
  figures.ready = ready.has_value();
  figures.ready_ms = ready ? static_cast<double>(ready->count()) / 1000.0 : 0;
  for (auto& process : processes) {
    const process_sample sample = sample_process(process->pid());
    figures.rss_kib += sample.rss_kib;
    figures.pss_kib += sample.pss_kib;
  }
  stop_all(processes);
  return figures;
}

} // namespace agent_runtime::bench

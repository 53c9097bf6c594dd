// bench: what the runtime costs on top of NATS. Starts nats-servers, the
// agent-runtime program and a bare nats.c responder, measures both the same
// way, then compares one process for the fleet with one process per agent.
// docs/performance.md explains the figures.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "bare_responder.hpp"
#include "bench_client.hpp"
#include "bench_options.hpp"
#include "common/release_writer.hpp"
#include "config/fleet_config.hpp"
#include "layouts.hpp"
#include "report.hpp"
#include "service_rounds.hpp"
#include "service_under_test.hpp"
#include "swap_rounds.hpp"

namespace {

namespace fs = std::filesystem;
using namespace agent_runtime;
using namespace agent_runtime::bench;

/// A temporary folder for logs and generated configs, removed at the end.
class scratch_dir {
public:
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "agent-runtime-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot create a temporary folder");
    path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

private:
  fs::path path_;
};

/// This program, to start it again as the bare responder.
std::string self_path() {
  return fs::read_symlink("/proc/self/exe").string();
}

/// One ping subject per agent, in roster order.
std::vector<std::string> ping_subjects(const fleet_config& fleet) {
  std::vector<std::string> subjects;
  for (const cluster_spec& cluster : fleet.clusters) {
    for (const agent_definition& agent : cluster.agents)
      subjects.push_back("agent.to." + agent.name + ".from.bench.ping");
  }
  return subjects;
}

/// The agent-runtime command line for `config` on `url`.
std::vector<std::string> runtime_command(const bench_options& options, const std::string& config,
                                         const std::string& url) {
  std::vector<std::string> command = {options.runtime_binary, "--config", config};
  command.insert(command.end(), {"--nats", url, "--log-level", options.log_level});
  return command;
}

/// The medians of `rounds`, and what `service`'s process looks like now.
service_figures figures_of(service_under_test& service, const std::vector<service_round>& rounds) {
  service_figures figures = summarize(rounds);
  const process_sample end = service.sample();
  figures.rss_kib_at_end = end.rss_kib;
  figures.peak_rss_kib = end.peak_rss_kib;
  figures.threads = end.threads;
  figures.ready_ms = service.ready_ms();
  return figures;
}

/// The bare responder and the runtime, side by side on servers of their
/// own, taking turns (see service_rounds.hpp).
std::pair<service_figures, service_figures>
measure_services(const bench_options& options, const scratch_dir& scratch,
                 const std::vector<std::string>& subjects) {
  const std::string self = self_path();
  service_under_test bare(
    "bare responder",
    [&](const std::string& url) {
      return std::vector<std::string>{self, "responder", "--nats", url, "--config", options.config};
    },
    scratch.file("bare-responder.log"), subjects);
  service_under_test runtime(
    "agent-runtime",
    [&](const std::string& url) { return runtime_command(options, options.config, url); },
    scratch.file("agent-runtime.log"), subjects);
  const std::size_t bare_start = bare.sample().rss_kib;
  const std::size_t runtime_start = runtime.sample().rss_kib;

  paired_rounds rounds = run_rounds(bare, runtime, options);
  auto result = std::make_pair(figures_of(bare, rounds.bare), figures_of(runtime, rounds.runtime));
  result.first.rss_kib_at_start = bare_start;
  result.second.rss_kib_at_start = runtime_start;
  return result;
}

/// The fleet as one process, then as one process per agent, each started
/// `options.rounds` times on a fresh nats-server.
std::pair<layout_figures, layout_figures>
compare_layouts(const bench_options& options, const fleet_config& fleet, const scratch_dir& scratch,
                const std::vector<std::string>& subjects) {
  nats_server_options server_options;
  server_options.preferred_port = 0;
  // The runtime keeps its agents' events there.
  server_options.jetstream = true;
  nats_server_process server(server_options);
  bench_client client(server.url());

  const std::vector<std::vector<std::string>> one = {
    runtime_command(options, options.config, server.url())};
  std::vector<std::vector<std::string>> many;
  for (const std::string& config : write_one_agent_configs(fleet, scratch.file("")))
    many.push_back(runtime_command(options, config, server.url()));

  std::vector<layout_figures> one_rounds;
  std::vector<layout_figures> many_rounds;
  for (std::size_t round = 0; round < options.rounds; ++round) {
    one_rounds.push_back(start_layout(one, scratch.file(""), client, subjects));
    many_rounds.push_back(start_layout(many, scratch.file(""), client, subjects));
  }
  return {summarize(one_rounds), summarize(many_rounds)};
}

/// The swap of one cluster under load, `options.rounds` times, on a
/// runtime of its own.
swap_figures measure_swap(const bench_options& options, const fleet_config& fleet,
                          const scratch_dir& scratch, const std::vector<std::string>& subjects) {
  const auto command = [&](const std::string& url) {
    return runtime_command(options, options.config, url);
  };
  return summarize(run_swap_rounds(options, fleet, scratch.file(""), subjects, command));
}

/// Whether every process the bench started has been stopped and reaped.
bool no_children_left() {
  return ::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

/// Runs every measurement and prints the figures; the exit code.
int run_bench(bench_options options) {
  if (options.quick)
    options = quick_options(options);
  const fleet_config fleet = load_fleet_config(options.config);
  const std::vector<std::string> subjects = ping_subjects(fleet);
  scratch_dir scratch;
  print_settings(std::cout, options, subjects.size());

  auto [bare, runtime] = measure_services(options, scratch, subjects);
  print_services(std::cout, options, bare, runtime);
  bool complete = bare.lost == 0 && runtime.lost == 0;
  if (!options.skip_layouts) {
    auto [one, many] = compare_layouts(options, fleet, scratch, subjects);
    print_layouts(std::cout, one, many);
    complete = complete && one.ready && many.ready;
  }
  const swap_figures swap = measure_swap(options, fleet, scratch, subjects);
  print_swap(std::cout, options, tools::find_cluster(fleet, options.swap_cluster).agents.size(),
             swap);
  const swap_round& s = swap.median;
  complete =
    complete && swap.swapped == swap.rounds && s.lost == 0 && s.refused == 0 && s.duplicated == 0;
  std::cout << "load average at the end: " << load_average() << "\n";
  if (!complete)
    std::cerr << "bench: some requests got no reply (or an error), some agents never answered "
                 "or a swap failed\n";
  return complete ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  bench_options options;
  options.runtime_binary = AGENT_RUNTIME_BINARY;
  options.config = AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml";
  double duration_s = 5;

  CLI::App app{"bench: the runtime's cost against a bare nats.c responder, one process "
               "against a process per agent, and the swap of a cluster under load"};
  app.add_option("--duration", duration_s, "seconds of each throughput measurement")
    ->capture_default_str()
    ->check(CLI::Range(0.05, 600.0));
  app.add_option("--concurrency", options.concurrency, "requests in flight for throughput")
    ->capture_default_str()
    ->check(CLI::Range(1, 65536));
  app.add_option("--payload-size", options.payload_size, "bytes per request")
    ->capture_default_str()
    ->check(CLI::Range(0, 1 << 20));
  app.add_option("--requests", options.requests, "requests timed one at a time, per round")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000000));
  app.add_option("--rounds", options.rounds, "rounds per responder and start-ups per layout")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_flag("--quick", options.quick, "tiny counts: only checks that the harness works");
  app.add_flag("--skip-layouts", options.skip_layouts,
               "skip the one-process against process-per-agent comparison");
  app.add_option("--swap-cluster", options.swap_cluster, "the cluster swapped under load")
    ->capture_default_str();
  app
    .add_option("--swap-rate", options.swap_load_per_second,
                "requests a second over every agent while swapping")
    ->capture_default_str()
    ->check(CLI::Range(10.0, 100000.0));
  app.add_option("--runtime", options.runtime_binary, "the agent-runtime program")
    ->capture_default_str();
  app.add_option("--config", options.config, "the fleet's clusters.yaml")->capture_default_str();
  app.add_option("--log-level", options.log_level, "the runtime's --log-level")
    ->capture_default_str();

  std::string responder_url;
  auto* responder = app.add_subcommand("responder", "");
  responder->group("");
  responder->add_option("--nats", responder_url)->required();
  responder->add_option("--config", options.config);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (responder->parsed())
    return run_bare_responder(responder_url, options.config);

  options.duration = std::chrono::milliseconds(static_cast<long>(duration_s * 1000));
  int code = 1;
  try {
    code = run_bench(options);
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n";
  }
  if (!no_children_left()) {
    std::cerr << "bench: a child process is still running\n";
    return 1;
  }
  return code;
}

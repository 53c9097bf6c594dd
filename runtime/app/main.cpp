// agent-runtime: the whole fleet of agents in one process, served over NATS.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "admin/fleet_state_store.hpp"
#include "app/fleet_runtime.hpp"
#include "app/log.hpp"
#include "app/systemd_notifier.hpp"
#include "app/version.hpp"
#include "bridge/nats_credential_flags.hpp"
#include "embedded/nats_server_process.hpp"
#include "observability/http_server.hpp"

namespace {

using namespace agent_runtime;

/// Exit codes scripts can rely on.
enum exit_code : int { ok = 0, failure = 1, usage = 2, config = 3, nats = 4 };

struct cli_options {
  std::string config = "clusters.yaml";
  std::string nats_url;
  std::string log_level = "info";
  credential_files credentials;
  /// Unset: the config's `metrics_address`.
  std::optional<std::string> metrics_address;
};

/// The NATS URL to use: the flag, then NATS_URL, then the config; empty
/// means start our own server.
std::string choose_nats_url(const cli_options& cli, const fleet_config& fleet) {
  if (!cli.nats_url.empty())
    return cli.nats_url;
  if (const char* env = std::getenv("NATS_URL"); env && *env)
    return env;
  return fleet.settings.nats_url;
}

/// Blocks until SIGINT or SIGTERM; one that came during start-up counts.
void wait_for_signal(boost::asio::io_context& io, boost::asio::signal_set& signals,
                     spdlog::logger& log) {
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (!error)
      log.info("[runtime] received {}, stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
  });
  io.run();
}

/// A one-line summary for systemd's STATUS=.
std::string status_line(std::size_t agents, const link_status& link) {
  std::string line = "serving agents=" + std::to_string(agents);
  if (link.connected)
    return line + " nats=connected";
  return line + " nats=down for " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(link.down_for).count()) +
         "s";
}

/// Tells systemd the fleet is ready and, if it asks for one, starts the
/// watchdog that the actor system itself feeds.
void announce_ready(fleet_runtime& runtime, const std::string& url) {
  systemd_notifier notifier;
  if (!notifier.enabled())
    return;
  notifier.ready(status_line(runtime.agent_count(), runtime.nats_link()) + " url=" + url);
  if (auto period = notifier.watchdog_period()) {
    // Ping three times per period: one late round is not yet a hang.
    const auto every = std::chrono::duration_cast<std::chrono::milliseconds>(*period / 3);
    runtime.start_watchdog(std::max(every, std::chrono::milliseconds(1)),
                           [&runtime, notifier](std::size_t agents) {
                             notifier.watchdog();
                             notifier.status(status_line(agents, runtime.nats_link()));
                           });
    component_logger("runtime")->info("[runtime] systemd watchdog fed every {} ms", every.count());
  }
}

int run(const cli_options& cli) {
  auto log = component_logger("runtime");
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  fleet_config fleet;
  try {
    fleet = load_fleet_config(cli.config);
  } catch (const config_error& e) {
    component_logger("config")->error("config error: {}", e.what());
    return config;
  }
  log->info("[runtime] agent-runtime {} config={} clusters={} agents={}", version_string,
            cli.config, fleet.clusters.size(), fleet.agent_count());

  runtime_options options;
  try {
    options.credentials = resolve_nats_credentials(cli.credentials);
  } catch (const credential_error& e) {
    component_logger("nats")->error("[nats] credential error: {}", e.what());
    return config;
  }
  if (url_has_secret(cli.nats_url))
    component_logger("nats")->warn("[nats] the --nats URL carries a secret, which ps shows to "
                                   "every user; use a credential file instead url={}",
                                   redact_url(cli.nats_url));

  std::optional<nats_server_process> embedded;
  std::string url = choose_nats_url(cli, fleet);
  if (url.empty()) {
    // Agents' events outlive the embedded server: its store is kept in the
    // state folder, beside the operators' decisions.
    nats_server_options server;
    server.store_dir =
      (std::filesystem::path(fleet_state_store(fleet.settings.state_dir).file()).parent_path() /
       "jetstream")
        .string();
    try {
      embedded.emplace(server);
    } catch (const std::exception& e) {
      component_logger("nats")->error("[nats-server] cannot start the embedded server: {}",
                                      e.what());
      return nats;
    }
    url = embedded->url();
    component_logger("nats")->info("[nats-server] started embedded server url={} pid={} store={}",
                                   url, embedded->pid(), server.store_dir);
  }

  component_logger("nats")->info("[nats] credentials {}", describe(options.credentials));
  if (!options.credentials.warning.empty())
    component_logger("nats")->warn("[nats] {}", options.credentials.warning);
  options.nats_url = url;
  options.metrics_address = cli.metrics_address;
  fleet_runtime runtime(std::move(fleet), std::move(options));
  try {
    runtime.start();
  } catch (const http_server_error& e) {
    log->error("[runtime] start-up failed: {}", e.what());
    return failure;
  } catch (const std::exception& e) {
    log->error("[runtime] start-up failed: {}", e.what());
    return nats;
  }
  announce_ready(runtime, redact_url(url));
  wait_for_signal(io, signals, *log);
  systemd_notifier{}.stopping("stopping: finishing work in flight");
  runtime.stop();
  if (embedded) {
    embedded->stop();
    component_logger("nats")->info("[nats-server] embedded server stopped");
  }
  return ok;
}

} // namespace

int main(int argc, char** argv) {
  cli_options cli;
  CLI::App app{"agent-runtime: a fleet of AI agents as actors in one process, served over NATS"};
  app.set_version_flag("--version", std::string("agent-runtime ") + version_string);
  app.add_option("-c,--config", cli.config, "the fleet's clusters.yaml")->capture_default_str();
  app.add_option("--nats", cli.nats_url,
                 "NATS server URL (also NATS_URL); without one the runtime starts its own "
                 "nats-server on loopback");
  app.add_option("--metrics", cli.metrics_address,
                 "serve /metrics, /healthz and /readyz on host:port (e.g. 127.0.0.1:9464; "
                 "\"\" for none); default: metrics_address in the config, else none");
  app.add_option("--log-level", cli.log_level, "trace, debug, info, warn, error or off")
    ->capture_default_str()
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  add_credential_options(app, cli.credentials);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? ok : usage;
  }
  set_log_level(cli.log_level);
  try {
    return run(cli);
  } catch (const std::exception& e) {
    component_logger("runtime")->critical("[runtime] stopped by an unexpected error: {}", e.what());
    return failure;
  }
}

#include "app/fleet_runtime.hpp"

#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/after.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>

#include "admin/admin_actor.hpp"
#include "app/log.hpp"
#include "app/version.hpp"
#include "bridge/nats_bridge.hpp"
#include "routing/route_table.hpp"
#include "supervision/atoms.hpp"
#include "supervision/supervisor_actor.hpp"
#include "supervision/watchdog_actor.hpp"

namespace agent_runtime {
namespace {

std::string instance_name() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

std::unique_ptr<caf::actor_system_config> actor_config(const runtime_options& options) {
  auto config = std::make_unique<caf::actor_system_config>();
  // Measured: the sharing policy with few threads beats work stealing for
  // short handlers fed from outside threads.
  config->set("scheduler.policy", caf::atom("sharing"));
  config->set("scheduler.max-threads", options.scheduler_threads);
  return config;
}

} // namespace

struct fleet_runtime::impl {
  fleet_config fleet;
  runtime_options options;
  std::shared_ptr<spdlog::logger> log = component_logger("runtime");
  std::unique_ptr<nats_bridge> bridge;
  route_table routes;
  /// Outlives the actors, so that its I/O thread stops after they are gone.
  std::shared_ptr<provider_registry> providers;
  std::unique_ptr<caf::actor_system_config> actor_config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor supervisor;
  caf::actor watchdog;
  caf::actor admin;
  std::size_t agents = 0;
  bool running = false;

  std::chrono::milliseconds stop_limit() const {
    return options.stop_limit.value_or(fleet.settings.stop_timeout);
  }

  void start_actors() {
    actor_config = agent_runtime::actor_config(options);
    system = std::make_unique<caf::actor_system>(*actor_config);
    providers = options.providers ? options.providers : provider_registry::with_builtin_providers();
    fleet_services services{&routes, bridge.get(), providers, {version_string, instance_name()}};
    supervisor = system->spawn(supervisor_actor, fleet, services);
    admin = system->spawn(admin_actor, &routes, bridge.get(), supervisor,
                          operator_auth::from_environment(fleet.settings.operators_file),
                          fleet_state_store(fleet.settings.state_dir));

    caf::scoped_actor self{*system};
    self->request(supervisor, std::chrono::seconds(30), ready_atom::value)
      .receive([&](std::size_t n) { agents = n; },
               [&](caf::error& err) {
                 throw std::runtime_error("the fleet did not start: " + system->render(err));
               });
  }

  /// Applies what operators decided before the last restart, then listens
  /// on the admin subjects.
  void restore_operator_state() {
    fleet_state_store store(fleet.settings.state_dir);
    for (const std::string& cluster : store.disabled_clusters()) {
      if (routes.set_cluster_enabled(cluster, false))
        log->warn("[cluster {}] disabled, as an operator left it (state {})", cluster,
                  store.file());
    }
  }

  void serve_admin() {
    caf::actor target = admin;
    bridge->subscribe_all("agent.admin.>", [target](inbound_message& request) {
      caf::anon_send(target, admin_atom::value, std::move(request));
    });
    component_logger("admin")->info("[admin] serving agent.admin.> (status, enable, disable, "
                                    "suspend, resume, upgrade, rollback)");
  }

  void stop_actors() {
    caf::scoped_actor self{*system};
    if (admin) {
      self->send_exit(admin, caf::exit_reason::user_shutdown);
      self->wait_for(admin);
      admin = nullptr;
    }
    if (watchdog) {
      // Gone before the bridge is: its callback reads the link state.
      self->send_exit(watchdog, caf::exit_reason::user_shutdown);
      self->wait_for(watchdog);
      watchdog = nullptr;
    }
    self->monitor(supervisor);
    bool stopped = false;
    self->request(supervisor, stop_limit(), shutdown_atom::value)
      .receive([&](std::size_t) { stopped = true; },
               [&](caf::error& err) {
                 log->error("[runtime] agents did not stop in time error={}", system->render(err));
               });
    if (!stopped)
      end_model_requests(self);
    self->send_exit(supervisor, caf::exit_reason::user_shutdown);
    supervisor = nullptr;
  }

  /// A model server that does not answer must not hold the stop until its
  /// own timeout: its requests end now with an error, which the agents
  /// answer before they stop.
  void end_model_requests(caf::scoped_actor& self) {
    log->warn("[runtime] ending model requests still in flight");
    providers->shutdown();
    self->receive(
      [](caf::down_msg&) {},
      caf::after(std::chrono::seconds(5)) >>
        [&] { log->error("[runtime] agents did not stop after their model requests ended"); });
  }
};

fleet_runtime::fleet_runtime(fleet_config fleet, runtime_options options) :
  impl_(std::make_unique<impl>()) {
  impl_->fleet = std::move(fleet);
  impl_->options = std::move(options);
}

fleet_runtime::~fleet_runtime() {
  stop();
}

void fleet_runtime::start() {
  auto& d = *impl_;
  const auto began = std::chrono::steady_clock::now();
  d.running = true;
  try {
    d.bridge = std::make_unique<nats_bridge>(bridge_options{d.options.nats_url});
    for (const cluster_spec& cluster : d.fleet.clusters) {
      for (const agent_definition& agent : cluster.agents)
        d.routes.add_agent(agent.name, agent.id, cluster.id, d.fleet.settings.queue_group,
                           d.fleet.settings.max_in_flight);
    }
    d.restore_operator_state();
    d.start_actors();
    for (const subject_route& route : d.routes.routes())
      d.bridge->subscribe(route, d.routes);
    d.serve_admin();
    // Ready means the server has every subscription, not just our socket.
    d.bridge->flush(std::chrono::milliseconds(5000));
  } catch (...) {
    // Never half a fleet: undo what started, then report.
    stop();
    throw;
  }

  const auto took =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  d.log->info("[runtime] ready agents={} clusters={} nats={} took_ms={}", d.agents,
              d.fleet.clusters.size(), d.bridge->connected_url(), took.count());
}

void fleet_runtime::stop() {
  auto& d = *impl_;
  if (!d.running)
    return;
  d.running = false;
  d.log->info("[runtime] stopping: draining subscriptions");
  if (d.bridge)
    d.bridge->drain(d.stop_limit());
  if (d.supervisor)
    d.stop_actors();
  if (d.bridge)
    d.bridge->close(std::chrono::milliseconds(2000));
  d.system.reset();
  d.providers.reset();
  d.bridge.reset();
  d.log->info("[runtime] stopped");
}

std::string fleet_runtime::nats_url() const {
  return impl_->bridge ? impl_->bridge->connected_url() : impl_->options.nats_url;
}

std::size_t fleet_runtime::agent_count() const {
  return impl_->agents;
}

void fleet_runtime::start_watchdog(std::chrono::milliseconds period,
                                   std::function<void(std::size_t agents)> alive) {
  auto& d = *impl_;
  d.watchdog = d.system->spawn(watchdog_actor, d.supervisor, period, std::move(alive));
}

link_status fleet_runtime::nats_link() const {
  return impl_->bridge ? impl_->bridge->link() : link_status{};
}

} // namespace agent_runtime

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
#include "events/fleet_events.hpp"
#include "observability/fleet_observability.hpp"
#include "routing/conversation_relay.hpp"
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
  // CAF's default lets an actor run until its mailbox is empty: an agent fed
  // as fast as it answers would hold a worker, and everyone behind it
  // (clusters, the admin plane, other agents) would wait. A bounded batch
  // per turn keeps the scheduler fair.
  config->set("scheduler.max-throughput", std::size_t{32});
  return config;
}

} // namespace

struct fleet_runtime::impl {
  fleet_config fleet;
  runtime_options options;
  std::shared_ptr<spdlog::logger> log = component_logger("runtime");
  std::unique_ptr<nats_bridge> bridge;
  route_table routes;
  /// The conversation subjects of the unified scheme; between the request
  /// tracker and the bridge, so it outlives the actors' last replies.
  std::unique_ptr<conversation_relay> conversations;
  /// Counts requests between the bridge and the agents; serves $SRV.* and
  /// the HTTP endpoints.
  std::unique_ptr<fleet_observability> observability;
  std::atomic<bool> serving{false};
  /// Outlives the actors, so that its I/O thread stops after they are gone.
  std::shared_ptr<provider_registry> providers;
  /// The event stream and every agent's journal; outlives the actors.
  std::unique_ptr<fleet_events> events;
  std::unique_ptr<caf::actor_system_config> actor_config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor supervisor;
  caf::actor watchdog;
  caf::actor admin;
  /// Gives the allocator's freed memory back now and then.
  std::unique_ptr<memory_keeper> memory;
  std::size_t agents = 0;
  bool running = false;

  std::chrono::milliseconds stop_limit() const {
    return options.stop_limit.value_or(fleet.settings.stop_timeout);
  }

  void start_actors() {
    actor_config = agent_runtime::actor_config(options);
    system = std::make_unique<caf::actor_system>(*actor_config);
    providers = options.providers ? options.providers : provider_registry::with_builtin_providers();
    fleet_services services{
      &routes, &observability->replies(), providers, {version_string, instance_name()}};
    services.journals = events->journals();
    supervisor = system->spawn<caf::detached>(supervisor_actor, fleet, services);
    admin =
      system->spawn<caf::detached>(admin_actor, &routes, bridge.get(), supervisor,
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

  /// The agents of every cluster, as conversations name them.
  std::vector<conversation_target> conversation_targets() const {
    std::vector<conversation_target> targets;
    for (const cluster_spec& cluster : fleet.clusters) {
      for (const agent_definition& agent : cluster.agents) {
        for (const subject_route& route : routes.routes()) {
          if (route.agent == agent.name && route.kind == subject_kind::agent_ref)
            targets.push_back(
              {cluster.id + "." + agent.name + "." + agent.id, route, cluster.unified_subjects});
        }
      }
    }
    return targets;
  }

  /// Serves `agent.conversations.*.request` when any cluster has unified
  /// subjects on; in one queue group, so that one runtime takes each request.
  void serve_conversations() {
    if (!conversations->serves_any())
      return;
    const std::string subject = conversation_subjects::requests();
    const std::string group = fleet.settings.queue_group + ".conversations";
    conversation_relay* relay = conversations.get();
    message_dispatcher* dispatcher = &observability->dispatcher();
    bridge->subscribe_group(
      subject, group, [relay, dispatcher](inbound_message& request, message_headers& headers) {
        relay->on_request(request, headers, *dispatcher);
      });
    component_logger("conversations")
      ->info("[conversations] Subscribed to conversations: {} agents={} queue_group={}", subject,
             conversations->serving(), group);
  }

  /// NATS service discovery, and the HTTP endpoints when an address is set.
  void serve_observability() {
    service_identity identity;
    identity.version = version_string;
    identity.description = "agent-runtime: a fleet of AI agents as actors, served over NATS";
    identity.metadata = {{"instance", instance_name()},
                         {"clusters", std::to_string(fleet.clusters.size())},
                         {"agents", std::to_string(fleet.agent_count())}};
    observability->serve_discovery(std::move(identity));
    const std::string address = options.metrics_address.value_or(fleet.settings.metrics_address);
    if (address.empty())
      return;
    health_probes probes;
    probes.started = [this] {
      return serving.load();
    };
    probes.actors_answer = [this](std::chrono::milliseconds limit) {
      return actors_answer(limit);
    };
    observability->serve_http(address, std::move(probes));
  }

  /// Whether every cluster answers the supervisor within `limit`.
  bool actors_answer(std::chrono::milliseconds limit) {
    if (!system || !supervisor)
      return false;
    caf::scoped_actor self{*system};
    bool answered = false;
    self->request(supervisor, limit, ready_atom::value)
      .receive([&](std::size_t n) { answered = n == agents; }, [&](caf::error&) {});
    return answered;
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
    bridge_options link{d.options.nats_url};
    link.credentials = d.options.credentials;
    d.bridge = std::make_unique<nats_bridge>(std::move(link));
    for (const cluster_spec& cluster : d.fleet.clusters) {
      for (const agent_definition& agent : cluster.agents)
        d.routes.add_agent(agent.name, agent.id, cluster.id, d.fleet.settings.queue_group,
                           d.fleet.settings.max_in_flight);
    }
    d.conversations =
      std::make_unique<conversation_relay>(*d.bridge, *d.bridge, d.conversation_targets());
    d.observability =
      std::make_unique<fleet_observability>(d.fleet, d.routes, *d.bridge, *d.conversations);
    d.restore_operator_state();
    d.events = std::make_unique<fleet_events>(d.fleet, d.bridge->native_connection());
    d.observability->watch_events([this] { return event_counts(); });
    if (d.fleet.settings.memory_return.count() > 0) {
      d.memory = std::make_unique<memory_keeper>(d.fleet.settings.memory_return);
      d.observability->watch_memory([this] { return memory_returns(); });
    }
    d.start_actors();
    for (const subject_route& route : d.routes.routes())
      d.bridge->subscribe(route, d.observability->dispatcher());
    d.serve_conversations();
    d.serve_admin();
    d.serve_observability();
    // Ready means the server has every subscription, not just our socket.
    d.bridge->flush(std::chrono::milliseconds(5000));
    d.serving = true;
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
  d.serving = false;
  // First, so that no probe asks the actors while they stop.
  if (d.observability)
    d.observability->stop_http();
  d.log->info("[runtime] stopping: draining subscriptions");
  if (d.bridge)
    d.bridge->drain(d.stop_limit());
  if (d.supervisor)
    d.stop_actors();
  if (d.events)
    d.events->flush(d.stop_limit());
  if (d.bridge)
    d.bridge->close(std::chrono::milliseconds(2000));
  d.system.reset();
  d.memory.reset();
  d.providers.reset();
  d.events.reset();
  d.observability.reset();
  d.conversations.reset();
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

std::string fleet_runtime::metrics_address() const {
  return impl_->observability ? impl_->observability->http_address() : std::string();
}

std::string fleet_runtime::service_id() const {
  return impl_->observability ? impl_->observability->service_id() : std::string();
}

memory_keeper_counts fleet_runtime::memory_returns() const {
  return impl_->memory ? impl_->memory->counts() : memory_keeper_counts{};
}

std::optional<event_log_counts> fleet_runtime::event_counts() const {
  if (!impl_->events)
    return std::nullopt;
  return impl_->events->log().counts();
}

link_status fleet_runtime::nats_link() const {
  return impl_->bridge ? impl_->bridge->link() : link_status{};
}

} // namespace agent_runtime

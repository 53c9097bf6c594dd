// soak: steady request load on every agent while faults come and go: the
// nats-server killed and restarted, a model provider that fails, hangs or
// throws inside the agent's handler, clusters disabled and enabled, clusters
// swapped to a new version and back. At the end it accounts for every
// request: answered, refused with a reason, lost (must be 0), duplicated
// (must be 0), and the memory at start, after the warm-up and at the end,
// each read at rest: nothing in flight and freed memory given back.
// Bounded in time and count; loopback only.

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <system_error>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "app/fleet_runtime.hpp"
#include "app/log.hpp"
#include "common/operator_link.hpp"
#include "common/release_writer.hpp"
#include "config/fleet_config.hpp"
#include "embedded/nats_server_process.hpp"
#include "events/event_envelope.hpp"
#include "events/jetstream_event_log.hpp"
#include "observability/process_memory.hpp"
#include "soak/chaos_provider.hpp"
#include "soak/soak_load.hpp"

namespace {

using namespace agent_runtime;
using namespace agent_runtime::soak;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct soak_options {
  std::string config = AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml";
  int duration_s = 600;
  double step_s = 5;
  std::size_t clients = 4;
  std::size_t window = 32;
  std::uint32_t seed = 1;
  double memory_margin = 0.10;
  /// Reads the memory at rest after every this many rounds of faults too
  /// (0: only after the warm-up and at the end), to see whether it levels off.
  std::size_t rest_every = 0;
  /// AddressSanitizer keeps freed memory in quarantine on purpose, so the
  /// memory is reported there but not judged.
  bool check_memory = glibc_allocator;
};

double mib(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

/// Creates the events stream before the runtime does, holding at most
/// `max_bytes` and dropping the oldest beyond (as operations may, see
/// architecture.md, "Events"): the soak appends tens of thousands of events
/// a second, and a nats-server killed recovers the whole store before it
/// serves again, so an unbounded stream makes each outage longer than the
/// one before.
void create_capped_event_stream(const std::string& url, const std::string& stream,
                                std::int64_t max_bytes) {
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_ConnectTo(&connection, url.c_str());
  if (s == NATS_OK)
    s = natsConnection_JetStream(&js, connection, nullptr);
  jsErrCode code = static_cast<jsErrCode>(0);
  if (s == NATS_OK) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char* subjects[] = {event_subjects::stream_filter};
    config.Name = stream.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.MaxBytes = max_bytes;
    config.Discard = js_DiscardOld;
    jsStreamInfo* info = nullptr;
    s = js_AddStream(&info, js, &config, nullptr, &code);
    jsStreamInfo_Destroy(info);
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
  if (s != NATS_OK)
    throw std::runtime_error(fmt::format("cannot create the events stream {} at {}: {} ({})",
                                         stream, url, natsStatus_GetText(s),
                                         static_cast<int>(code)));
}

/// Polls `done` every 20 ms until it holds or `limit` passes.
bool wait_for(const std::function<bool()>& done, milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

/// The fleet under load and the faults the soak puts it through.
class soak_run {
public:
  explicit soak_run(const soak_options& options) :
    options_(options), log_(component_logger("soak")) {}

  int run() {
    start_fleet();
    point_agents_at_chaos();
    start_memory_ = memory_at_rest();
    load_ = std::make_unique<soak_load>(server_->url(), targets_, options_.clients, options_.window,
                                        options_.seed);
    load_->start();

    // Warm-up: one round of every fault, so that what each of them
    // allocates for good (actors, buffers, pools) is in the first figure.
    std::size_t step = 0;
    for (; step < fault_kinds; ++step)
      run_step(step);
    load_->pause();
    warm_memory_ = memory_at_rest();
    load_->resume();
    log_->info("[soak] warmed up rss_mib={:.1f} heap_mib={:.1f} heap_free_mib={:.1f}",
               mib(warm_memory_.resident), mib(warm_memory_.heap_in_use),
               mib(warm_memory_.heap_free));

    const auto until = std::chrono::steady_clock::now() + seconds(options_.duration_s);
    for (; std::chrono::steady_clock::now() < until; ++step) {
      run_step(step);
      if (options_.rest_every != 0 && (step + 1) % (fault_kinds * options_.rest_every) == 0) {
        load_->pause();
        memory_at_rest();
        load_->resume();
      }
      // Which fault the memory grows with, if it grows.
      const memory_figures now = read_memory();
      log_->info("[soak] step={} done rss_mib={:.1f} heap_mib={:.1f} heap_free_mib={:.1f} "
                 "events_unconfirmed={}",
                 step, mib(now.resident), mib(now.heap_in_use), mib(now.heap_free),
                 runtime_->event_counts().value_or(event_log_counts{}).unconfirmed);
    }

    return finish();
  }

private:
  void start_fleet() {
    fleet_ = load_fleet_config(options_.config);
    // Faults come back every few seconds: a restart limit of an hour would
    // take the chaos agents out of service for good after the first round.
    // A short window rather than a long one with a huge limit: each agent
    // remembers the failures within its window, and an hour of them (over
    // 100000 in a ten-minute run) is memory only the soak would make grow.
    for (auto& cluster : fleet_.clusters) {
      cluster.supervision.max_restarts = 1 << 30;
      cluster.supervision.restart_window = seconds(1);
    }
    fleet_.settings.supervision.max_restarts = 1 << 30;
    fleet_.settings.supervision.restart_window = seconds(1);
    state_dir_ =
      std::filesystem::temp_directory_path() / ("agent-runtime-soak-" + std::to_string(::getpid()));
    fleet_.settings.state_dir = state_dir_.string();
    // The soak is the operator: a token of its own, in an operators file
    // rather than the environment, which other threads may be reading.
    token_ = "soak-" + std::to_string(std::random_device{}());
    std::filesystem::create_directories(state_dir_);
    std::ofstream(state_dir_ / "operators") << "soak:" << token_ << "\n";
    fleet_.settings.operators_file = (state_dir_ / "operators").string();
    // The memory is read at rest once the runtime gave freed memory back;
    // a shorter period than the default keeps those rests short.
    fleet_.settings.memory_return = seconds(2);

    nats_server_options server_options{0, true};
    // After a SIGKILL, JetStream recovers the events stream before it
    // serves: on a loaded machine that can take longer than the default 10 s.
    server_options.start_limit = seconds(60);
    server_ = std::make_unique<nats_server_process>(server_options);
    create_capped_event_stream(server_->url(), fleet_.settings.stream, event_stream_bytes);
    chaos_ = std::make_shared<chaos_provider>("anthropic");
    auto providers = provider_registry::with_builtin_providers();
    providers->add(chaos_);
    runtime_options options{server_->url()};
    options.providers = providers;
    runtime_ = std::make_unique<fleet_runtime>(fleet_, options);
    runtime_->start();
    control_ = std::make_unique<tools::operator_link>(server_->url(), token_);
  }

  /// The first agent of each cluster talks to the chaos provider; the rest
  /// keep the mock, so each fault meets neighbours that must stay unharmed.
  void point_agents_at_chaos() {
    for (const auto& cluster : fleet_.clusters) {
      for (const auto& agent : cluster.agents) {
        targets_.push_back({agent.name, agent.id});
        if (&agent != &cluster.agents.front())
          continue;
        const json reply =
          control_->request("agent.to." + agent.name + ".from.soak.request",
                            {{"type", "ConfigureModel"},
                             {"agent_id", agent.id},
                             {"config", {{"provider", "anthropic"}, {"model_name", "chaos"}}}});
        if (reply.value("status", "") != "ok")
          throw std::runtime_error("cannot point " + agent.name +
                                   " at the chaos provider: " + reply.dump());
        chaos_agents_.push_back(agent.name);
      }
    }
  }

  /// What the events stream keeps: a few seconds of the soak's appends.
  static constexpr std::int64_t event_stream_bytes = std::int64_t{64} << 20;
  static constexpr std::size_t fault_kinds = 6;
  /// The health gate's watch after each swap: short, the step goes on.
  static constexpr milliseconds swap_soak{500};

  void run_step(std::size_t step) {
    switch (step % fault_kinds) {
      case 0:
        return provider_fault(chaos_mode::fail);
      case 1:
        return provider_fault(chaos_mode::hang);
      case 2:
        return provider_fault(chaos_mode::throw_in_handler);
      case 3:
        return cluster_outage(step);
      case 4:
        return nats_outage();
      default:
        return cluster_swap(step);
    }
  }

  void provider_fault(chaos_mode mode) {
    log_->info("[soak] provider {} for agents={}", to_string(mode), chaos_agents_.size());
    chaos_->set_mode(mode);
    pause_for(options_.step_s);
    chaos_->set_mode(chaos_mode::answer);
  }

  void cluster_outage(std::size_t step) {
    const std::string cluster = fleet_.clusters[(step / fault_kinds) % fleet_.clusters.size()].id;
    log_->info("[soak] disabling cluster={}", cluster);
    expect_ok(control_->request("agent.admin.disable", {{"cluster", cluster}, {"reason", "soak"}}),
              "disable " + cluster);
    pause_for(options_.step_s);
    expect_ok(control_->request("agent.admin.enable", {{"cluster", cluster}, {"reason", "soak"}}),
              "enable " + cluster);
  }

  /// The first visit of each pair swaps a cluster to a release of a new
  /// version, the second swaps the previous version back (`rollback`); the
  /// next cluster in turn after each pair.
  void cluster_swap(std::size_t step) {
    const std::size_t visit = step / fault_kinds;
    const std::string cluster = fleet_.clusters[(visit / 2) % fleet_.clusters.size()].id;
    const auto started = std::chrono::steady_clock::now();
    if (visit % 2 == 0)
      upgrade(cluster, fmt::format("1.{}.0", visit / 2 + 1));
    else
      roll_back(cluster);
    ++swaps_;
    const double spent =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    pause_for(std::max(0.0, options_.step_s - spent));
  }

  /// Swaps `cluster` to `version` and waits for the soak to pass. The
  /// health gate is set so that it never rolls back: the chaos agents'
  /// faults of the steps before are not the new version's, and what the
  /// soak judges is the load, not the gate (tests/integration has the gate).
  void upgrade(const std::string& cluster, const std::string& version) {
    const std::string folder =
      tools::write_release(fleet_, cluster, version, (state_dir_ / "releases" / version).string());
    log_->info("[soak] swapping cluster={} to version={}", cluster, version);
    const json body = {{"cluster", cluster},           {"release", folder},
                       {"soak_ms", swap_soak.count()}, {"max_error_rate", 1.0},
                       {"max_latency_ms", 3600000},    {"max_restarts", 1 << 30}};
    const json reply = control_->request("agent.admin.upgrade", body, seconds(60));
    expect_ok(reply, "upgrade " + cluster + " to " + version);
    log_->info("[soak] swapped cluster={} took_ms={} max_pause_ms={}", cluster,
               reply.value("took_ms", -1), reply.value("max_pause_ms", -1));
    if (!control_->wait_until_serving(cluster, seconds(30)))
      expect_ok({{"status", "error"}, {"message", "soak did not end"}}, "soak of " + cluster);
  }

  /// Swaps `cluster`'s previous version back.
  void roll_back(const std::string& cluster) {
    log_->info("[soak] rolling back cluster={}", cluster);
    const json reply =
      control_->request("agent.admin.rollback", {{"cluster", cluster}}, seconds(60));
    expect_ok(reply, "roll back " + cluster);
    log_->info("[soak] rolled back cluster={} took_ms={} max_pause_ms={}", cluster,
               reply.value("took_ms", -1), reply.value("max_pause_ms", -1));
  }

  /// NATS core keeps nothing across a crash: what is in its buffers, or
  /// written to its socket before a client notices it is gone, is lost by
  /// NATS, not by the fleet. So the clients stop and wait for every answer
  /// first, and send again once the runtime is back: what the soak counts
  /// as lost is what the runtime lost. The runtime itself meets the whole
  /// outage: its link drops, it reconnects and resubscribes.
  void nats_outage() {
    log_->info("[soak] killing nats-server");
    load_->pause();
    if (!load_->wait_idle(seconds(30)))
      log_->warn("[soak] requests still in flight as nats-server dies");
    server_->kill_now();
    wait_for([&] { return !runtime_->nats_link().connected; }, seconds(10));
    pause_for(options_.step_s / 2);
    const auto restarted = std::chrono::steady_clock::now();
    server_->restart();
    const auto restart_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - restarted)
        .count();
    const bool back = wait_for(
      [&] { return runtime_->nats_link().connected && control_->connected(); }, seconds(30));
    log_->info("[soak] nats-server restarted took_ms={} runtime_connected={}", restart_ms, back);
    if (!back)
      ++control_failures_;
    ++outages_;
    load_->resume();
    pause_for(options_.step_s / 2);
  }

  void expect_ok(const json& reply, const std::string& what) {
    if (reply.value("status", "") != "ok") {
      log_->error("[soak] {} failed: {}", what, reply.dump());
      ++control_failures_;
    }
  }

  static void pause_for(double s) {
    std::this_thread::sleep_for(milliseconds(static_cast<long>(s * 1000)));
  }

  int finish() {
    load_->stop();
    const bool idle = load_->wait_idle(seconds(30));
    const soak_tally tally = load_->tally();
    const memory_figures end_memory = memory_at_rest();
    returns_ = runtime_->memory_returns();
    link_ = runtime_->nats_link();
    runtime_->stop();
    server_->stop();
    std::filesystem::remove_all(state_dir_);

    const double growth =
      warm_memory_.resident
        ? (static_cast<double>(end_memory.resident) / static_cast<double>(warm_memory_.resident) -
           1)
        : 0;
    const bool memory_ok = !options_.check_memory || growth <= options_.memory_margin;
    const bool pass = idle && tally.in_flight == 0 && tally.duplicated == 0 &&
                      tally.mismatched == 0 && control_failures_ == 0 && memory_ok;
    report(tally, end_memory, growth, pass);
    return pass ? 0 : 1;
  }

  /// The process's memory with nothing in flight, once the runtime's
  /// memory keeper has had two looks at the allocator since: what the fleet
  /// holds, not the high of the load just before. The load must be paused
  /// or stopped.
  memory_figures memory_at_rest() {
    if (load_ && !load_->wait_idle(seconds(30)))
      log_->warn("[soak] requests still in flight as the memory is read");
    // The events of the last requests are still on their way to the stream.
    if (!wait_for(
          [&] { return runtime_->event_counts().value_or(event_log_counts{}).unconfirmed == 0; },
          seconds(30)))
      log_->warn("[soak] events still unconfirmed as the memory is read");
    // nats.c keeps a small record of each append until its ack wait has
    // passed, confirmed or not (at full load, some MiB): the rest lasts
    // that long, so that the figure does not depend on the last seconds'
    // rate. Then the keeper looks twice.
    std::this_thread::sleep_for(jetstream_options{}.ack_wait);
    const std::uint64_t passes = runtime_->memory_returns().passes;
    if (!wait_for([&] { return runtime_->memory_returns().passes >= passes + 2; },
                  fleet_.settings.memory_return * 4 + seconds(10)))
      log_->warn("[soak] the runtime's memory keeper did not run");
    const memory_figures now = read_memory();
    log_->info("[soak] at rest rss_mib={:.1f} heap_mib={:.1f} heap_free_mib={:.1f}",
               mib(now.resident), mib(now.heap_in_use), mib(now.heap_free));
    return now;
  }

  void report(const soak_tally& tally, const memory_figures& end_memory, double growth,
              bool pass) const {
    std::cout << fmt::format(
      "\nsoak: {} s after warm-up, {} clients x {} in flight, {} agents ({} on the chaos "
      "provider), {} nats-server kills, {} cluster swaps\n",
      options_.duration_s, options_.clients, options_.window, targets_.size(), chaos_agents_.size(),
      outages_, swaps_);
    std::cout << fmt::format("  {:<28} {:>10}\n", "requests sent", tally.sent);
    std::cout << fmt::format("  {:<28} {:>10}\n", "answered", tally.answered);
    std::cout << fmt::format("  {:<28} {:>10}\n", "refused with a reason", tally.refused_total());
    for (const auto& [reason, n] : tally.refused)
      std::cout << fmt::format("    {:<26} {:>10}\n", reason, n);
    std::cout << fmt::format("  {:<28} {:>10}\n", "lost", tally.in_flight);
    for (const auto& [agent, n] : tally.in_flight_by_agent)
      std::cout << fmt::format("    {:<26} {:>10}\n", agent, n);
    std::cout << fmt::format("  {:<28} {:>10}\n", "duplicated", tally.duplicated);
    std::cout << fmt::format("  {:<28} {:>10}\n", "someone else's answer", tally.mismatched);
    std::cout << fmt::format("  {:<28} {:>10}\n", "failed control requests", control_failures_);
    std::cout << fmt::format("  {:<28} {:>10}\n", "runtime reconnects", link_.reconnects);
    std::cout << fmt::format("  {:<28} {:>10}\n", "runtime slow-consumer drops",
                             link_.slow_consumer_events);
    std::cout << "  memory, MiB, at rest (nothing in flight, freed memory given back; "
              << (!glibc_allocator    ? "not glibc's allocator"
                  : allocator_tuned() ? "glibc's per-thread caches off"
                                      : "glibc's per-thread caches on")
              << "):\n";
    std::cout << fmt::format("    {:<26} {:>10.1f}  heap in use {:.1f}\n", "at start",
                             mib(start_memory_.resident), mib(start_memory_.heap_in_use));
    std::cout << fmt::format("    {:<26} {:>10.1f}  heap in use {:.1f}\n", "after warm-up",
                             mib(warm_memory_.resident), mib(warm_memory_.heap_in_use));
    std::cout << fmt::format(
      "    {:<26} {:>10.1f}  heap in use {:.1f}  ({:+.1f} % after warm-up, {})\n", "at end",
      mib(end_memory.resident), mib(end_memory.heap_in_use), growth * 100,
      options_.check_memory ? fmt::format("limit {:+.0f} %", options_.memory_margin * 100)
                            : std::string("not judged under AddressSanitizer"));
    std::cout << fmt::format("    {:<26} {:>10.1f}\n", "highest, under load",
                             mib(end_memory.resident_peak));
    std::cout << fmt::format("    {:<26} {:>10.1f}  in {} of {} looks\n", "given back",
                             mib(returns_.returned), returns_.trims, returns_.passes);
    std::cout << "verdict: " << (pass ? "pass" : "FAIL") << "\n";
  }

  soak_options options_;
  std::shared_ptr<spdlog::logger> log_;
  fleet_config fleet_;
  std::filesystem::path state_dir_;
  std::string token_;
  std::unique_ptr<nats_server_process> server_;
  std::shared_ptr<chaos_provider> chaos_;
  std::unique_ptr<fleet_runtime> runtime_;
  /// The soak's own requests: admin and set-up.
  std::unique_ptr<tools::operator_link> control_;
  std::unique_ptr<soak_load> load_;
  std::vector<soak_target> targets_;
  std::vector<std::string> chaos_agents_;
  link_status link_;
  /// Once the fleet runs, before any load; after the warm-up.
  memory_figures start_memory_;
  memory_figures warm_memory_;
  memory_keeper_counts returns_;
  std::size_t outages_ = 0;
  std::size_t swaps_ = 0;
  std::size_t control_failures_ = 0;
};

} // namespace

int main(int argc, char** argv) {
  soak_options options;
  bool quick = false;
  std::string log_level = "warn";
  CLI::App app{"soak: load every agent while faults come and go; account for every request"};
  app.add_option("--config", options.config, "clusters.yaml to run");
  app
    .add_option("--duration", options.duration_s,
                "seconds of faults under load after the warm-up (one round of each fault)")
    ->check(CLI::Range(1, 3600));
  app.add_option("--step", options.step_s, "seconds each fault lasts")
    ->check(CLI::Range(0.5, 60.0));
  app.add_option("--clients", options.clients, "client connections")->check(CLI::Range(1, 32));
  app.add_option("--window", options.window, "requests in flight per client")
    ->check(CLI::Range(1, 1024));
  app.add_option("--seed", options.seed, "seed of the request mix");
  app
    .add_option("--rest-every", options.rest_every,
                "read the memory at rest after every this many rounds of faults too")
    ->check(CLI::Range(0, 1000));
  bool thread_caches = false;
  app.add_flag("--thread-caches", thread_caches,
               "keep glibc's per-thread caches on (run.sh and the systemd unit turn them off)");
  app.add_flag("--quick", quick, "a short run for CI: 12 s after a 12 s warm-up, 2 s steps");
  app.add_option("--log-level", log_level, "the fleet's log level")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    options.duration_s = 12;
    options.step_s = 2;
  }
  // The fleet runs here as run.sh and the unit run it: glibc reads its
  // tunables only at exec, so the soak execs itself once with them.
  if (glibc_allocator && !thread_caches && !allocator_tuned()) {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs yet.
    ::setenv("GLIBC_TUNABLES", with_allocator_tunables(tunables ? tunables : "").c_str(), 1);
    ::execv("/proc/self/exe", argv);
    std::cerr << "soak: cannot exec itself with the allocator's tunables: "
              << std::generic_category().message(errno) << "\n";
    return 2;
  }
  set_log_level(log_level);
  try {
    return soak_run(options).run();
  } catch (const std::exception& e) {
    std::cerr << "soak: " << e.what() << "\n";
    return 2;
  }
}

#include "swap_rounds.hpp"

#include <algorithm>
#include <iostream>
#include <random>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/operator_link.hpp"
#include "common/release_writer.hpp"
#include "paced_load.hpp"

namespace agent_runtime::bench {
namespace {

using clock_type = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

/// Between the calm window and the upgrade request: a request of the calm
/// window is done before the swap begins.
constexpr milliseconds calm_guard{50};
/// Load after the upgrade's reply, so the swap window's last requests end
/// under the same load as they started.
constexpr milliseconds swap_tail{200};
/// How long the replies still due may take once the load stops.
constexpr milliseconds reply_grace{2000};
/// The first requests of a load meet cold connections: not in any window.
constexpr milliseconds load_warm_up{100};

double millis(clock_type::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// The times of one upgrade, as the bench saw them.
struct swap_window {
  clock_type::time_point load_started;
  clock_type::time_point asked;
  clock_type::time_point answered;
  json reply;
};

/// Fills the latency figures of `round` from what the load recorded.
void judge_windows(const swap_window& w, const load_record& record, swap_round& round) {
  const auto length = w.answered - w.asked;
  const auto calm_end = w.asked - calm_guard;
  const auto calm_start = std::max(calm_end - length, w.load_started + load_warm_up);
  round.calm_window_short = calm_end - calm_start < length;
  round.window_ms = millis(length);
  round.worst_swap_ms = record.worst_in(w.asked, w.answered) / 1000;
  round.worst_calm_ms = record.worst_in(calm_start, calm_end) / 1000;
  round.requests = record.sent.size();
  round.requests_in_swap_window = record.count_in(w.asked, w.answered);
  round.lost = record.lost();
  round.refused = record.refused;
  round.duplicated = record.duplicated;
}

/// The upgrade of `cluster` to `release`, under `load`, timed.
swap_window swap_under_load(const bench_options& options, tools::operator_link& admin,
                            paced_load& load, const std::string& release) {
  swap_window w;
  w.load_started = clock_type::now();
  load.start();
  std::this_thread::sleep_for(options.swap_lead);
  // The bench measures the latency itself: the health gate's latency limit
  // is set out of reach, so that a busy machine cannot roll the swap back.
  const json body = {{"cluster", options.swap_cluster},
                     {"release", release},
                     {"soak_ms", options.swap_soak.count()},
                     {"max_latency_ms", 60000}};
  w.asked = clock_type::now();
  w.reply = admin.admin("upgrade", body, milliseconds(60000));
  w.answered = clock_type::now();
  std::this_thread::sleep_for(swap_tail);
  return w;
}

/// One round: a release of `version`, the swap under load, the soak.
swap_round swap_round_to(const bench_options& options, const fleet_config& fleet,
                         const std::string& scratch, tools::operator_link& admin,
                         const std::string& url, const std::vector<std::string>& subjects,
                         const std::string& version) {
  const std::string release =
    tools::write_release(fleet, options.swap_cluster, version, scratch + "/release-" + version);
  paced_load load(url, subjects, std::string(options.payload_size, 'x'),
                  options.swap_load_per_second);
  const swap_window w = swap_under_load(options, admin, load, release);
  const load_record record = load.stop(reply_grace);

  swap_round round;
  judge_windows(w, record, round);
  round.took_ms = w.reply.value("took_ms", 0.0);
  round.max_pause_ms = w.reply.value("max_pause_ms", 0.0);
  const auto status = admin.wait_until_serving(options.swap_cluster, milliseconds(30000));
  const bool passed =
    status && status->value("version", "") == version &&
    status->value("last_rollout", json::object()).value("outcome", "") == "passed";
  round.swapped = w.reply.value("status", "") == "ok" && passed;
  if (!round.swapped)
    std::cerr << "bench: swap to " << version << " failed: " << w.reply.dump()
              << "; then: " << (status ? status->dump() : "still soaking") << "\n";
  return round;
}

} // namespace

std::vector<swap_round> run_swap_rounds(const bench_options& options, const fleet_config& fleet,
                                        const std::string& scratch,
                                        const std::vector<std::string>& subjects,
                                        const command_for_url& runtime_command) {
  // The admin plane takes operators only: this run's own token.
  const std::string token = "bench-" + std::to_string(std::random_device{}());
  service_under_test runtime("agent-runtime (swap)", runtime_command, scratch + "/swap-runtime.log",
                             subjects, {"AGENT_RUNTIME_ADMIN_TOKEN=" + token});
  tools::operator_link admin(runtime.url(), token);

  std::vector<swap_round> rounds;
  for (std::size_t round = 0; round < options.rounds; ++round) {
    // A new version each round: 1.1.0, 1.2.0, ...
    const std::string version = "1." + std::to_string(round + 1) + ".0";
    rounds.push_back(
      swap_round_to(options, fleet, scratch, admin, runtime.url(), subjects, version));
    std::cerr << "bench: swap " << round + 1 << " of " << options.rounds << " done\n";
  }
  return rounds;
}

} // namespace agent_runtime::bench

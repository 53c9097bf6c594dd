#include "service_under_test.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace agent_runtime::bench {
namespace {

using std::chrono::milliseconds;

/// Generous: 31 agents on a loaded 2-core machine.
constexpr milliseconds start_limit{20000};

double cpu_us_per_request(double cpu_before, double cpu_after, std::size_t requests) {
  return requests ? (cpu_after - cpu_before) * 1e6 / static_cast<double>(requests) : 0;
}

} // namespace

service_under_test::service_under_test(std::string name, const command_for_url& command,
                                       const std::string& log_file,
                                       std::vector<std::string> subjects,
                                       std::vector<std::string> environment) :
  name_(std::move(name)),
  subjects_(std::move(subjects)) {
  nats_server_options server_options;
  server_options.preferred_port = 0;
  // The runtime keeps its agents' events there.
  server_options.jetstream = true;
  server_ = std::make_unique<nats_server_process>(server_options);
  client_ = std::make_unique<bench_client>(server_->url());

  const auto started = std::chrono::steady_clock::now();
  process_ =
    std::make_unique<child_process>(command(server_->url()), log_file, std::move(environment));
  auto ready = client_->wait_until_answering(subjects_, started, start_limit,
                                             [&] { return process_->running(); });
  if (!ready)
    throw std::runtime_error(name_ + " did not answer every agent within " +
                             std::to_string(start_limit.count()) +
                             " ms or exited: " + process_->last_line());
  ready_ms_ = static_cast<double>(ready->count()) / 1000.0;
}

void service_under_test::measure_throughput(const bench_options& options,
                                            const std::string& payload, service_round& round) {
  const process_sample before = sample();
  const process_sample server_before = sample_process(server_->pid());
  const process_sample client_before = sample_process(::getpid());
  throughput_run run =
    client_->measure_throughput(subjects_, payload, options.concurrency, options.duration);
  const process_sample after = sample();
  const process_sample server_after = sample_process(server_->pid());
  const process_sample client_after = sample_process(::getpid());

  // Every request sent was answered by the end (or counted lost), so CPU
  // time is divided by what was sent.
  const std::size_t answered = run.sent - std::min(run.sent, run.lost);
  round.requests_per_second = run.per_second();
  round.cpu_us_per_request = cpu_us_per_request(before.cpu_seconds, after.cpu_seconds, answered);
  round.server_cpu_us_per_request =
    cpu_us_per_request(server_before.cpu_seconds, server_after.cpu_seconds, answered);
  round.client_cpu_us_per_request =
    cpu_us_per_request(client_before.cpu_seconds, client_after.cpu_seconds, answered);
  round.lost += run.lost;
}

} // namespace agent_runtime::bench

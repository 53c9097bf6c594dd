#include "report.hpp"

#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace agent_runtime::bench {
namespace {

double mib(std::size_t kib) {
  return static_cast<double>(kib) / 1024.0;
}

double ratio(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : 0;
}

/// "met", or by how much `value` falls short of at least `target`.
std::string at_least(double value, double target) {
  if (value >= target)
    return "met";
  return fmt::format("missed by {:.1f} %", (target - value) / target * 100);
}

/// "met", or by how much `value` exceeds at most `target`.
std::string at_most(double value, double target) {
  if (value <= target)
    return "met";
  return fmt::format("missed by {:.1f} %", (value - target) / target * 100);
}

void row(std::ostream& out, const std::string& label, double left, double right,
         const std::string& ratio_text, const std::string& target = "",
         const std::string& verdict = "") {
  out << fmt::format("{:<36}{:>14.1f}{:>16.1f}{:>9}  {:<14}{}\n", label, left, right, ratio_text,
                     target, verdict);
}

std::string times(double value) {
  return fmt::format("{:.2f}x", value);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

} // namespace

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string describe_machine() {
  return fmt::format("{} cores, {}, load average {}", std::thread::hardware_concurrency(),
                     cpu_model(), load_average());
}

void print_settings(std::ostream& out, const bench_options& options, std::size_t agents) {
  out << fmt::format("agent-runtime bench{}\n",
                     options.quick ? " --quick (harness check only)" : "");
  out << fmt::format("machine: {}\n", describe_machine());
  out << fmt::format("runtime: {} (child process, --log-level {}), {} agents, {} B payloads\n",
                     options.runtime_binary, options.log_level, agents, options.payload_size);
  out << fmt::format("rounds: {} (medians shown); latency: {} requests one at a time; "
                     "throughput: {} in flight for {} ms\n\n",
                     options.rounds, options.requests, options.concurrency,
                     options.duration.count());
}

void print_services(std::ostream& out, const bench_options& options, const service_figures& bare,
                    const service_figures& runtime) {
  const service_round& b = bare.median;
  const service_round& r = runtime.median;
  out << fmt::format("{:<36}{:>14}{:>16}{:>9}  {:<14}{}\n", "", "bare nats.c", "agent-runtime",
                     "ratio", "target", "verdict");
  const double p50 = ratio(r.p50_us, b.p50_us);
  row(out, "latency p50, 1 in flight (us)", b.p50_us, r.p50_us, times(p50), "<= 1.20x",
      at_most(p50, 1.2));
  row(out, "latency p99 (us)", b.p99_us, r.p99_us, times(ratio(r.p99_us, b.p99_us)));
  row(out, "latency p99.9 (us)", b.p999_us, r.p999_us, times(ratio(r.p999_us, b.p999_us)));
  const double rate = ratio(r.requests_per_second, b.requests_per_second);
  row(out, fmt::format("throughput, {} in flight (req/s)", options.concurrency),
      b.requests_per_second, r.requests_per_second, times(rate), ">= 0.90x", at_least(rate, 0.9));
  row(out, "CPU per request, responder (us)", b.cpu_us_per_request, r.cpu_us_per_request,
      times(ratio(r.cpu_us_per_request, b.cpu_us_per_request)));
  row(out, "CPU per request, nats-server (us)", b.server_cpu_us_per_request,
      r.server_cpu_us_per_request,
      times(ratio(r.server_cpu_us_per_request, b.server_cpu_us_per_request)));
  row(out, "CPU per request, bench client (us)", b.client_cpu_us_per_request,
      r.client_cpu_us_per_request,
      times(ratio(r.client_cpu_us_per_request, b.client_cpu_us_per_request)));
  row(out, "resident memory at start (MiB)", mib(bare.rss_kib_at_start),
      mib(runtime.rss_kib_at_start), times(ratio(runtime.rss_kib_at_start, bare.rss_kib_at_start)));
  row(out, "resident memory at end (MiB)", mib(bare.rss_kib_at_end), mib(runtime.rss_kib_at_end),
      times(ratio(runtime.rss_kib_at_end, bare.rss_kib_at_end)));
  row(out, "peak resident memory (MiB)", mib(bare.peak_rss_kib), mib(runtime.peak_rss_kib),
      times(ratio(runtime.peak_rss_kib, bare.peak_rss_kib)));
  row(out, "threads", bare.threads, runtime.threads, "");
  row(out, "lost requests (all rounds)", static_cast<double>(bare.lost),
      static_cast<double>(runtime.lost), "", "0", runtime.lost == 0 ? "met" : "missed");
  out << "\n";
}

void print_layouts(std::ostream& out, const layout_figures& one, const layout_figures& many) {
  out << fmt::format("{:<36}{:>14}{:>16}{:>9}  {:<14}{}\n", "", "1 process",
                     fmt::format("{} processes", many.processes), "ratio", "target", "verdict");
  const double memory = ratio(static_cast<double>(one.rss_kib), static_cast<double>(many.rss_kib));
  row(out, "resident memory, VmRSS sum (MiB)", mib(one.rss_kib), mib(many.rss_kib), times(memory),
      "< 0.10x", at_most(memory, 0.1));
  const double proportional =
    ratio(static_cast<double>(one.pss_kib), static_cast<double>(many.pss_kib));
  row(out, "proportional memory, Pss sum (MiB)", mib(one.pss_kib), mib(many.pss_kib),
      times(proportional), "< 0.10x", at_most(proportional, 0.1));
  const std::string ready = one.ready && many.ready ? "" : " (not all answered)";
  row(out, "start-up until all answer (ms)" + ready, one.ready_ms, many.ready_ms,
      times(ratio(one.ready_ms, many.ready_ms)), "< 300 ms", at_most(one.ready_ms, 300));
  out << "\n";
}

void print_swap(std::ostream& out, const bench_options& options, std::size_t agents,
                const swap_figures& swap) {
  const swap_round& m = swap.median;
  out << fmt::format("swap of cluster {} ({} agents) under {:.0f} req/s over every agent, "
                     "soak {} ms: {} of {} rounds swapped and passed the soak\n",
                     options.swap_cluster, agents, options.swap_load_per_second,
                     options.swap_soak.count(), swap.swapped, swap.rounds);
  const auto line = [&](const std::string& label, double value) {
    out << fmt::format("{:<36}{:>14.2f}\n", label, value);
  };
  line("time to swap, took_ms (ms)", m.took_ms);
  line("longest agent pause, max_pause (ms)", m.max_pause_ms);
  line("upgrade request to reply (ms)", m.window_ms);
  out << fmt::format("{:<36}{:>14}{:>16}{:>9}  {:<14}{}\n", "", "calm window", "swap window",
                     "added", "target", "verdict");
  out << fmt::format("{:<36}{:>14.2f}{:>16.2f}{:>+9.2f}  {:<14}{}\n",
                     "worst request latency (ms)" +
                       std::string(swap.calm_window_short ? " (calm window shorter)" : ""),
                     m.worst_calm_ms, m.worst_swap_ms, swap.added_ms, "< 5 ms added",
                     at_most(swap.added_ms, 5));
  out << fmt::format("requests: {} sent, {} in the swap windows; lost {}, refused {}, "
                     "duplicated {} (all rounds)\n\n",
                     m.requests, m.requests_in_swap_window, m.lost, m.refused, m.duplicated);
}

} // namespace agent_runtime::bench

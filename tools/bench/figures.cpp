#include "figures.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace agent_runtime::bench {
namespace {

template <class Round, class Field>
double median_of(const std::vector<Round>& rounds, Field field) {
  std::vector<double> values;
  values.reserve(rounds.size());
  for (const Round& round : rounds)
    values.push_back(static_cast<double>(std::invoke(field, round)));
  return median(std::move(values));
}

} // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const auto index = static_cast<std::size_t>(std::max(1.0, rank)) - 1;
  return values[std::min(index, values.size() - 1)];
}

double median(std::vector<double> values) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

service_figures summarize(const std::vector<service_round>& rounds) {
  service_figures figures;
  figures.rounds = rounds.size();
  service_round& m = figures.median;
  m.p50_us = median_of(rounds, &service_round::p50_us);
  m.p99_us = median_of(rounds, &service_round::p99_us);
  m.p999_us = median_of(rounds, &service_round::p999_us);
  m.requests_per_second = median_of(rounds, &service_round::requests_per_second);
  m.cpu_us_per_request = median_of(rounds, &service_round::cpu_us_per_request);
  m.server_cpu_us_per_request = median_of(rounds, &service_round::server_cpu_us_per_request);
  m.client_cpu_us_per_request = median_of(rounds, &service_round::client_cpu_us_per_request);
  for (const service_round& round : rounds)
    figures.lost += round.lost;
  return figures;
}

swap_figures summarize(const std::vector<swap_round>& rounds) {
  swap_figures figures;
  figures.rounds = rounds.size();
  swap_round& m = figures.median;
  m.took_ms = median_of(rounds, &swap_round::took_ms);
  m.max_pause_ms = median_of(rounds, &swap_round::max_pause_ms);
  m.window_ms = median_of(rounds, &swap_round::window_ms);
  m.worst_swap_ms = median_of(rounds, &swap_round::worst_swap_ms);
  m.worst_calm_ms = median_of(rounds, &swap_round::worst_calm_ms);
  figures.added_ms =
    median_of(rounds, [](const swap_round& r) { return r.worst_swap_ms - r.worst_calm_ms; });
  for (const swap_round& round : rounds) {
    figures.swapped += round.swapped ? 1 : 0;
    figures.calm_window_short = figures.calm_window_short || round.calm_window_short;
    m.requests += round.requests;
    m.requests_in_swap_window += round.requests_in_swap_window;
    m.lost += round.lost;
    m.refused += round.refused;
    m.duplicated += round.duplicated;
  }
  return figures;
}

layout_figures summarize(const std::vector<layout_figures>& rounds) {
  layout_figures figures;
  if (rounds.empty())
    return figures;
  figures.processes = rounds.front().processes;
  figures.ready = std::all_of(rounds.begin(), rounds.end(), [](auto& r) { return r.ready; });
  figures.ready_ms = median_of(rounds, &layout_figures::ready_ms);
  figures.rss_kib = static_cast<std::size_t>(median_of(rounds, &layout_figures::rss_kib));
  figures.pss_kib = static_cast<std::size_t>(median_of(rounds, &layout_figures::pss_kib));
  return figures;
}

} // namespace agent_runtime::bench

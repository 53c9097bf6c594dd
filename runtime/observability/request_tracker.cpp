#include "observability/request_tracker.hpp"

#include <functional>

#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "config/json_fields.hpp"

namespace agent_runtime {
namespace {

/// Replies waited for per shard before new requests go untimed: far above
/// what `max_in_flight` lets the fleet hold, so reached only if replies are
/// lost, and then memory stays bounded.
constexpr std::size_t shard_limit = 16384;

/// Room kept below the server's max_payload for the headers that go with a
/// conversation's reply.
constexpr std::size_t header_room = 1024;

std::size_t kind_index(subject_kind kind) {
  return static_cast<std::size_t>(kind);
}

const char* refusal_text(dispatch_result why) {
  switch (why) {
    case dispatch_result::busy:
      return "busy";
    case dispatch_result::disabled:
      return "cluster disabled";
    case dispatch_result::no_actor:
      return "agent not running";
    case dispatch_result::accepted:
      break;
  }
  return "";
}

} // namespace

std::optional<std::string> reply_error(const std::string& payload) {
  // Most replies are fine: only those that may be errors get parsed.
  if (payload.find("\"error\"") == std::string::npos)
    return std::nullopt;
  auto reply = nlohmann::json::parse(payload, nullptr, false);
  if (!reply.is_object() || reply.value("status", "") != "error")
    return std::nullopt;
  auto message = reply.find("message");
  return message != reply.end() && message->is_string() ? message->get<std::string>()
                                                        : std::string("error");
}

request_tracker::request_tracker(message_dispatcher& next, reply_sink& replies,
                                 const std::vector<subject_route>& routes) :
  next_(next),
  replies_(replies) {
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const subject_route& route = routes[i];
    endpoints_.push_back(std::make_unique<endpoint_state>());
    slot_of_endpoint_.push_back(route.slot);
    index_[route.slot][kind_index(route.kind)] = i;
    if (latencies_.size() <= route.slot)
      latencies_.resize(route.slot + 1);
    if (!latencies_[route.slot])
      latencies_[route.slot] = std::make_unique<latency_state>();
  }
}

std::size_t request_tracker::endpoint_index(const subject_route& route) const {
  return index_.at(route.slot)[kind_index(route.kind)];
}

request_tracker::shard& request_tracker::shard_of(const std::string& reply) {
  return shards_[std::hash<std::string>{}(reply) % shards_.size()];
}

dispatch_result request_tracker::dispatch(const subject_route& route, inbound_message& message) {
  const std::size_t endpoint = endpoint_index(route);
  const auto arrived = std::chrono::steady_clock::now();
  endpoints_[endpoint]->requests.fetch_add(1, std::memory_order_relaxed);

  // Noted before the hand-over: the agent may reply before dispatch returns.
  const std::string reply = message.reply;
  bool waiting_for_reply = false;
  if (!reply.empty()) {
    shard& s = shard_of(reply);
    std::lock_guard<std::mutex> guard(s.mutex);
    if (s.size < shard_limit) {
      s.by_reply[reply].push_back({endpoint, arrived});
      ++s.size;
      waiting_for_reply = true;
    }
  }
  if (!reply.empty() && !waiting_for_reply) {
    const std::uint64_t untimed = untimed_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (untimed % 10000 == 1)
      component_logger("runtime")->warn(
        "[metrics] too many replies outstanding: request not timed agent={} untimed_total={}",
        route.agent, untimed);
  }

  const dispatch_result result = next_.dispatch(route, message);
  if (result == dispatch_result::accepted)
    return result;

  if (waiting_for_reply) {
    shard& s = shard_of(reply);
    std::lock_guard<std::mutex> guard(s.mutex);
    auto it = s.by_reply.find(reply);
    if (it != s.by_reply.end() && !it->second.empty()) {
      it->second.pop_back();
      --s.size;
      if (it->second.empty())
        s.by_reply.erase(it);
    }
  }
  if (result == dispatch_result::busy)
    endpoints_[endpoint]->busy.fetch_add(1, std::memory_order_relaxed);
  const std::string why = refusal_text(result);
  finish(endpoint, std::chrono::steady_clock::now() - arrived, &why);
  return result;
}

bool request_tracker::publish(const std::string& subject, const std::string& payload) {
  // A reply larger than the NATS server takes would be dropped by it, and
  // the client would wait for nothing: it gets an error that says so.
  const std::size_t limit = replies_.max_payload();
  if (limit > header_room && payload.size() > limit - header_room) {
    component_logger("nats")->warn(
      "[nats] reply too large subject={} bytes={} max_payload={}: an error reply sent instead",
      subject, payload.size(), limit);
    return publish(subject,
                   json_text({{"status", "error"},
                              {"message", "the reply is " + std::to_string(payload.size()) +
                                            " bytes, more than the NATS server's max_payload of " +
                                            std::to_string(limit) + " bytes allows"}}));
  }
  std::optional<waiting> answered;
  {
    shard& s = shard_of(subject);
    std::lock_guard<std::mutex> guard(s.mutex);
    auto it = s.by_reply.find(subject);
    if (it != s.by_reply.end()) {
      answered = it->second.front();
      it->second.erase(it->second.begin());
      --s.size;
      if (it->second.empty())
        s.by_reply.erase(it);
    }
  }
  if (answered) {
    const auto error = reply_error(payload);
    finish(answered->endpoint, std::chrono::steady_clock::now() - answered->arrived,
           error ? &*error : nullptr);
  }
  return replies_.publish(subject, payload);
}

void request_tracker::finish(std::size_t endpoint, std::chrono::nanoseconds took,
                             const std::string* error) {
  endpoint_state& e = *endpoints_[endpoint];
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(took.count(), 0));
  e.processing_ns.fetch_add(ns, std::memory_order_relaxed);
  if (error) {
    e.errors.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> guard(e.last_error_mutex);
    e.last_error = *error;
  }

  latency_state& l = *latencies_[slot_of_endpoint_[endpoint]];
  const double seconds = static_cast<double>(ns) / 1e9;
  std::size_t bucket = 0;
  while (bucket < latency_buckets_s.size() && seconds > latency_buckets_s[bucket])
    ++bucket;
  l.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  l.sum_ns.fetch_add(ns, std::memory_order_relaxed);
  l.count.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t request_tracker::busy_count(const subject_route& route) const {
  return next_.busy_count(route);
}

std::size_t request_tracker::in_flight_limit(const subject_route& route) const {
  return next_.in_flight_limit(route);
}

std::string request_tracker::cluster_of(const subject_route& route) const {
  return next_.cluster_of(route);
}

endpoint_counts request_tracker::endpoint(std::size_t index) const {
  const endpoint_state& e = *endpoints_.at(index);
  endpoint_counts counts;
  counts.requests = e.requests.load(std::memory_order_relaxed);
  counts.errors = e.errors.load(std::memory_order_relaxed);
  counts.busy = e.busy.load(std::memory_order_relaxed);
  counts.processing_ns = e.processing_ns.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> guard(e.last_error_mutex);
  counts.last_error = e.last_error;
  return counts;
}

latency_counts request_tracker::latency(std::size_t slot) const {
  latency_counts counts;
  if (slot >= latencies_.size() || !latencies_[slot])
    return counts;
  const latency_state& l = *latencies_[slot];
  for (std::size_t i = 0; i < counts.buckets.size(); ++i)
    counts.buckets[i] = l.buckets[i].load(std::memory_order_relaxed);
  counts.count = l.count.load(std::memory_order_relaxed);
  counts.sum_s = static_cast<double>(l.sum_ns.load(std::memory_order_relaxed)) / 1e9;
  return counts;
}

std::size_t request_tracker::pending() const {
  std::size_t total = 0;
  for (const shard& s : shards_) {
    std::lock_guard<std::mutex> guard(s.mutex);
    total += s.size;
  }
  return total;
}

} // namespace agent_runtime

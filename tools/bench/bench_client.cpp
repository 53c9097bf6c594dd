#include "bench_client.hpp"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <nats/nats.h>

namespace agent_runtime::bench {
namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// How long one request may take before it counts as lost.
constexpr int reply_limit_ms = 2000;

void check(natsStatus status, const std::string& what) {
  if (status != NATS_OK)
    throw std::runtime_error(what + ": " + natsStatus_GetText(status));
}

natsConnection* connect(const std::string& url, const char* name, bool send_asap) {
  natsOptions* opts = nullptr;
  check(natsOptions_Create(&opts), "nats options");
  std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)> guard(opts, natsOptions_Destroy);
  check(natsOptions_SetURL(opts, url.c_str()), "NATS URL " + url);
  check(natsOptions_SetName(opts, name), "connection name");
  check(natsOptions_SetSendAsap(opts, send_asap), "send-asap");
  natsConnection* connection = nullptr;
  check(natsConnection_Connect(&connection, opts), "connect to " + url);
  return connection;
}

double micros_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - start).count();
}

/// The reply side of a throughput run: counts replies and wakes the
/// publisher when the window has room again.
struct reply_window {
  explicit reply_window(std::size_t size) : size(size) {}

  const std::size_t size;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> answered{0};
  std::atomic<std::size_t> refused{0};
  std::mutex mutex;
  std::condition_variable room;

  static void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<reply_window*>(closure);
    const bool no_responders = natsMsg_IsNoResponders(msg);
    natsMsg_Destroy(msg);
    ++(no_responders ? self->refused : self->answered);
    // Only the publisher adds, so the window was full exactly when this
    // reply took it from `size` to `size - 1`.
    if (self->in_flight.fetch_sub(1) == self->size) {
      std::lock_guard<std::mutex> guard(self->mutex);
      self->room.notify_one();
    }
  }

  /// False when no reply came for `limit` while the window was full.
  bool wait_for_room(milliseconds limit) {
    if (in_flight.load() < size)
      return true;
    std::unique_lock<std::mutex> lock(mutex);
    return room.wait_for(lock, limit, [&] { return in_flight.load() < size; });
  }

  /// Waits up to `limit` for the requests still in flight.
  void wait_until_empty(milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    while (in_flight.load() > 0 && clock_type::now() < deadline)
      std::this_thread::sleep_for(milliseconds(1));
  }
};

} // namespace

bench_client::bench_client(const std::string& url) {
  latency_ = connect(url, "bench-latency", true);
  // Batched writes let the client keep up with the window on a busy machine.
  bulk_ = connect(url, "bench-throughput", false);
  natsInbox* inbox = nullptr;
  check(natsInbox_Create(&inbox), "inbox");
  latency_prefix_ = inbox;
  natsInbox_Destroy(inbox);
  check(natsConnection_SubscribeSync(&latency_replies_, latency_, (latency_prefix_ + ".*").c_str()),
        "subscribe to replies");
}

bench_client::~bench_client() {
  natsSubscription_Destroy(latency_replies_);
  for (natsConnection* connection : {latency_, bulk_}) {
    natsConnection_Close(connection);
    natsConnection_Destroy(connection);
  }
}

bool bench_client::answers(const std::string& subject) {
  natsMsg* reply = nullptr;
  // An agent not subscribed yet answers at once, with "no responders".
  natsStatus status = natsConnection_Request(&reply, latency_, subject.c_str(), "ping", 4, 200);
  const bool answered = status == NATS_OK && natsMsg_GetDataLength(reply) > 0;
  natsMsg_Destroy(reply);
  return answered;
}

std::vector<std::size_t> bench_client::ping_each(const std::vector<std::string>& subjects,
                                                 const std::vector<std::size_t>& which) {
  for (std::size_t index : which) {
    const std::string reply = latency_prefix_ + ".r" + std::to_string(index);
    natsConnection_PublishRequestString(latency_, subjects[index].c_str(), reply.c_str(), "ping");
  }
  // One reply per request: the answer or "no responders".
  std::vector<bool> answered(subjects.size(), false);
  for (std::size_t replies = 0; replies < which.size(); ++replies) {
    natsMsg* reply = nullptr;
    if (natsSubscription_NextMsg(&reply, latency_replies_, 200) != NATS_OK)
      break;
    const std::string subject = natsMsg_GetSubject(reply);
    const auto mark = subject.rfind(".r");
    if (mark != std::string::npos && !natsMsg_IsNoResponders(reply))
      answered[std::stoul(subject.substr(mark + 2)) % subjects.size()] = true;
    natsMsg_Destroy(reply);
  }
  std::vector<std::size_t> silent;
  for (std::size_t index : which) {
    if (!answered[index])
      silent.push_back(index);
  }
  return silent;
}

std::optional<std::chrono::microseconds>
bench_client::wait_until_answering(const std::vector<std::string>& subjects,
                                   clock_type::time_point since, milliseconds limit,
                                   const std::function<bool()>& still_starting) {
  std::vector<std::size_t> pending(subjects.size());
  for (std::size_t i = 0; i < pending.size(); ++i)
    pending[i] = i;
  auto last_answer = since;
  while (!pending.empty() && clock_type::now() < since + limit && still_starting()) {
    // Waiting costs one ping a millisecond, at the first agent still silent,
    // so that polling does not slow down the start it measures.
    if (!answers(subjects[pending.front()])) {
      std::this_thread::sleep_for(milliseconds(1));
      continue;
    }
    // Once it answers, ask every other silent agent at once.
    pending.erase(pending.begin());
    last_answer = clock_type::now();
    const std::size_t before = pending.size();
    pending = ping_each(subjects, pending);
    if (pending.size() < before)
      last_answer = clock_type::now();
  }
  if (!pending.empty())
    return std::nullopt;
  return std::chrono::duration_cast<std::chrono::microseconds>(last_answer - since);
}

std::optional<double> bench_client::time_request(const std::string& subject,
                                                 const std::string& payload) {
  const std::string reply_subject = latency_prefix_ + "." + std::to_string(++sequence_);
  const auto start = clock_type::now();
  if (natsConnection_PublishRequest(latency_, subject.c_str(), reply_subject.c_str(),
                                    payload.data(), static_cast<int>(payload.size())) != NATS_OK)
    return std::nullopt;

  // A late reply to an earlier, lost request may still arrive: skip it.
  for (int stale = 0; stale < 1000; ++stale) {
    natsMsg* reply = nullptr;
    if (natsSubscription_NextMsg(&reply, latency_replies_, reply_limit_ms) != NATS_OK)
      return std::nullopt;
    const bool ours = reply_subject == natsMsg_GetSubject(reply);
    const bool answered = ours && !natsMsg_IsNoResponders(reply);
    natsMsg_Destroy(reply);
    if (answered)
      return micros_since(start);
    if (ours)
      return std::nullopt;
  }
  return std::nullopt;
}

throughput_run bench_client::measure_throughput(const std::vector<std::string>& subjects,
                                                const std::string& payload, std::size_t window,
                                                milliseconds duration) {
  // Each run has its own reply subjects: stragglers of an earlier run
  // cannot count in this one.
  const std::string prefix = "bench.reply." + std::to_string(++runs_);
  std::vector<std::string> replies;
  for (std::size_t i = 0; i < subjects.size(); ++i)
    replies.push_back(prefix + "." + std::to_string(i));
  auto owned = std::make_unique<reply_window>(window);
  reply_window& replies_seen = *owned;
  natsSubscription* sub = nullptr;
  check(natsConnection_Subscribe(&sub, bulk_, (prefix + ".*").c_str(), &reply_window::on_reply,
                                 owned.get()),
        "subscribe to replies");
  check(natsSubscription_SetPendingLimits(sub, -1, -1), "reply pending limits");
  check(natsConnection_FlushTimeout(bulk_, reply_limit_ms), "flush");

  throughput_run run;
  const auto start = clock_type::now();
  const auto deadline = start + duration;
  while (clock_type::now() < deadline && replies_seen.wait_for_room(milliseconds(reply_limit_ms))) {
    const std::size_t target = run.sent % subjects.size();
    ++replies_seen.in_flight;
    if (natsConnection_PublishRequest(bulk_, subjects[target].c_str(), replies[target].c_str(),
                                      payload.data(),
                                      static_cast<int>(payload.size())) != NATS_OK) {
      --replies_seen.in_flight;
      break;
    }
    ++run.sent;
  }
  run.answered_in_time = replies_seen.answered.load();
  run.seconds = std::chrono::duration<double>(clock_type::now() - start).count();

  natsConnection_FlushTimeout(bulk_, reply_limit_ms);
  replies_seen.wait_until_empty(milliseconds(reply_limit_ms));
  run.lost = replies_seen.in_flight.load() + replies_seen.refused.load();
  // Once drained, no callback runs any more and the window may go; if the
  // drain does not complete, a late callback may still need it.
  if (natsSubscription_Drain(sub) != NATS_OK ||
      natsSubscription_WaitForDrainCompletion(sub, reply_limit_ms) != NATS_OK)
    static_cast<void>(owned.release()); // left to the late callback, on purpose
  natsSubscription_Destroy(sub);
  return run;
}

} // namespace agent_runtime::bench

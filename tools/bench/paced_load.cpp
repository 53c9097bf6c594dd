#include "paced_load.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

namespace agent_runtime::bench {
namespace {

using clock_type = std::chrono::steady_clock;

void check(natsStatus status, const std::string& what) {
  if (status != NATS_OK)
    throw std::runtime_error(what + ": " + natsStatus_GetText(status));
}

/// A connection that writes each request at once, so that the round trips
/// measured are not the flusher's batching.
natsConnection* connect(const std::string& url) {
  natsOptions* opts = nullptr;
  check(natsOptions_Create(&opts), "nats options");
  std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)> guard(opts, natsOptions_Destroy);
  check(natsOptions_SetURL(opts, url.c_str()), "NATS URL " + url);
  check(natsOptions_SetName(opts, "bench-paced-load"), "connection name");
  check(natsOptions_SetSendAsap(opts, true), "send-asap");
  natsConnection* connection = nullptr;
  check(natsConnection_Connect(&connection, opts), "connect to " + url);
  return connection;
}

bool says_error(const char* data, int length) {
  const auto reply = nlohmann::json::parse(data, data + length, nullptr, false);
  return reply.is_object() && reply.value("status", "") == "error";
}

bool overlaps(load_record::time_point start, double latency_us, load_record::time_point from,
              load_record::time_point to) {
  const auto end = start + std::chrono::microseconds(static_cast<long>(latency_us));
  return start <= to && end >= from;
}

} // namespace

/// What the sender and the reply callback share.
struct paced_load::shared {
  std::string reply_prefix;
  natsSubscription* replies = nullptr;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> outstanding{0};
  std::mutex mutex;
  load_record record;

  static void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<shared*>(closure);
    const auto now = clock_type::now();
    const std::string subject = natsMsg_GetSubject(msg);
    const std::size_t seq = std::stoul(subject.substr(self->reply_prefix.size() + 1));
    const bool nobody = natsMsg_IsNoResponders(msg);
    const bool error = !nobody && says_error(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
    std::lock_guard<std::mutex> guard(self->mutex);
    self->settle(seq, now, nobody, error);
  }

  /// Books the reply to request `seq`, arrived at `now`.
  void settle(std::size_t seq, clock_type::time_point now, bool nobody, bool error) {
    if (seq >= record.sent.size() || record.latency_us[seq] || settled_without_reply(seq)) {
      ++record.duplicated;
      return;
    }
    --outstanding;
    if (nobody) {
      ++record.no_responders;
      no_reply_.push_back(seq);
      return;
    }
    record.refused += error ? 1 : 0;
    record.latency_us[seq] =
      std::chrono::duration<double, std::micro>(now - record.sent[seq]).count();
  }

private:
  bool settled_without_reply(std::size_t seq) const {
    return std::find(no_reply_.begin(), no_reply_.end(), seq) != no_reply_.end();
  }

  /// Requests answered "no responders": rare, so a list is enough.
  std::vector<std::size_t> no_reply_;
};

std::size_t load_record::lost() const {
  return static_cast<std::size_t>(std::count(latency_us.begin(), latency_us.end(), std::nullopt));
}

double load_record::worst_in(time_point from, time_point to) const {
  double worst = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (latency_us[i] && overlaps(sent[i], *latency_us[i], from, to))
      worst = std::max(worst, *latency_us[i]);
  }
  return worst;
}

std::size_t load_record::count_in(time_point from, time_point to) const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < sent.size(); ++i)
    n += overlaps(sent[i], latency_us[i].value_or(0), from, to) ? 1 : 0;
  return n;
}

paced_load::paced_load(const std::string& url, std::vector<std::string> subjects,
                       std::string payload, double per_second) :
  subjects_(std::move(subjects)),
  payload_(std::move(payload)), interval_(static_cast<long>(1e9 / per_second)),
  shared_(std::make_unique<shared>()) {
  connection_ = connect(url);
  natsInbox* inbox = nullptr;
  check(natsInbox_Create(&inbox), "inbox");
  shared_->reply_prefix = inbox;
  natsInbox_Destroy(inbox);
  check(natsConnection_Subscribe(&shared_->replies, connection_,
                                 (shared_->reply_prefix + ".*").c_str(), &shared::on_reply,
                                 shared_.get()),
        "subscribe to replies");
  check(natsSubscription_SetPendingLimits(shared_->replies, -1, -1), "reply pending limits");
  check(natsConnection_Flush(connection_), "flush");
}

paced_load::~paced_load() {
  shared_->stopping = true;
  if (sender_.joinable())
    sender_.join();
  // Once drained, no callback runs any more and `shared_` may go; if the
  // drain does not complete, a late callback may still need it.
  natsSubscription* replies = shared_->replies;
  if (natsSubscription_Drain(replies) != NATS_OK ||
      natsSubscription_WaitForDrainCompletion(replies, 2000) != NATS_OK)
    (void)shared_.release();
  natsSubscription_Destroy(replies);
  natsConnection_Close(connection_);
  natsConnection_Destroy(connection_);
}

void paced_load::start() {
  sender_ = std::thread([this] { send_until_stopped(); });
}

void paced_load::send_until_stopped() {
  const auto start = clock_type::now();
  for (std::size_t seq = 0; !shared_->stopping; ++seq) {
    // Behind schedule (a stalled machine), it catches up at once: the
    // load stays the same on average, as a real client's would.
    std::this_thread::sleep_until(start + interval_ * seq);
    {
      std::lock_guard<std::mutex> guard(shared_->mutex);
      shared_->record.sent.push_back(clock_type::now());
      shared_->record.latency_us.emplace_back();
    }
    ++shared_->outstanding;
    const std::string reply = shared_->reply_prefix + "." + std::to_string(seq);
    natsConnection_PublishRequest(connection_, subjects_[seq % subjects_.size()].c_str(),
                                  reply.c_str(), payload_.data(),
                                  static_cast<int>(payload_.size()));
  }
}

load_record paced_load::stop(std::chrono::milliseconds grace) {
  shared_->stopping = true;
  if (sender_.joinable())
    sender_.join();
  natsConnection_FlushTimeout(connection_, static_cast<std::int64_t>(grace.count()));
  const auto deadline = clock_type::now() + grace;
  while (shared_->outstanding.load() > 0 && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::lock_guard<std::mutex> guard(shared_->mutex);
  return shared_->record;
}

} // namespace agent_runtime::bench

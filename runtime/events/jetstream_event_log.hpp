#pragma once
// The event log on JetStream (nats.c): opens or creates the stream, appends
// asynchronously with a bounded number of unconfirmed appends (each retried
// a few times, deduplicated by the server), and reads an agent's records
// back with a short-lived consumer.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include <spdlog/logger.h>

#include "events/event_log.hpp"

struct __natsConnection;
struct __jsCtx;
struct __natsMsg;
struct jsPubAck;
struct jsPubAckErr;

namespace agent_runtime {

/// The event stream cannot be used; the message says why and what to do.
class event_log_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// How to use JetStream.
struct jetstream_options {
  /// The stream to use, created when missing (`settings.stream`).
  std::string stream = "AGENT_EVENTS";
  /// Appends not yet confirmed by the server; one more waits up to
  /// `stall_wait` for room, then fails.
  std::int64_t max_pending = 4096;
  std::chrono::milliseconds stall_wait{500};
  /// How long an append waits for its confirmation before it is retried.
  std::chrono::milliseconds ack_wait{5000};
  /// Tries per record before it is given up (logged and counted).
  int max_attempts = 3;
};

/// What the log has done since it opened.
struct event_log_counts {
  std::uint64_t appended = 0;
  std::uint64_t confirmed = 0;
  std::uint64_t retried = 0;
  /// Records given up: the store never confirmed them.
  std::uint64_t lost = 0;
  /// Appended and waiting for the store's confirmation now.
  std::uint64_t unconfirmed = 0;
};

/// The event log on a JetStream stream, over a connection it does not own.
class jetstream_event_log : public event_log {
public:
  /// Opens the stream on `connection`: uses `options.stream` when it takes
  /// `agent.events.>`; creates it when missing; uses the stream that already
  /// takes all of `agent.events.>` under another name, and says so. Throws
  /// `event_log_error` when JetStream is off, or a stream takes only part
  /// of those subjects, or the configured one exists without them.
  jetstream_event_log(__natsConnection* connection, jetstream_options options);
  ~jetstream_event_log() override;

  jetstream_event_log(const jetstream_event_log&) = delete;
  jetstream_event_log& operator=(const jetstream_event_log&) = delete;

  void append(const std::string& subject, const std::string& payload,
              const std::string& dedupe_id) override;
  void announce(const std::string& subject, const std::string& payload) override;
  std::optional<stored_record> last(const std::string& subject) override;
  std::vector<stored_record> read(const std::string& filter, std::uint64_t after) override;

  /// Waits until the server confirmed every append; what is still
  /// unconfirmed after `limit` is given up (logged and counted). False then.
  bool flush(std::chrono::milliseconds limit);

  /// The name of the stream in use.
  const std::string& stream() const {
    return stream_;
  }

  /// Records in the stream when it was opened.
  std::uint64_t records_at_open() const {
    return records_at_open_;
  }

  event_log_counts counts() const;

private:
  void open_stream();
  void create_stream();
  void use_covering_stream();
  static void on_ack(__jsCtx* js, __natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure);
  void retry_or_give_up(__jsCtx* js, __natsMsg*& msg, const std::string& why);

  jetstream_options options_;
  __natsConnection* connection_ = nullptr;
  __jsCtx* js_ = nullptr;
  std::string stream_;
  std::uint64_t records_at_open_ = 0;
  /// While true, nothing was ever in the stream: reads need no round trip.
  std::atomic<bool> empty_{false};
  std::shared_ptr<spdlog::logger> log_;
  std::mutex retries_mutex_;
  /// Attempts so far, by dedupe id, of records that failed at least once.
  std::unordered_map<std::string, int> retries_;
  std::atomic<std::uint64_t> appended_{0};
  std::atomic<std::uint64_t> confirmed_{0};
  std::atomic<std::uint64_t> retried_{0};
  std::atomic<std::uint64_t> lost_{0};
  /// Of the lost, those that had been appended (given up waiting).
  std::atomic<std::uint64_t> abandoned_{0};
};

} // namespace agent_runtime

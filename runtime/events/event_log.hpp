#pragma once
// The seam between agents and the store of their events: JetStream in the
// runtime (`jetstream_event_log`), memory in unit tests.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agent_runtime {

/// One record of the log: where it was published, what, and its place in
/// the log (JetStream's stream sequence).
struct stored_record {
  std::string subject;
  std::string payload;
  std::uint64_t position = 0;
};

/// An append-only log of records by subject.
class event_log {
public:
  virtual ~event_log() = default;

  /// Appends `payload` on `subject` without waiting for the store to
  /// confirm it. Appending again with the same `dedupe_id` stores nothing
  /// new. Safe from any thread. A record the store refuses for good is
  /// logged and counted, never thrown.
  virtual void append(const std::string& subject, const std::string& payload,
                      const std::string& dedupe_id) = 0;

  /// Publishes `payload` on `subject` outside the log, fire and forget (the
  /// unified event subjects). Safe from any thread.
  virtual void announce(const std::string& subject, const std::string& payload) = 0;

  /// The last record on a subject matching `subject` (wildcards allowed),
  /// if any. Throws
  /// std::runtime_error when the store cannot be read.
  virtual std::optional<stored_record> last(const std::string& subject) = 0;

  /// Every record on a subject matching `filter` whose position is above
  /// `after`, in log order. Throws std::runtime_error when the store cannot
  /// be read.
  virtual std::vector<stored_record> read(const std::string& filter, std::uint64_t after) = 0;
};

} // namespace agent_runtime

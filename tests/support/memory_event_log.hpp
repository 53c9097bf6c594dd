#pragma once
// The event log in memory, for unit tests: records in order, positions from
// 1, the server's deduplication by id, and a switch to make reads fail.

#include <mutex>
#include <set>
#include <stdexcept>

#include "events/event_envelope.hpp"
#include "events/event_log.hpp"

namespace agent_runtime::testing {

class memory_event_log : public event_log {
public:
  void append(const std::string& subject, const std::string& payload,
              const std::string& dedupe_id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ids_.insert(dedupe_id).second)
      return;
    records_.push_back({subject, payload, records_.size() + 1});
  }

  void announce(const std::string& subject, const std::string& payload) override {
    std::lock_guard<std::mutex> lock(mutex_);
    announced_.push_back({subject, payload, 0});
  }

  std::optional<stored_record> last(const std::string& subject) override {
    std::lock_guard<std::mutex> lock(mutex_);
    check_readable();
    for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
      if (event_subjects::covers(subject, it->subject))
        return *it;
    }
    return std::nullopt;
  }

  std::vector<stored_record> read(const std::string& filter, std::uint64_t after) override {
    std::lock_guard<std::mutex> lock(mutex_);
    check_readable();
    ++read_calls_;
    std::vector<stored_record> out;
    for (const stored_record& record : records_) {
      if (record.position > after && event_subjects::covers(filter, record.subject))
        out.push_back(record);
    }
    return out;
  }

  /// Puts a record in as another writer would (no deduplication).
  void inject(const std::string& subject, const std::string& payload) {
    std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back({subject, payload, records_.size() + 1});
  }

  std::vector<stored_record> records() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }

  std::vector<stored_record> announced() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return announced_;
  }

  /// Calls of `read` so far.
  std::size_t read_calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return read_calls_;
  }

  void fail_reads(bool fail) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_reads_ = fail;
  }

private:
  void check_readable() const {
    if (fail_reads_)
      throw std::runtime_error("store unreachable");
  }

  mutable std::mutex mutex_;
  std::vector<stored_record> records_;
  std::vector<stored_record> announced_;
  std::set<std::string> ids_;
  std::size_t read_calls_ = 0;
  bool fail_reads_ = false;
};

} // namespace agent_runtime::testing

#pragma once
// Fakes of the routing seams for unit tests and fuzz targets: a dispatcher
// that takes or refuses as told, and a NATS side that remembers what was
// published, with headers or without.

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "routing/conversation_relay.hpp"
#include "routing/subject_route.hpp"

namespace agent_runtime::testing {

/// Takes or refuses messages as told, and remembers the accepted ones.
struct fake_dispatcher : message_dispatcher {
  dispatch_result next = dispatch_result::accepted;
  std::vector<inbound_message> accepted;
  std::uint64_t busy = 0;
  std::size_t limit = 1;
  std::string cluster = "c";

  dispatch_result dispatch(const subject_route&, inbound_message& message) override {
    if (next == dispatch_result::accepted)
      accepted.push_back(std::move(message));
    return next;
  }
  std::uint64_t busy_count(const subject_route&) const override {
    return busy;
  }
  std::size_t in_flight_limit(const subject_route&) const override {
    return limit;
  }
  std::string cluster_of(const subject_route&) const override {
    return cluster;
  }
};

/// One message published through a fake.
struct sent_message {
  std::string subject;
  message_headers headers;
  std::string payload;
};

/// Remembers everything published, with headers or without.
struct fake_nats : reply_sink, header_sink {
  std::vector<sent_message> sent;
  /// What a server would take at most.
  std::size_t limit = std::numeric_limits<std::size_t>::max();

  std::size_t max_payload() const override {
    return limit;
  }

  bool publish(const std::string& subject, const std::string& payload) override {
    sent.push_back({subject, {}, payload});
    return true;
  }
  bool publish_with_headers(const std::string& subject, const message_headers& headers,
                            const std::string& payload) override {
    sent.push_back({subject, headers, payload});
    return true;
  }
};

} // namespace agent_runtime::testing

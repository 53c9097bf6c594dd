#pragma once
// NATS service discovery as the NATS services ("micro") convention defines
// it: the runtime is one service whose endpoints are the agents' subjects,
// and it answers $SRV.PING, $SRV.INFO and $SRV.STATS (alone, with the
// service name, and with name and instance id) so that standard tooling
// and the official clients' service APIs find the fleet and read its counts.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "observability/request_tracker.hpp"

namespace agent_runtime {

/// Who answers discovery requests.
struct service_identity {
  /// Shared by every runtime instance; `^[A-Za-z0-9_-]+$`.
  std::string name = "agent-runtime";
  /// This instance, unique among all; made up at start.
  std::string id;
  /// Semantic version.
  std::string version;
  std::string description;
  /// Strings only, as the convention wants.
  std::map<std::string, std::string> metadata;
};

/// One endpoint: an agent's subscription on one subject.
struct service_endpoint {
  /// `<agent>_inbox`, `<agent>_broadcast` or `<agent>_ref`.
  std::string name;
  std::string subject;
  std::string queue_group;
  std::string agent;
  std::string cluster;
  subject_kind kind = subject_kind::inbox;
};

/// Builds the convention's replies from the tracker's counts.
class service_discovery {
public:
  /// `routes` in the order `tracker` was given them; `cluster_of` names each
  /// route's cluster.
  service_discovery(service_identity identity, const std::vector<subject_route>& routes,
                    const request_tracker& tracker);

  /// The subjects to subscribe (outside any queue group: every instance
  /// answers for itself), with the verb as a wildcard.
  std::vector<std::string> subjects() const;

  /// The reply to a request on `subject`; nothing for a subject that is not
  /// a discovery request for this service (another service's name or id).
  std::optional<std::string> answer(const std::string& subject) const;

  /// `io.nats.micro.v1.ping_response`.
  std::string ping_json() const;
  /// `io.nats.micro.v1.info_response`.
  std::string info_json() const;
  /// `io.nats.micro.v1.stats_response`.
  std::string stats_json() const;

  const service_identity& identity() const {
    return identity_;
  }

  const std::vector<service_endpoint>& endpoints() const {
    return endpoints_;
  }

private:
  service_identity identity_;
  std::vector<service_endpoint> endpoints_;
  const request_tracker& tracker_;
  std::string started_;
};

/// A fresh instance id: 22 random letters and digits.
std::string new_instance_id();

/// `name` fitted to the convention's name pattern (other characters become `_`).
std::string service_name_part(const std::string& name);

/// A time as RFC 3339 in UTC with milliseconds (`2026-12-03T21:40:00.123Z`).
std::string rfc3339(std::chrono::system_clock::time_point when);

} // namespace agent_runtime

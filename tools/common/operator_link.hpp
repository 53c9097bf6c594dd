#pragma once
// A tool's connection to the fleet as an operator: requests on any subject,
// with the operator's token on the admin subjects, and the wait for a
// cluster's soak to end. The bench and the soak steer the fleet with it.

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

struct __natsConnection;

namespace agent_runtime::tools {

class operator_link {
public:
  /// Connects to `url`, reconnecting for as long as it lives; throws
  /// std::runtime_error when the first connect fails.
  operator_link(const std::string& url, std::string token);
  ~operator_link();

  operator_link(const operator_link&) = delete;
  operator_link& operator=(const operator_link&) = delete;

  /// The reply to `payload` on `subject` (with `Authorization: Bearer
  /// <token>` on `agent.admin.*`), or an error object when none came within
  /// `limit` or it was not JSON.
  nlohmann::json request(const std::string& subject, const nlohmann::json& payload,
                         std::chrono::milliseconds limit = std::chrono::seconds(5));

  /// The reply to `agent.admin.<verb>`.
  nlohmann::json admin(const std::string& verb, const nlohmann::json& body,
                       std::chrono::milliseconds limit = std::chrono::seconds(5));

  /// The status of `cluster` once its phase is `serving` (a swap's soak is
  /// over); nothing after `limit`.
  std::optional<nlohmann::json> wait_until_serving(const std::string& cluster,
                                                   std::chrono::milliseconds limit);

  bool connected() const;

private:
  __natsConnection* connection_ = nullptr;
  std::string token_;
};

} // namespace agent_runtime::tools

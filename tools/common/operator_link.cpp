#include "common/operator_link.hpp"

#include <stdexcept>
#include <thread>

#include <nats/nats.h>

namespace agent_runtime::tools {

using nlohmann::json;
using std::chrono::milliseconds;

operator_link::operator_link(const std::string& url, std::string token) : token_(std::move(token)) {
  natsOptions* options = nullptr;
  natsStatus s = natsOptions_Create(&options);
  if (s == NATS_OK)
    s = natsOptions_SetURL(options, url.c_str());
  if (s == NATS_OK)
    s = natsOptions_SetMaxReconnect(options, -1);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait(options, 100);
  if (s == NATS_OK)
    s = natsConnection_Connect(&connection_, options);
  natsOptions_Destroy(options);
  if (s != NATS_OK)
    throw std::runtime_error("cannot connect to " + url +
                             " as an operator: " + natsStatus_GetText(s));
}

operator_link::~operator_link() {
  natsConnection_Destroy(connection_);
}

json operator_link::request(const std::string& subject, const json& payload, milliseconds limit) {
  const std::string body = payload.dump();
  natsMsg* msg = nullptr;
  natsStatus s =
    natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size()));
  if (s == NATS_OK && subject.rfind("agent.admin.", 0) == 0)
    s = natsMsgHeader_Set(msg, "Authorization", ("Bearer " + token_).c_str());
  natsMsg* reply = nullptr;
  if (s == NATS_OK)
    s = natsConnection_RequestMsg(&reply, connection_, msg, limit.count());
  natsMsg_Destroy(msg);
  if (s != NATS_OK)
    return {{"status", "error"}, {"message", natsStatus_GetText(s)}};
  const char* data = natsMsg_GetData(reply);
  json answer = json::parse(data, data + natsMsg_GetDataLength(reply), nullptr, false);
  natsMsg_Destroy(reply);
  if (answer.is_discarded())
    return {{"status", "error"}, {"message", "the reply is not JSON"}};
  return answer;
}

json operator_link::admin(const std::string& verb, const json& body, milliseconds limit) {
  return request("agent.admin." + verb, body, limit);
}

std::optional<json> operator_link::wait_until_serving(const std::string& cluster,
                                                      milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    // Named: a range-for over a member of a temporary would dangle.
    const json status = admin("status", json::object());
    for (const json& c : status.value("clusters", json::array())) {
      if (c.value("id", "") == cluster && c.value("phase", "") == "serving")
        return c;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return std::nullopt;
}

bool operator_link::connected() const {
  return natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

} // namespace agent_runtime::tools

#include "metrics_verb.hpp"

#include <iomanip>
#include <iostream>
#include <sstream>
#include <vector>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

namespace agentctl {
namespace {

using nlohmann::json;

/// After an answer, how long to wait for more runtimes before we stop.
constexpr int straggler_ms = 300;

constexpr const char* service_name = "agent-runtime";

/// Every answer to one request on `subject`: the first within
/// `timeout_ms`, then more until none comes for `straggler_ms`.
std::vector<std::string> request_many(natsConnection* nc, const std::string& subject,
                                      int timeout_ms) {
  std::vector<std::string> answers;
  natsInbox* inbox = nullptr;
  natsSubscription* sub = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK)
    return answers;
  if (natsConnection_SubscribeSync(&sub, nc, inbox) == NATS_OK &&
      natsConnection_PublishRequest(nc, subject.c_str(), inbox, nullptr, 0) == NATS_OK) {
    int wait = timeout_ms;
    natsMsg* msg = nullptr;
    while (natsSubscription_NextMsg(&msg, sub, wait) == NATS_OK) {
      answers.emplace_back(natsMsg_GetData(msg),
                           static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
      natsMsg_Destroy(msg);
      wait = straggler_ms;
    }
  }
  natsSubscription_Destroy(sub);
  natsInbox_Destroy(inbox);
  return answers;
}

bool is_stats(const json& reply) {
  return reply.is_object() && reply.value("type", "") == "io.nats.micro.v1.stats_response" &&
         reply.contains("endpoints") && reply["endpoints"].is_array();
}

/// The agent an endpoint belongs to: its name up to the last `_`.
std::string agent_of(const std::string& endpoint) {
  return endpoint.substr(0, endpoint.rfind('_'));
}

void print_table(const std::vector<json>& runtimes, const std::string& agent) {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  for (const json& stats : runtimes) {
    std::cout << "instance " << stats.value("id", "") << "  version " << stats.value("version", "")
              << "  started " << stats.value("started", "") << "\n";
    std::cout << std::left << std::setw(40) << "ENDPOINT" << std::setw(10) << "REQUESTS"
              << std::setw(8) << "ERRORS" << std::setw(11) << "AVG-MS"
              << "LAST-ERROR\n";
    for (const json& e : stats["endpoints"]) {
      const std::string name = e.value("name", "");
      if (!agent.empty() && agent_of(name) != agent)
        continue;
      const std::uint64_t n = e.value("num_requests", 0ull);
      const std::uint64_t bad = e.value("num_errors", 0ull);
      requests += n;
      errors += bad;
      std::ostringstream avg;
      avg << std::fixed << std::setprecision(3)
          << static_cast<double>(e.value("average_processing_time", 0ull)) / 1e6;
      std::cout << std::left << std::setw(40) << name << std::setw(10) << n << std::setw(8) << bad
                << std::setw(11) << avg.str() << e.value("last_error", "") << "\n";
    }
  }
  std::cout << runtimes.size() << (runtimes.size() == 1 ? " runtime, " : " runtimes, ") << requests
            << " requests, " << errors << " errors\n";
}

} // namespace

int print_metrics(natsConnection* connection, const metrics_request& request) {
  std::string subject = std::string("$SRV.STATS.") + service_name;
  if (!request.instance.empty())
    subject += "." + request.instance;

  std::vector<json> runtimes;
  for (const std::string& answer : request_many(connection, subject, request.timeout_ms)) {
    json reply = json::parse(answer, nullptr, false);
    if (!is_stats(reply)) {
      std::cerr << "agentctl: a runtime answered " << subject << " with something that is not "
                << "stats: " << answer.substr(0, 200) << "\n";
      return 1;
    }
    runtimes.push_back(std::move(reply));
  }
  if (runtimes.empty()) {
    std::cerr << "agentctl: no runtime answered " << subject << " within " << request.timeout_ms
              << " ms\n";
    return 1;
  }
  if (request.json_output)
    std::cout << json(runtimes).dump(2) << "\n";
  else
    print_table(runtimes, request.agent);
  return 0;
}

} // namespace agentctl

#include "bare_responder.hpp"

#include <signal.h>

#include <iostream>
#include <memory>
#include <vector>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "config/fleet_config.hpp"
#include "routing/subjects.hpp"

namespace agent_runtime::bench {
namespace {

/// One subscription and the reply it always sends.
struct responder_route {
  std::string subject;
  std::string queue_group;
  std::string reply;
  natsSubscription* handle = nullptr;
};

void on_request(natsConnection* nc, natsSubscription*, natsMsg* msg, void* closure) {
  const auto* route = static_cast<const responder_route*>(closure);
  if (const char* reply = natsMsg_GetReply(msg))
    natsConnection_Publish(nc, reply, route->reply.data(), static_cast<int>(route->reply.size()));
  natsMsg_Destroy(msg);
}

std::string ping_like_reply(const agent_definition& agent) {
  return nlohmann::json{{"status", "ok"},
                        {"name", agent.name},
                        {"id", agent.id},
                        {"cluster", agent.cluster},
                        {"version", agent.version}}
    .dump();
}

/// The same three subjects and queue group per agent as the runtime.
std::vector<std::unique_ptr<responder_route>> routes_of(const fleet_config& fleet) {
  std::vector<std::unique_ptr<responder_route>> routes;
  for (const cluster_spec& cluster : fleet.clusters) {
    for (const agent_definition& agent : cluster.agents) {
      const std::string group = subjects::queue_group(fleet.settings.queue_group, agent.name);
      for (const std::string& subject :
           {subjects::inbox(agent.name), subjects::broadcast(), subjects::agent_ref(agent.id)})
        routes.push_back(std::make_unique<responder_route>(
          responder_route{subject, group, ping_like_reply(agent)}));
    }
  }
  return routes;
}

/// Connected with the options the runtime's bridge uses, so that the
/// difference measured is the runtime's own.
natsConnection* connect_like_the_bridge(const std::string& url) {
  natsOptions* opts = nullptr;
  natsConnection* connection = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK)
    return nullptr;
  natsOptions_SetURL(opts, url.c_str());
  natsOptions_SetName(opts, "bench-bare-responder");
  natsOptions_SetSendAsap(opts, true);
  natsOptions_UseGlobalMessageDelivery(opts, true);
  natsStatus status = natsConnection_Connect(&connection, opts);
  natsOptions_Destroy(opts);
  return status == NATS_OK ? connection : nullptr;
}

bool subscribe_all(natsConnection* connection,
                   std::vector<std::unique_ptr<responder_route>>& routes) {
  for (auto& route : routes) {
    if (natsConnection_QueueSubscribe(&route->handle, connection, route->subject.c_str(),
                                      route->queue_group.c_str(), on_request,
                                      route.get()) != NATS_OK)
      return false;
  }
  return natsConnection_Flush(connection) == NATS_OK;
}

} // namespace

int run_bare_responder(const std::string& url, const std::string& config) {
  // Blocked before nats.c starts its threads, so that only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  fleet_config fleet;
  try {
    fleet = load_fleet_config(config);
  } catch (const config_error& e) {
    std::cerr << "responder: " << e.what() << "\n";
    return 1;
  }
  auto routes = routes_of(fleet);
  natsConnection* connection = connect_like_the_bridge(url);
  if (!connection || !subscribe_all(connection, routes)) {
    std::cerr << "responder: cannot serve on " << url << ": " << nats_GetLastError(nullptr) << "\n";
    natsConnection_Destroy(connection);
    return 1;
  }
  std::cerr << "responder: ready subscriptions=" << routes.size() << "\n";

  int signal = 0;
  sigwait(&stop_signals, &signal);
  for (auto& route : routes)
    natsSubscription_Destroy(route->handle);
  natsConnection_Close(connection);
  natsConnection_Destroy(connection);
  return 0;
}

} // namespace agent_runtime::bench

#pragma once
// The whole fleet of the shipped config in this process, on its own
// nats-server, with a client: the fixture of the integration tests.

#include <functional>
#include <memory>

#include <doctest/doctest.h>

#include "app/fleet_runtime.hpp"
#include "embedded/nats_server_process.hpp"
#include "support/test_client.hpp"

namespace agent_runtime::testing {

/// A nats-server, the fleet and a client, stopped in reverse order.
struct running_fleet {
  fleet_config fleet = load_fleet_config(AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml");
  nats_server_process server{{0, true}};
  std::unique_ptr<fleet_runtime> runtime;
  std::unique_ptr<test_client> client;

  /// `adjust` may change the config and options before the fleet starts.
  explicit running_fleet(
    std::shared_ptr<provider_registry> providers = nullptr,
    const std::function<void(fleet_config&)>& adjust = [](fleet_config&) {}) {
    adjust(fleet);
    runtime_options options{server.url()};
    options.providers = std::move(providers);
    runtime = std::make_unique<fleet_runtime>(fleet, options);
    runtime->start();
    client = std::make_unique<test_client>(server.url());
  }

  std::vector<agent_definition> agents() const {
    std::vector<agent_definition> all;
    for (const auto& cluster : fleet.clusters)
      all.insert(all.end(), cluster.agents.begin(), cluster.agents.end());
    return all;
  }

  nlohmann::json ping(const std::string& name) {
    return client->request_json("agent.to." + name + ".from.test.request", "ping");
  }

  nlohmann::json send(const std::string& name, const nlohmann::json& command) {
    return client->request_json("agent.to." + name + ".from.test.request", command.dump());
  }
};

} // namespace agent_runtime::testing

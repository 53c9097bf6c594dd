// The conversation subjects of the unified scheme, against a real
// nats-server: requests named by their Recipient header, answered on the
// conversation's subjects with the contract's headers.

#include <doctest/doctest.h>

#include "support/http_get.hpp"
#include "support/running_fleet.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

const std::string sage_id = "01936f11-4ea2-7000-8000-000000000001";
const std::string sage_ref = "orchestration.sage." + sage_id;
const std::string ddd_ref = "domain-modeling.ddd-expert.01936f22-7c43-7000-8000-000000000002";

/// The fleet with unified subjects on for the orchestration cluster only,
/// and metrics on a free loopback port.
struct unified_fleet : running_fleet {
  unified_fleet() :
    running_fleet(nullptr, [](fleet_config& fleet) {
      fleet.clusters[0].unified_subjects = true;
      fleet.settings.metrics_address = "127.0.0.1:0";
    }) {}

  /// The line of the metrics page that starts with `series`.
  std::string metric(const std::string& series) {
    auto reply = http_get(runtime->metrics_address(), "/metrics");
    REQUIRE(reply);
    const std::size_t at = reply->body.find("\n" + series + " ");
    REQUIRE(at != std::string::npos);
    return reply->body.substr(at + 1, reply->body.find('\n', at + 1) - at - 1);
  }
};

json send_message(const std::string& content) {
  return {{"type", "SendMessage"},
          {"agent_id", sage_id},
          {"message_id", "01936f11-4ea2-7000-8000-0000000000c1"},
          {"content", content},
          {"context", json::array()}};
}

message_headers headers_to(const std::string& recipient, const std::string& correlation) {
  return {{"Sender", "tests.client.1"},
          {"Recipient", recipient},
          {"Conversation-Id", "conv-1"},
          {"Correlation-Id", correlation}};
}

std::string header(const collector::message& m, const std::string& name) {
  const std::string* value = find_header(m.headers, name);
  return value ? *value : std::string("(none)");
}

} // namespace

TEST_CASE(
  "a conversation request reaches its agent and the answer comes back on the conversation") {
  unified_fleet f;
  auto talk = f.client->collect("agent.conversations.conv-1.>");

  auto reply = f.client->request_with_headers("agent.conversations.conv-1.request",
                                              headers_to(sage_ref, "corr-1"),
                                              send_message("what is the plan?").dump());
  REQUIRE(reply);
  json answer = json::parse(*reply);
  CHECK(answer["status"] == "ok");
  CHECK(answer["response"].get<std::string>().find("what is the plan?") != std::string::npos);

  // The request itself comes back too, as the subscription covers it.
  REQUIRE(talk->wait_for(3));
  auto got = talk->messages();
  CHECK(got[0].subject == "agent.conversations.conv-1.request");
  got.erase(got.begin());
  CHECK(got[0].subject == "agent.conversations.conv-1.status");
  CHECK(json::parse(got[0].payload)["status"] == "received");
  CHECK(got[1].subject == "agent.conversations.conv-1.response");
  CHECK(json::parse(got[1].payload) == answer);
  for (const auto& m : got) {
    CAPTURE(m.subject);
    CHECK(header(m, "Sender") == sage_ref);
    CHECK(header(m, "Recipient") == "tests.client.1");
    CHECK(header(m, "Conversation-Id") == "conv-1");
    CHECK(header(m, "Correlation-Id") == "corr-1");
  }
}

TEST_CASE(
  "a conversation request published without a reply subject is answered on the conversation") {
  unified_fleet f;
  auto responses = f.client->collect("agent.conversations.conv-1.response");
  f.client->publish_with_headers("agent.conversations.conv-1.request",
                                 headers_to(sage_ref, "corr-2"), "ping");
  REQUIRE(responses->wait_for(1));
  auto got = responses->messages();
  CHECK(json::parse(got[0].payload)["name"] == "sage");
  CHECK(header(got[0], "Correlation-Id") == "corr-2");
}

TEST_CASE("conversation requests the runtime cannot deliver get an error on the conversation") {
  unified_fleet f;
  auto errors = f.client->collect("agent.conversations.conv-1.error");

  auto refused = [&](const message_headers& headers, const std::string& payload) {
    auto reply =
      f.client->request_with_headers("agent.conversations.conv-1.request", headers, payload);
    REQUIRE(reply);
    json parsed = json::parse(*reply);
    CHECK(parsed["status"] == "error");
    return parsed["message"].get<std::string>();
  };

  CHECK(refused({{"Sender", "tests"}}, "ping").find("header Recipient is missing") == 0);
  CHECK(refused(headers_to("orchestration.nobody.x", "c"), "ping") ==
        "no agent orchestration.nobody.x in this fleet");
  CHECK(refused(headers_to(ddd_ref, "c"), "ping")
          .find("unified_subjects is off for cluster "
                "domain-modeling") != std::string::npos);
  // The agent's own refusal of a bad command comes back on error too.
  CHECK(refused(headers_to(sage_ref, "c"), "{not json").find("not valid JSON") !=
        std::string::npos);

  REQUIRE(errors->wait_for(4));
  // The runtime's own three refusals are counted; the agent's is its own.
  CHECK(f.metric("agent_runtime_conversations_refused_total") ==
        "agent_runtime_conversations_refused_total 3");
  CHECK(
    f.metric(
       R"(agent_runtime_agent_requests_total{agent="sage",cluster="orchestration",kind="agent_ref"})")
      .find("} 1") != std::string::npos);
  // And everyone keeps being served.
  CHECK(f.ping("sage")["status"] == "ok");
  CHECK(f.ping("ddd-expert")["status"] == "ok");
}

TEST_CASE("a runtime whose clusters all have unified subjects off does not take conversations") {
  running_fleet f;
  auto reply = f.client->request_with_headers("agent.conversations.conv-1.request",
                                              headers_to(sage_ref, "c"), "ping", 500ms);
  CHECK_FALSE(reply);
}

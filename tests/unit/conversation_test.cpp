#include <doctest/doctest.h>

#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "routing/conversation.hpp"
#include "routing/conversation_relay.hpp"
#include "support/fake_routing.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;

namespace {

const std::string sage_ref = "orchestration.sage.01936f11-4ea2-7000-8000-000000000001";
const std::string subject = "agent.conversations.c-42.request";

message_headers good_headers() {
  return {{"Sender", "ops.client.1"},
          {"Recipient", sage_ref},
          {"Conversation-Id", "c-42"},
          {"Correlation-Id", "r-7"}};
}

std::string refusal_of(const std::string& on, const message_headers& headers) {
  auto read = read_conversation_request(on, headers);
  REQUIRE(std::holds_alternative<conversation_refusal>(read));
  return std::get<conversation_refusal>(read).message;
}

std::string header(const sent_message& m, const std::string& name) {
  const std::string* value = find_header(m.headers, name);
  return value ? *value : std::string("(none)");
}

/// A dispatcher standing for sage's cluster, which may hold 8 requests.
fake_dispatcher sage_agents() {
  fake_dispatcher agents;
  agents.limit = 8;
  agents.cluster = "orchestration";
  return agents;
}

subject_route sage_route() {
  return {"agent.*.*.01936f11-4ea2-7000-8000-000000000001.command.>", "q.sage",
          subject_kind::agent_ref, "sage", 0};
}

conversation_target sage(bool unified = true) {
  return {sage_ref, sage_route(), unified};
}

inbound_message request(const std::string& reply = "") {
  inbound_message m;
  m.kind = subject_kind::inbox;
  m.subject = subject;
  m.reply = reply;
  m.payload = "ping";
  return m;
}

} // namespace

TEST_CASE("a conversation request is read from its subject and headers") {
  auto read = read_conversation_request(subject, good_headers());
  REQUIRE(std::holds_alternative<conversation>(read));
  const conversation& c = std::get<conversation>(read);
  CHECK(c.id == "c-42");
  CHECK(c.sender == "ops.client.1");
  CHECK(c.recipient == sage_ref);
  CHECK(c.correlation_id == "r-7");

  SUBCASE("header names are matched without regard to case") {
    auto lower = read_conversation_request(
      subject, {{"sender", "me"}, {"RECIPIENT", sage_ref}, {"correlation-id", "x"}});
    REQUIRE(std::holds_alternative<conversation>(lower));
    CHECK(std::get<conversation>(lower).correlation_id == "x");
  }
  SUBCASE("a missing Correlation-Id is made up, and differs each time") {
    message_headers headers = {{"Sender", "me"}, {"Recipient", sage_ref}};
    auto a = std::get<conversation>(read_conversation_request(subject, headers));
    auto b = std::get<conversation>(read_conversation_request(subject, headers));
    CHECK(a.correlation_id.size() == 36);
    CHECK(a.correlation_id != b.correlation_id);
  }
  SUBCASE("the recipient's id is taken in lowercase") {
    message_headers headers = {
      {"Sender", "me"}, {"Recipient", "orchestration.sage.01936F11-4EA2-7000-8000-000000000001"}};
    CHECK(std::get<conversation>(read_conversation_request(subject, headers)).recipient ==
          sage_ref);
  }
}

TEST_CASE("a conversation request with bad headers is refused with a message naming the header") {
  SUBCASE("no Recipient") {
    CHECK(refusal_of(subject, {{"Sender", "me"}}).find("header Recipient is missing") == 0);
  }
  SUBCASE("a Recipient that is not cluster.name.id") {
    CHECK(refusal_of(subject, {{"Sender", "me"}, {"Recipient", "sage"}}) ==
          "header Recipient 'sage' is not <cluster>.<name>.<id>");
    CHECK(refusal_of(subject, {{"Sender", "me"}, {"Recipient", "a..b"}}).find("is not") !=
          std::string::npos);
    CHECK(refusal_of(subject, {{"Sender", "me"}, {"Recipient", "a.b.c.d"}}).find("is not") !=
          std::string::npos);
  }
  SUBCASE("no Sender") {
    CHECK(refusal_of(subject, {{"Recipient", sage_ref}}).find("header Sender is missing") == 0);
  }
  SUBCASE("a Conversation-Id other than the subject's") {
    auto headers = good_headers();
    headers[2].second = "c-43";
    CHECK(refusal_of(subject, headers) ==
          "header Conversation-Id 'c-43' is not the subject's conversation c-42");
  }
  SUBCASE("a subject that is not a conversation request") {
    CHECK(refusal_of("agent.conversations.c-42.response", good_headers()).find("is not agent.") !=
          std::string::npos);
    CHECK(refusal_of("agent.conversations..request", good_headers()).find("is not agent.") !=
          std::string::npos);
  }
}

TEST_CASE("a reply goes from the recipient back to the sender, with the conversation's ids") {
  conversation c{"c-42", "ops.client.1", sage_ref, "r-7"};
  message_headers headers = reply_headers(c);
  CHECK(*find_header(headers, "Sender") == sage_ref);
  CHECK(*find_header(headers, "Recipient") == "ops.client.1");
  CHECK(*find_header(headers, "Conversation-Id") == "c-42");
  CHECK(*find_header(headers, "Correlation-Id") == "r-7");
  CHECK(conversation_subjects::of("c-42", "response") == "agent.conversations.c-42.response");
  CHECK(conversation_subjects::requests() == "agent.conversations.*.request");
}

TEST_CASE("the conversation relay hands a request to its agent and its reply to the conversation") {
  fake_dispatcher agents = sage_agents();
  fake_nats nats;
  conversation_relay relay(nats, nats, {sage()});
  CHECK(relay.serves_any());

  inbound_message m = request("_INBOX.caller");
  relay.on_request(m, good_headers(), agents);
  REQUIRE(agents.accepted.size() == 1);
  const inbound_message& taken = agents.accepted[0];
  CHECK(taken.kind == subject_kind::agent_ref);
  CHECK(taken.payload == "ping");
  CHECK(taken.reply != "_INBOX.caller");
  CHECK(relay.waiting() == 1);

  // The status comes first, before the agent can answer.
  REQUIRE(nats.sent.size() == 1);
  CHECK(nats.sent[0].subject == "agent.conversations.c-42.status");
  CHECK(nlohmann::json::parse(nats.sent[0].payload)["status"] == "received");

  SUBCASE("an answer goes on response, and to the caller's reply subject") {
    CHECK(relay.publish(taken.reply, R"({"status":"ok","name":"sage"})"));
    REQUIRE(nats.sent.size() == 3);
    CHECK(nats.sent[1].subject == "agent.conversations.c-42.response");
    CHECK(header(nats.sent[1], "Sender") == sage_ref);
    CHECK(header(nats.sent[1], "Recipient") == "ops.client.1");
    CHECK(header(nats.sent[1], "Correlation-Id") == "r-7");
    CHECK(nats.sent[2].subject == "_INBOX.caller");
    CHECK(nats.sent[2].payload == R"({"status":"ok","name":"sage"})");
    CHECK(relay.waiting() == 0);

    SUBCASE("a second answer to the same request goes nowhere") {
      CHECK_FALSE(relay.publish(taken.reply, R"({"status":"ok"})"));
      CHECK(nats.sent.size() == 3);
    }
  }
  SUBCASE("an error reply goes on error") {
    relay.publish(taken.reply, R"({"status":"error","message":"content is empty"})");
    CHECK(nats.sent[1].subject == "agent.conversations.c-42.error");
  }
  SUBCASE("replies to anything else pass through untouched") {
    relay.publish("_INBOX.other", "x");
    CHECK(nats.sent.back().subject == "_INBOX.other");
    CHECK(nats.sent.back().headers.empty());
    CHECK(relay.waiting() == 1);
  }
  CHECK(relay.refused() == 0);
}

TEST_CASE("a request published without a reply subject is answered on the conversation alone") {
  fake_dispatcher agents = sage_agents();
  fake_nats nats;
  conversation_relay relay(nats, nats, {sage()});
  inbound_message m = request();
  relay.on_request(m, good_headers(), agents);
  REQUIRE(agents.accepted.size() == 1);
  relay.publish(agents.accepted[0].reply, R"({"status":"ok"})");
  REQUIRE(nats.sent.size() == 2);
  CHECK(nats.sent[1].subject == "agent.conversations.c-42.response");
}

TEST_CASE("the conversation relay refuses what it cannot deliver, on error and to the caller") {
  fake_dispatcher agents = sage_agents();
  fake_nats nats;

  auto refused_with = [&](conversation_relay& relay, const message_headers& headers) {
    nats.sent.clear();
    inbound_message m = request("_INBOX.caller");
    relay.on_request(m, headers, agents);
    CHECK(agents.accepted.empty());
    REQUIRE(!nats.sent.empty());
    CHECK(nats.sent.back().subject == "_INBOX.caller");
    auto reply = nlohmann::json::parse(nats.sent.back().payload);
    CHECK(reply["status"] == "error");
    return reply["message"].get<std::string>();
  };

  SUBCASE("a bad header") {
    conversation_relay relay(nats, nats, {sage()});
    CHECK(refused_with(relay, {{"Sender", "me"}}).find("Recipient") != std::string::npos);
    CHECK(nats.sent.front().subject == "agent.conversations.c-42.error");
    CHECK(relay.refused() == 1);
  }
  SUBCASE("an agent the fleet does not have") {
    conversation_relay relay(nats, nats, {sage()});
    CHECK(refused_with(relay, {{"Sender", "me"}, {"Recipient", "orchestration.nobody.1"}}) ==
          "no agent orchestration.nobody.1 in this fleet");
  }
  SUBCASE("an agent whose cluster has unified subjects off") {
    conversation_relay relay(nats, nats, {sage(false)});
    CHECK_FALSE(relay.serves_any());
    CHECK(refused_with(relay, good_headers())
            .find("unified_subjects is off for cluster "
                  "orchestration") != std::string::npos);
  }
  SUBCASE("a busy agent, and nothing is left waiting") {
    conversation_relay relay(nats, nats, {sage()});
    agents.next = dispatch_result::busy;
    CHECK(refused_with(relay, good_headers()) ==
          "agent sage is busy (8 requests in flight); retry later");
    CHECK(relay.waiting() == 0);
    CHECK(relay.refused() == 1);
  }
  SUBCASE("a disabled cluster") {
    conversation_relay relay(nats, nats, {sage()});
    agents.next = dispatch_result::disabled;
    CHECK(refused_with(relay, good_headers()).find("cluster orchestration is disabled") == 0);
  }
}

TEST_CASE("a subject that is not UTF-8 is refused, not thrown (found by conversation_fuzz)") {
  fake_dispatcher agents = sage_agents();
  fake_nats nats;
  conversation_relay relay(nats, nats, {sage()});
  inbound_message m = request("_INBOX.caller");
  m.subject = "agent.conversations.c1,re\xf3\xff.request";
  relay.on_request(m, good_headers(), agents);
  REQUIRE(!nats.sent.empty());
  CHECK(nats.sent.back().subject == "_INBOX.caller");
  CHECK(nlohmann::json::parse(nats.sent.back().payload)["status"] == "error");
  CHECK(relay.refused() == 1);
}

#include <doctest/doctest.h>

#include <vector>

#include "observability/request_tracker.hpp"
#include "support/fake_routing.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;

namespace {

const std::vector<subject_route> routes = {
  {"agent.to.a.>", "q.a", subject_kind::inbox, "a", 0},
  {"agent.broadcast.>", "q.a", subject_kind::broadcast, "a", 0},
  {"agent.to.b.>", "q.b", subject_kind::inbox, "b", 1},
};

inbound_message request(const std::string& reply, subject_kind kind = subject_kind::inbox) {
  inbound_message m;
  m.kind = kind;
  m.subject = "agent.to.a.x";
  m.reply = reply;
  m.payload = "ping";
  return m;
}

} // namespace

TEST_CASE("the request tracker counts each request on its endpoint and times it until the reply") {
  fake_dispatcher agents;
  fake_nats nats;
  request_tracker tracker(agents, nats, routes);

  SUBCASE("an answered request is counted, timed and passed on") {
    auto m = request("_INBOX.1");
    CHECK(tracker.dispatch(routes[0], m) == dispatch_result::accepted);
    CHECK(tracker.pending() == 1);
    CHECK(tracker.publish("_INBOX.1", R"({"status":"ok"})"));
    CHECK(tracker.pending() == 0);
    REQUIRE(nats.sent.size() == 1);
    CHECK(nats.sent[0].subject == "_INBOX.1");
    CHECK(tracker.endpoint(0).requests == 1);
    CHECK(tracker.endpoint(0).errors == 0);
    CHECK(tracker.endpoint(2).requests == 0);
    CHECK(tracker.latency(0).count == 1);
    CHECK(tracker.latency(1).count == 0);
  }

  SUBCASE("a reply larger than the server takes becomes an error reply that says so") {
    nats.limit = 4096;
    auto m = request("_INBOX.big");
    tracker.dispatch(routes[0], m);
    const std::string big = R"({"status":"ok","response":")" + std::string(4000, 'x') + "\"}";
    CHECK(tracker.publish("_INBOX.big", big));
    REQUIRE(nats.sent.size() == 1);
    CHECK(nats.sent[0].subject == "_INBOX.big");
    CHECK(nats.sent[0].payload.size() < 200);
    CHECK(nats.sent[0].payload.find(R"("status":"error")") != std::string::npos);
    CHECK(nats.sent[0].payload.find("the reply is 4029 bytes, more than the NATS server's "
                                    "max_payload of 4096 bytes allows") != std::string::npos);
    CHECK(tracker.pending() == 0);
    CHECK(tracker.endpoint(0).errors == 1);
    // Below the limit less the room for headers, replies pass as they are.
    auto n = request("_INBOX.fits");
    tracker.dispatch(routes[0], n);
    const std::string fits = R"({"status":"ok","response":")" + std::string(3000, 'x') + "\"}";
    CHECK(tracker.publish("_INBOX.fits", fits));
    CHECK(nats.sent.back().payload == fits);
    CHECK(tracker.endpoint(0).errors == 1);
  }

  SUBCASE("an error reply counts as an error with its message") {
    auto m = request("_INBOX.2");
    tracker.dispatch(routes[0], m);
    tracker.publish("_INBOX.2", R"({"message":"payload is not valid JSON","status":"error"})");
    CHECK(tracker.endpoint(0).errors == 1);
    CHECK(tracker.endpoint(0).last_error == "payload is not valid JSON");
  }

  SUBCASE("a refusal is an error and not waited for; busy is counted apart") {
    agents.next = dispatch_result::busy;
    auto m = request("_INBOX.3");
    CHECK(tracker.dispatch(routes[2], m) == dispatch_result::busy);
    CHECK(tracker.pending() == 0);
    CHECK(tracker.endpoint(2).requests == 1);
    CHECK(tracker.endpoint(2).errors == 1);
    CHECK(tracker.endpoint(2).busy == 1);
    CHECK(tracker.endpoint(2).last_error == "busy");
    agents.next = dispatch_result::disabled;
    tracker.dispatch(routes[2], m);
    CHECK(tracker.endpoint(2).busy == 1);
    CHECK(tracker.endpoint(2).last_error == "cluster disabled");
  }

  SUBCASE("requests sharing one reply subject are each matched to one reply") {
    auto first = request("acks", subject_kind::broadcast);
    auto second = request("acks");
    tracker.dispatch(routes[1], first);
    tracker.dispatch(routes[2], second);
    CHECK(tracker.pending() == 2);
    tracker.publish("acks", R"({"status":"ok"})");
    tracker.publish("acks", R"({"status":"ok"})");
    CHECK(tracker.pending() == 0);
    CHECK(tracker.latency(0).count == 1);
    CHECK(tracker.latency(1).count == 1);
  }

  SUBCASE("a message without reply subject is counted and not waited for") {
    auto m = request("");
    tracker.dispatch(routes[0], m);
    CHECK(tracker.endpoint(0).requests == 1);
    CHECK(tracker.pending() == 0);
  }

  SUBCASE("a reply nobody waits for is passed on and counts nothing") {
    tracker.publish("elsewhere", R"({"status":"error","message":"x"})");
    CHECK(nats.sent.size() == 1);
    CHECK(tracker.endpoint(0).errors == 0);
  }
}

TEST_CASE("reply_error reads only a top-level error status") {
  CHECK_FALSE(reply_error(R"({"status":"ok"})"));
  CHECK_FALSE(reply_error(R"({"status":"ok","response":"the word \"error\" in an answer"})"));
  CHECK_FALSE(reply_error("not json \"error\""));
  CHECK(reply_error(R"({"status":"error","message":"why"})") == "why");
  CHECK(reply_error(R"({"status":"error"})") == "error");
}

// The anthropic provider against a local server speaking the Messages API.

#include <doctest/doctest.h>

#include <cstdlib>

#include "provider/anthropic_provider.hpp"
#include "support/answer_probe.hpp"
#include "support/chat_requests.hpp"
#include "support/http_test_server.hpp"
#include "support/model_wire.hpp"
#include "support/scoped_env.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

TEST_CASE("anthropic streams content_block_delta events and sends the system prompt apart") {
  std::shared_ptr<gate> rest;
  http_test_server server([&](const received_request&, response_writer& out) {
    out.begin_stream("text/event-stream");
    out.chunk(wire::anthropic_start() + wire::anthropic_text("Bonjour"));
    rest->wait();
    out.chunk(wire::anthropic_text(" !") + wire::anthropic_end());
    out.end_stream();
  });
  rest = server.make_gate();
  anthropic_provider anthropic(std::make_shared<http_client>(), {});

  chat_request request = chat_for("anthropic", server.url(), "claude-test");
  request.model.api_key_env = "ANTHROPIC_TEST_KEY";
  request.model.temperature = 0.2;
  answer_probe probe;
  {
    scoped_env key("ANTHROPIC_TEST_KEY", "sk-ant-test");
    anthropic.complete(request, probe.on_chunk(), probe.on_done());
  }

  REQUIRE(probe.wait_chunks(1));
  CHECK_FALSE(probe.ended());
  rest->open();
  auto result = probe.wait();
  REQUIRE(result);
  CHECK(result->ok);
  CHECK(result->text == "Bonjour !");
  CHECK(probe.chunks() == std::vector<std::string>{"Bonjour", " !"});

  const received_request sent = server.requests().at(0);
  CHECK(sent.target == "/v1/messages");
  CHECK(sent.header("x-api-key") == "sk-ant-test");
  CHECK(sent.header("anthropic-version") == "2023-06-01");
  const json body = sent.json();
  CHECK(body["model"] == "claude-test");
  CHECK(body["system"] == "You are Sage.");
  CHECK(body["messages"] == json::array({{{"role", "user"}, {"content", "earlier question"}},
                                         {{"role", "assistant"}, {"content", "earlier answer"}},
                                         {{"role", "user"}, {"content", "what now?"}}}));
  CHECK(body["max_tokens"] == 4096);
  CHECK(body["temperature"] == 0.2);
  CHECK(body["stream"] == true);
}

TEST_CASE("anthropic without an API key fails before anything is sent") {
  http_test_server server([](const received_request&, response_writer&) {});
  anthropic_provider anthropic(std::make_shared<http_client>(), {});
  answer_probe probe;
  {
    scoped_env no_key("ANTHROPIC_API_KEY", nullptr);
    anthropic.complete(chat_for("anthropic", server.url()), probe.on_chunk(), probe.on_done());
  }

  auto result = probe.wait();
  REQUIRE(result);
  CHECK(result->error == "anthropic: no API key: set ANTHROPIC_API_KEY or name another "
                         "environment variable in api_key_env");
  CHECK(server.requests().empty());
}

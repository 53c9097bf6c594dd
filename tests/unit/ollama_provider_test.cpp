// The ollama provider against a local server speaking Ollama's /api/chat:
// JSON lines streamed in chunks, flushed one by one.

#include <doctest/doctest.h>

#include "provider/ollama_provider.hpp"
#include "support/answer_probe.hpp"
#include "support/chat_requests.hpp"
#include "support/http_test_server.hpp"
#include "support/model_wire.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

TEST_CASE("ollama streams the answer chunk by chunk as the server flushes it") {
  std::shared_ptr<gate> second_half;
  http_test_server server([&](const received_request&, response_writer& out) {
    out.begin_stream("application/x-ndjson");
    out.chunk(wire::ollama_line("Hello"));
    second_half->wait();
    // One line cut across two writes, then two lines in one.
    const std::string world = wire::ollama_line(", world");
    out.chunk(world.substr(0, 17));
    out.chunk(world.substr(17));
    out.chunk(wire::ollama_line("!") + wire::ollama_done());
    out.end_stream();
  });
  second_half = server.make_gate();
  ollama_provider ollama(std::make_shared<http_client>(), {});

  chat_request request = chat_for("ollama", server.url());
  request.model.temperature = 0.3;
  request.model.top_p = 0.9;
  request.model.max_tokens = 256;
  request.model.stop_sequences = {"END", "STOP"};
  request.model.frequency_penalty = 0.5;
  request.model.presence_penalty = -0.5;
  answer_probe probe;
  ollama.complete(request, probe.on_chunk(), probe.on_done());

  // The first chunk is there while the server still holds the rest.
  REQUIRE(probe.wait_chunks(1));
  CHECK(probe.chunks() == std::vector<std::string>{"Hello"});
  CHECK_FALSE(probe.ended());
  second_half->open();

  auto result = probe.wait();
  REQUIRE(result);
  CHECK(result->ok);
  CHECK(result->error.empty());
  CHECK(result->text == "Hello, world!");
  CHECK(result->chunks == 3);
  CHECK(probe.chunks() == std::vector<std::string>{"Hello", ", world", "!"});
  CHECK(probe.indexes() == std::vector<std::size_t>{0, 1, 2});
  CHECK(probe.done_calls() == 1);

  // The request carries the chat in order, the model and its options.
  REQUIRE(server.requests().size() == 1);
  const received_request sent = server.requests().front();
  CHECK(sent.method == "POST");
  CHECK(sent.target == "/api/chat");
  CHECK(sent.header("content-type") == "application/json");
  CHECK(sent.header("authorization").empty());
  const json body = sent.json();
  CHECK(body["model"] == "llama3");
  CHECK(body["stream"] == true);
  CHECK(body["messages"] == json::array({{{"role", "system"}, {"content", "You are Sage."}},
                                         {{"role", "user"}, {"content", "earlier question"}},
                                         {{"role", "assistant"}, {"content", "earlier answer"}},
                                         {{"role", "user"}, {"content", "what now?"}}}));
  const json& options = body["options"];
  CHECK(options["temperature"] == 0.3);
  CHECK(options["top_p"] == 0.9);
  CHECK(options["num_predict"] == 256);
  CHECK(options["stop"] == json::array({"END", "STOP"}));
  CHECK(options["frequency_penalty"] == 0.5);
  CHECK(options["presence_penalty"] == -0.5);
}

TEST_CASE("ollama keeps the endpoint's path and sends no options it was not given") {
  http_test_server server([](const received_request&, response_writer& out) {
    out.whole(200, "application/x-ndjson", wire::ollama_line("ok") + wire::ollama_done());
  });
  ollama_provider ollama(std::make_shared<http_client>(), {});

  SUBCASE("a path prefix") {
    answer_probe probe;
    ollama.complete(chat_for("ollama", server.url() + "/ollama/"), probe.on_chunk(),
                    probe.on_done());
    REQUIRE(probe.wait());
    CHECK(probe.wait()->text == "ok");
    CHECK(server.requests().at(0).target == "/ollama/api/chat");
    CHECK_FALSE(server.requests().at(0).json().contains("options"));
  }
  SUBCASE("an endpoint that already ends in /api") {
    answer_probe probe;
    ollama.complete(chat_for("ollama", server.url() + "/api"), probe.on_chunk(), probe.on_done());
    REQUIRE(probe.wait());
    CHECK(server.requests().at(0).target == "/api/chat");
  }
}

TEST_CASE("ollama's error line mid-stream ends the request with that error") {
  http_test_server server([](const received_request&, response_writer& out) {
    out.begin_stream("application/x-ndjson");
    out.chunk(wire::ollama_line("Hel"));
    out.chunk("{\"error\":\"model runner has unexpectedly stopped\"}\n");
    out.end_stream();
  });
  ollama_provider ollama(std::make_shared<http_client>(), {});
  answer_probe probe;
  ollama.complete(chat_for("ollama", server.url()), probe.on_chunk(), probe.on_done());
  auto result = probe.wait();
  REQUIRE(result);
  CHECK_FALSE(result->ok);
  CHECK(result->error == "ollama at " + server.url() +
                           ": the model server reported an error: "
                           "model runner has unexpectedly stopped");
  CHECK(probe.chunks() == std::vector<std::string>{"Hel"});
}

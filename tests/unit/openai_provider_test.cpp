// The openai provider against a local server speaking the OpenAI chat
// completions API: server-sent events streamed in chunks.

#include <doctest/doctest.h>

#include <cstdlib>

#include "provider/openai_provider.hpp"
#include "support/answer_probe.hpp"
#include "support/chat_requests.hpp"
#include "support/http_test_server.hpp"
#include "support/model_wire.hpp"
#include "support/scoped_env.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

http_test_server answering_server() {
  return http_test_server([](const received_request&, response_writer& out) {
    out.whole(200, "text/event-stream",
              wire::openai_role() + wire::openai_text("ok") + wire::openai_end());
  });
}

} // namespace

TEST_CASE("openai streams server-sent events chunk by chunk as the server flushes them") {
  std::shared_ptr<gate> rest;
  http_test_server server([&](const received_request&, response_writer& out) {
    out.begin_stream("text/event-stream");
    out.chunk(wire::openai_role());
    out.chunk(wire::openai_text("The answer"));
    rest->wait();
    out.chunk(": keep-alive comment\n\n");
    const std::string event = wire::openai_text(" is 42");
    out.chunk(event.substr(0, 9));
    out.chunk(event.substr(9));
    out.chunk(wire::openai_text(".") + wire::openai_end());
    out.end_stream();
  });
  rest = server.make_gate();
  openai_provider openai(std::make_shared<http_client>(), {});
  scoped_env no_key("OPENAI_API_KEY", nullptr);

  chat_request request = chat_for("openai", server.url(), "qwen2.5-7b");
  request.model.temperature = 0.7;
  request.model.top_p = 0.95;
  request.model.max_tokens = 512;
  request.model.stop_sequences = {"###"};
  request.model.frequency_penalty = 0.1;
  request.model.presence_penalty = 0.2;
  answer_probe probe;
  openai.complete(request, probe.on_chunk(), probe.on_done());

  REQUIRE(probe.wait_chunks(1));
  CHECK(probe.chunks() == std::vector<std::string>{"The answer"});
  CHECK_FALSE(probe.ended());
  rest->open();

  auto result = probe.wait();
  REQUIRE(result);
  CHECK(result->ok);
  CHECK(result->text == "The answer is 42.");
  CHECK(probe.chunks() == std::vector<std::string>{"The answer", " is 42", "."});
  CHECK(probe.indexes() == std::vector<std::size_t>{0, 1, 2});
  CHECK(probe.done_calls() == 1);

  REQUIRE(server.requests().size() == 1);
  const received_request sent = server.requests().front();
  CHECK(sent.method == "POST");
  CHECK(sent.target == "/v1/chat/completions");
  CHECK(sent.header("accept") == "text/event-stream");
  CHECK(sent.header("authorization").empty());
  const json body = sent.json();
  CHECK(body["model"] == "qwen2.5-7b");
  CHECK(body["stream"] == true);
  CHECK(body["messages"] == json::array({{{"role", "system"}, {"content", "You are Sage."}},
                                         {{"role", "user"}, {"content", "earlier question"}},
                                         {{"role", "assistant"}, {"content", "earlier answer"}},
                                         {{"role", "user"}, {"content", "what now?"}}}));
  CHECK(body["temperature"] == 0.7);
  CHECK(body["top_p"] == 0.95);
  CHECK(body["max_tokens"] == 512);
  CHECK(body["stop"] == json::array({"###"}));
  CHECK(body["frequency_penalty"] == 0.1);
  CHECK(body["presence_penalty"] == 0.2);
}

TEST_CASE("openai adds /v1 only when the endpoint lacks it") {
  http_test_server server = answering_server();
  openai_provider openai(std::make_shared<http_client>(), {});
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"", "/v1/chat/completions"},
    {"/", "/v1/chat/completions"},
    {"/v1", "/v1/chat/completions"},
    {"/v1/", "/v1/chat/completions"},
    {"/llm/v1", "/llm/v1/chat/completions"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(cases[i].first);
    answer_probe probe;
    openai.complete(chat_for("openai", server.url() + cases[i].first), probe.on_chunk(),
                    probe.on_done());
    REQUIRE(probe.wait());
    CHECK(probe.wait()->ok);
    CHECK(server.requests().at(i).target == cases[i].second);
  }
}

TEST_CASE("openai sends the API key from the environment as a bearer token") {
  http_test_server server = answering_server();
  openai_provider openai(std::make_shared<http_client>(), {});
  chat_request request = chat_for("openai", server.url());
  answer_probe probe;

  SUBCASE("from OPENAI_API_KEY by default") {
    scoped_env key("OPENAI_API_KEY", "sk-default");
    openai.complete(request, probe.on_chunk(), probe.on_done());
    REQUIRE(probe.wait());
    CHECK(server.requests().at(0).header("authorization") == "Bearer sk-default");
  }
  SUBCASE("from the variable named by api_key_env") {
    scoped_env key("OPENAI_API_KEY", "sk-default");
    scoped_env other("VLLM_TEST_KEY", "sk-vllm");
    request.model.api_key_env = "VLLM_TEST_KEY";
    openai.complete(request, probe.on_chunk(), probe.on_done());
    REQUIRE(probe.wait());
    CHECK(server.requests().at(0).header("authorization") == "Bearer sk-vllm");
  }
  SUBCASE("a named variable that is not set fails before anything is sent") {
    scoped_env other("VLLM_TEST_KEY", nullptr);
    request.model.api_key_env = "VLLM_TEST_KEY";
    openai.complete(request, probe.on_chunk(), probe.on_done());
    REQUIRE(probe.wait());
    CHECK(probe.wait()->error ==
          "openai: the environment variable VLLM_TEST_KEY named by api_key_env is not set");
    CHECK(server.requests().empty());
  }
}

TEST_CASE("an error event mid-stream ends the openai request with the server's message") {
  http_test_server server([](const received_request&, response_writer& out) {
    out.begin_stream("text/event-stream");
    out.chunk(wire::openai_text("Par"));
    out.chunk(wire::sse({{"error", {{"message", "out of memory"}, {"type", "server_error"}}}}));
    out.end_stream();
  });
  openai_provider openai(std::make_shared<http_client>(), {});
  answer_probe probe;
  openai.complete(chat_for("openai", server.url()), probe.on_chunk(), probe.on_done());
  auto result = probe.wait();
  REQUIRE(result);
  CHECK_FALSE(result->ok);
  CHECK(result->error ==
        "openai at " + server.url() + ": the model server reported an error: out of memory");
}

TEST_CASE("fields of the wrong type in an openai event are not the protocol") {
  http_test_server server([](const received_request&, response_writer& out) {
    out.whole(200, "text/event-stream",
              wire::openai_role() + "data: {\"choices\":[{\"index\":\"zero\"}]}\n\n");
  });
  openai_provider openai(std::make_shared<http_client>(), {});
  answer_probe probe;
  openai.complete(chat_for("openai", server.url()), probe.on_chunk(), probe.on_done());
  auto result = probe.wait();
  REQUIRE(result);
  CHECK(result->error.rfind("openai at " + server.url() +
                              ": the answer is not an OpenAI chat completion stream: line 4: ",
                            0) == 0);
}

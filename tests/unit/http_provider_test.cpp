// What every network provider does when the model server is slow, gone,
// refuses, cuts the stream or answers garbage: each request ends once with
// an error that says which, and the provider serves the next one.

#include <doctest/doctest.h>

#include "provider/ollama_provider.hpp"
#include "provider/openai_provider.hpp"
#include "support/answer_probe.hpp"
#include "support/chat_requests.hpp"
#include "support/http_test_server.hpp"
#include "support/model_wire.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;
using nlohmann::json;

namespace {

/// A provider's wire protocol as the test server speaks it.
struct protocol {
  std::string provider;
  std::string content_type;
  std::string (*start)();
  std::string (*text)(const std::string&);
  std::string (*end)();
  /// The protocol's name in "the answer is not ..." errors.
  std::string described;
  std::string end_marker;
};

std::string nothing() {
  return {};
}

const protocol ollama_wire{"ollama",
                           "application/x-ndjson",
                           nothing,
                           wire::ollama_line,
                           wire::ollama_done,
                           "Ollama's stream of JSON lines",
                           "its final {\"done\":true} line"};

const protocol openai_wire{"openai",
                           "text/event-stream",
                           wire::openai_role,
                           wire::openai_text,
                           wire::openai_end,
                           "an OpenAI chat completion stream",
                           "its final data: [DONE] event"};

/// Runs the rest of the test case once per protocol.
const protocol& each_protocol() {
  static const protocol* current = nullptr;
  SUBCASE("ollama") {
    current = &ollama_wire;
  }
  SUBCASE("openai") {
    current = &openai_wire;
  }
  return *current;
}

std::unique_ptr<model_provider> make_provider(const protocol& p,
                                              std::shared_ptr<http_client> client,
                                              http_provider_options options = {}) {
  if (p.provider == "ollama")
    return std::make_unique<ollama_provider>(std::move(client), options);
  return std::make_unique<openai_provider>(std::move(client), options);
}

/// A whole, good answer in `p`'s protocol.
std::string answer(const protocol& p, const std::string& text) {
  return p.start() + p.text(text) + p.end();
}

std::string model_of(const received_request& request) {
  return request.json().value("model", "");
}

/// Sends one request and waits for its end.
chat_result ask(model_provider& provider, const chat_request& request) {
  answer_probe probe;
  provider.complete(request, probe.on_chunk(), probe.on_done());
  auto result = probe.wait();
  REQUIRE(result);
  CHECK(probe.done_calls() == 1);
  return *result;
}

} // namespace

TEST_CASE("a slow answer holds up no other request") {
  const protocol& p = each_protocol();
  std::shared_ptr<gate> slow_may_answer;
  http_test_server server([&](const received_request& request, response_writer& out) {
    if (model_of(request) == "slow")
      slow_may_answer->wait();
    out.whole(200, p.content_type, answer(p, "answer from " + model_of(request)));
  });
  slow_may_answer = server.make_gate();
  auto provider = make_provider(p, std::make_shared<http_client>());

  answer_probe slow;
  provider->complete(chat_for(p.provider, server.url(), "slow", "sage"), slow.on_chunk(),
                     slow.on_done());
  REQUIRE(server.wait_for_requests(1));

  answer_probe fast;
  provider->complete(chat_for(p.provider, server.url(), "fast", "ddd-expert"), fast.on_chunk(),
                     fast.on_done());
  auto fast_result = fast.wait();
  REQUIRE(fast_result);
  CHECK(fast_result->text == "answer from fast");
  CHECK_FALSE(slow.ended());

  slow_may_answer->open();
  auto slow_result = slow.wait();
  REQUIRE(slow_result);
  CHECK(slow_result->text == "answer from slow");
}

TEST_CASE("a request that takes too long ends with a timeout and the next one is served") {
  const protocol& p = each_protocol();
  std::shared_ptr<gate> never;
  http_test_server server([&](const received_request& request, response_writer& out) {
    if (model_of(request) != "stuck")
      return out.whole(200, p.content_type, answer(p, "fine"));
    out.begin_stream(p.content_type);
    out.chunk(p.start() + p.text("Hel"));
    never->wait(); // opened when the server stops
  });
  never = server.make_gate();
  auto provider = make_provider(p, std::make_shared<http_client>());

  chat_request stuck = chat_for(p.provider, server.url(), "stuck");
  stuck.model.timeout_seconds = 0.25;
  answer_probe probe;
  provider->complete(stuck, probe.on_chunk(), probe.on_done());
  auto result = probe.wait();
  REQUIRE(result);
  CHECK_FALSE(result->ok);
  CHECK(result->error ==
        p.provider + " at " + server.url() + ": timed out: no complete answer within 250 ms");
  CHECK(probe.chunks() == std::vector<std::string>{"Hel"});
  CHECK(probe.done_calls() == 1);

  CHECK(ask(*provider, chat_for(p.provider, server.url(), "llama3")).text == "fine");
}

TEST_CASE("a port nobody listens on ends the request with connection refused") {
  const protocol& p = each_protocol();
  auto provider = make_provider(p, std::make_shared<http_client>());
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port());
  chat_result result = ask(*provider, chat_for(p.provider, url));
  CHECK_FALSE(result.ok);
  CHECK(result.error == p.provider + " at " + url + ": connection refused by " + url);
}

TEST_CASE("HTTP errors say what the status means, with the server's own words") {
  const protocol& p = each_protocol();
  http_test_server server([&](const received_request& request, response_writer& out) {
    const std::string model = model_of(request);
    if (model == "missing")
      out.whole(404, "application/json",
                R"({"error":"model \"missing\" not found, try pulling it first"})");
    else if (model == "busy")
      out.whole(429, "application/json",
                R"({"error":{"message":"Too many requests","type":"rate_limit"}})");
    else if (model == "broken")
      out.whole(500, "text/plain", "boom\n");
    else if (model == "overloaded")
      out.whole(503, "text/html", "<html>\r\n<h1>503 Service Unavailable</h1>\r\n</html>");
    else
      out.whole(200, p.content_type, answer(p, "fine"));
  });
  auto provider = make_provider(p, std::make_shared<http_client>());
  const std::string at = p.provider + " at " + server.url() + ": ";

  CHECK(ask(*provider, chat_for(p.provider, server.url(), "missing")).error ==
        at + "model 'missing' is missing on the server, or the server has no such API "
             "(HTTP 404): model \"missing\" not found, try pulling it first");
  CHECK(ask(*provider, chat_for(p.provider, server.url(), "busy")).error ==
        at + "rate limited by the model server (HTTP 429): Too many requests");
  CHECK(ask(*provider, chat_for(p.provider, server.url(), "broken")).error ==
        at + "model server error (HTTP 500): boom");
  CHECK(ask(*provider, chat_for(p.provider, server.url(), "overloaded")).error ==
        at + "model server error (HTTP 503): <html>  <h1>503 Service Unavailable</h1>  </html>");
  CHECK(ask(*provider, chat_for(p.provider, server.url(), "llama3")).ok);
}

TEST_CASE("a stream cut in the middle ends the request with what arrived so far streamed") {
  const protocol& p = each_protocol();
  http_test_server server([&](const received_request& request, response_writer& out) {
    const std::string model = model_of(request);
    out.begin_stream(p.content_type);
    out.chunk(p.start() + p.text("Hel"));
    if (model == "closed-cleanly")
      out.end_stream();
    if (model == "llama3") {
      out.chunk(p.text("lo") + p.end());
      out.end_stream();
    }
    // "cut": the connection closes with the chunked body unfinished
  });
  auto provider = make_provider(p, std::make_shared<http_client>());
  const std::string at = p.provider + " at " + server.url() + ": ";

  SUBCASE("the connection closes mid-body") {
    answer_probe probe;
    provider->complete(chat_for(p.provider, server.url(), "cut"), probe.on_chunk(),
                       probe.on_done());
    auto result = probe.wait();
    REQUIRE(result);
    CHECK_FALSE(result->ok);
    CHECK(result->error.rfind(at + "stream cut: connection closed mid-answer after ", 0) == 0);
    CHECK(probe.chunks() == std::vector<std::string>{"Hel"});
  }
  SUBCASE("the body ends without the protocol's end") {
    CHECK(ask(*provider, chat_for(p.provider, server.url(), "closed-cleanly")).error ==
          at + "stream cut: the answer ended without " + p.end_marker);
  }
  CHECK(ask(*provider, chat_for(p.provider, server.url(), "llama3")).text == "Hello");
}

TEST_CASE("garbage bytes instead of the protocol end the request with an error") {
  const protocol& p = each_protocol();
  const std::string garbage("\x89PNG\r\n\x1a\n\0\0\xff\xfe garbage\n", 20);
  http_test_server server([&](const received_request& request, response_writer& out) {
    const std::string model = model_of(request);
    if (model == "garbage-body")
      out.whole(200, p.content_type, garbage);
    else if (model == "not-http")
      out.raw(garbage);
    else
      out.whole(200, p.content_type, answer(p, "fine"));
  });
  auto provider = make_provider(p, std::make_shared<http_client>());
  const std::string at = p.provider + " at " + server.url() + ": ";

  const std::string what = p.provider == "ollama" ? "line 1 is not a JSON object"
                                                  : "line 1 is not a server-sent event field";
  CHECK(ask(*provider, chat_for(p.provider, server.url(), "garbage-body")).error ==
        at + "the answer is not " + p.described + ": " + what);
  const std::string not_http = ask(*provider, chat_for(p.provider, server.url(), "not-http")).error;
  CHECK(not_http.rfind(at + "the answer is not valid HTTP (", 0) == 0);
  CHECK(ask(*provider, chat_for(p.provider, server.url(), "llama3")).ok);
}

TEST_CASE("destroying the provider ends the request in flight with an error") {
  const protocol& p = each_protocol();
  std::shared_ptr<gate> never;
  http_test_server server([&](const received_request&, response_writer&) { never->wait(); });
  never = server.make_gate();
  auto provider = make_provider(p, std::make_shared<http_client>());

  answer_probe probe;
  provider->complete(chat_for(p.provider, server.url()), probe.on_chunk(), probe.on_done());
  REQUIRE(server.wait_for_requests(1));
  provider.reset(); // the last owner of the client: its thread joins here

  REQUIRE(probe.ended());
  CHECK(probe.done_calls() == 1);
  CHECK(probe.wait()->error == p.provider + " at " + server.url() +
                                 ": the provider shut down before the answer was complete");
}

TEST_CASE("a shut down client ends new requests at once with an error") {
  const protocol& p = each_protocol();
  auto client = std::make_shared<http_client>();
  auto provider = make_provider(p, client);
  client->shutdown();
  client->shutdown();

  answer_probe probe;
  provider->complete(chat_for(p.provider, "http://127.0.0.1:9"), probe.on_chunk(), probe.on_done());
  REQUIRE(probe.ended());
  CHECK(probe.wait()->error == p.provider +
                                 " at http://127.0.0.1:9: the provider shut down before the "
                                 "request started");
}

TEST_CASE("an endpoint that is not a URL, or TLS to a plain server, fails with a clear error") {
  const protocol& p = each_protocol();
  auto provider = make_provider(p, std::make_shared<http_client>());

  CHECK(ask(*provider, chat_for(p.provider, "localhost:11434")).error ==
        p.provider + ": api_endpoint 'localhost:11434' is not an http:// or https:// URL");
  const std::string with_password =
    ask(*provider, chat_for(p.provider, "http://user:s3cret@127.0.0.1:1/")).error;
  CHECK(with_password.find("s3cret") == std::string::npos);
  CHECK(with_password.find("api_key_env") != std::string::npos);

  http_test_server plain([](const received_request&, response_writer&) {});
  const std::string https = "https://127.0.0.1" + plain.url().substr(plain.url().rfind(':'));
  const std::string error = ask(*provider, chat_for(p.provider, https)).error;
  CHECK(error.rfind(p.provider + " at " + https + ": TLS handshake with " + https + " failed: ",
                    0) == 0);
}

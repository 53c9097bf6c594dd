#include <doctest/doctest.h>

#include "provider/mock_provider.hpp"

using namespace agent_runtime;

namespace {

chat_request question(const std::string& system, const std::string& content) {
  chat_request request;
  request.agent = "sage";
  request.message_id = "01936f11-4ea2-7000-8000-0000000000aa";
  request.model.model_name = "mock-sage";
  request.messages = {{"system", system}, {"user", content}};
  return request;
}

} // namespace

TEST_CASE("the mock model answers the same request the same way, in chunks") {
  mock_provider mock;
  std::string streamed;
  std::size_t chunks = 0;
  chat_result result;
  mock.complete(
    question("You are Sage.", "what now?"),
    [&](std::size_t index, const std::string& text) {
      CHECK(index == chunks++);
      streamed += text;
    },
    [&](chat_result r) { result = std::move(r); });

  REQUIRE(result.ok);
  CHECK(result.text == streamed);
  CHECK(result.chunks == chunks);
  CHECK(chunks > 1);
  CHECK(result.text.find("what now?") != std::string::npos);
  CHECK(result.text == mock_provider::answer_for(question("You are Sage.", "what now?")));
}

TEST_CASE("the mock model's answer depends on the system prompt and the context") {
  const std::string a = mock_provider::answer_for(question("You are Sage.", "q"));
  const std::string b = mock_provider::answer_for(question("You are someone else.", "q"));
  CHECK(a != b);
}

#include <doctest/doctest.h>

#include "agent/command.hpp"

using namespace agent_runtime;

namespace {

const char* sage_id = "01936f11-4ea2-7000-8000-000000000001";

std::string error_of(std::string_view payload) {
  auto parsed = parse_command(payload);
  REQUIRE(std::holds_alternative<command_error>(parsed));
  return std::get<command_error>(parsed).message;
}

command command_of(std::string_view payload) {
  auto parsed = parse_command(payload);
  if (auto* e = std::get_if<command_error>(&parsed))
    FAIL("unexpected error: " << e->message);
  return std::get<command>(parsed);
}

} // namespace

TEST_CASE("a bare ping is a ping, with or without whitespace") {
  CHECK(std::holds_alternative<ping_command>(command_of("ping")));
  CHECK(std::holds_alternative<ping_command>(command_of("  ping\n")));
}

TEST_CASE("each command of the contract parses with its fields") {
  SUBCASE("DeployAgent") {
    auto cmd = std::get<deploy_agent>(command_of(
      R"({"type":"DeployAgent","agent_id":"01936f11-4ea2-7000-8000-000000000001",
          "person_id":"01936f11-4ea2-7000-8000-0000000000ff","name":"sage","extra":1})"));
    CHECK(cmd.agent_id == sage_id);
    CHECK(cmd.name == "sage");
    CHECK(cmd.description.empty());
  }
  SUBCASE("a field set to null is absent") {
    auto cmd = std::get<deploy_agent>(command_of(
      R"({"type":"DeployAgent","agent_id":"01936f11-4ea2-7000-8000-000000000001",
          "person_id":"01936f11-4ea2-7000-8000-0000000000ff","name":"sage","description":null})"));
    CHECK(cmd.description.empty());
    CHECK(error_of(R"({"type":"DeployAgent","agent_id":"01936f11-4ea2-7000-8000-000000000001",
                      "person_id":"01936f11-4ea2-7000-8000-0000000000ff","name":null})") ==
          "DeployAgent: missing field 'name'");
    auto configure = std::get<configure_model>(command_of(
      R"({"type":"ConfigureModel","agent_id":"01936f11-4ea2-7000-8000-000000000001",
          "config":{"provider":"mock","model_name":"m","system_prompt":null}})"));
    CHECK_FALSE(configure.config.system_prompt);
  }
  SUBCASE("ConfigureModel") {
    auto cmd = std::get<configure_model>(command_of(
      R"({"type":"ConfigureModel","agent_id":"01936f11-4ea2-7000-8000-000000000001",
          "config":{"provider":"ollama","model_name":"llama3","temperature":0.3,"top_p":1,
                    "max_tokens":512,"stop_sequences":["END"],"system_prompt":"be brief",
                    "api_endpoint":"http://127.0.0.1:11434","api_key_env":"OLLAMA_KEY",
                    "timeout_seconds":30}})"));
    CHECK(cmd.config.provider == "ollama");
    CHECK(cmd.config.model_name == "llama3");
    CHECK(*cmd.config.temperature == doctest::Approx(0.3));
    CHECK(*cmd.config.max_tokens == 512);
    CHECK(cmd.config.stop_sequences == std::vector<std::string>{"END"});
    CHECK(*cmd.config.system_prompt == "be brief");
    CHECK(cmd.config.api_endpoint == "http://127.0.0.1:11434");
    CHECK(cmd.config.api_key_env == "OLLAMA_KEY");
    CHECK(*cmd.config.timeout_seconds == doctest::Approx(30));
  }
  SUBCASE("ActivateAgent, SuspendAgent, DecommissionAgent") {
    CHECK(std::holds_alternative<activate_agent>(
      command_of(R"({"type":"ActivateAgent","agent_id":"01936f11-4ea2-7000-8000-000000000001"})")));
    auto suspend = std::get<suspend_agent>(command_of(
      R"({"type":"SuspendAgent","agent_id":"01936f11-4ea2-7000-8000-000000000001","reason":"maintenance"})"));
    CHECK(suspend.reason == "maintenance");
    CHECK(std::holds_alternative<decommission_agent>(command_of(
      R"({"type":"DecommissionAgent","agent_id":"01936f11-4ea2-7000-8000-000000000001"})")));
  }
  SUBCASE("SendMessage with context") {
    auto cmd = std::get<send_message>(command_of(
      R"({"type":"SendMessage","agent_id":"01936f11-4ea2-7000-8000-000000000001",
          "message_id":"01936f11-4ea2-7000-8000-0000000000aa","content":"hello",
          "context":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]})"));
    CHECK(cmd.content == "hello");
    REQUIRE(cmd.context.size() == 2);
    CHECK(cmd.context[1].role == "assistant");
  }
}

TEST_CASE("a payload that is not a command gets an error naming what is wrong") {
  CHECK(error_of("") == "empty payload: expected a JSON command or ping");
  CHECK(error_of("{not json") == "payload is not valid JSON (error at byte 3)");
  CHECK(error_of("[1,2]") == "payload must be a JSON object with a \"type\" field");
  CHECK(error_of(R"({"agent_id":"x"})") == "missing field 'type'");
  CHECK(error_of(R"({"type":7})") == "field 'type' must be a string");
  CHECK(error_of(R"({"type":"Launch"})") ==
        "unknown command type 'Launch' (expected DeployAgent, ConfigureModel, ActivateAgent, "
        "SuspendAgent, DecommissionAgent or SendMessage)");
  CHECK(error_of(R"({"type":"ActivateAgent"})") == "ActivateAgent: missing field 'agent_id'");
  CHECK(error_of(R"({"type":"ActivateAgent","agent_id":42})") ==
        "ActivateAgent: field 'agent_id' must be a string");
  CHECK(error_of(R"({"type":"ActivateAgent","agent_id":"sage"})") ==
        "ActivateAgent: field 'agent_id' must be a UUID, got 'sage'");
  CHECK(
    error_of(
      R"({"type":"SuspendAgent","agent_id":"01936f11-4ea2-7000-8000-000000000001","reason":" "})") ==
    "SuspendAgent: field 'reason' must not be empty");
}

TEST_CASE("model configs outside the contract's ranges are refused") {
  auto configure = [](const std::string& config) {
    return error_of(
      R"({"type":"ConfigureModel","agent_id":"01936f11-4ea2-7000-8000-000000000001","config":)" +
      config + "}");
  };
  CHECK(configure(R"({"provider":"gpt","model_name":"m"})") ==
        "ConfigureModel: field 'config.provider' unknown provider 'gpt' (expected openai, "
        "anthropic, ollama or mock)");
  CHECK(configure(R"({"provider":"mock","model_name":"m","temperature":2.5})") ==
        "ConfigureModel: field 'config.temperature' must be between 0 and 2");
  CHECK(configure(R"({"provider":"mock","model_name":"m","top_p":-0.1})") ==
        "ConfigureModel: field 'config.top_p' must be between 0 and 1");
  CHECK(configure(R"({"provider":"mock","model_name":"m","temperature":"hot"})") ==
        "ConfigureModel: field 'config.temperature' must be a number");
  CHECK(configure(R"({"provider":"mock","model_name":"m","max_tokens":0})") ==
        "ConfigureModel: field 'config.max_tokens' must be a positive integer");
  CHECK(configure(R"({"provider":"mock","model_name":"m","stop_sequences":[1]})") ==
        "ConfigureModel: field 'config.stop_sequences' must be a list of strings");
  CHECK(configure(R"({"provider":"mock","model_name":"m","timeout_seconds":0})") ==
        "ConfigureModel: field 'config.timeout_seconds' must be a positive number");
  CHECK(configure(R"({"provider":"mock","model_name":"m","api_key_env":5})") ==
        "ConfigureModel: field 'config.api_key_env' must be a string");
  CHECK(configure(R"("mock")") == "ConfigureModel: field 'config' must be an object");
  CHECK(configure(R"({"provider":"ollama","model_name":"m","api_endpoint":"not a url"})") ==
        "ConfigureModel: field 'config.api_endpoint' must be an http:// or https:// URL with a "
        "host");
  CHECK(configure(R"({"provider":"ollama","model_name":"m","api_endpoint":"file:///etc/passwd"})")
          .find("must be an http:// or https:// URL") != std::string::npos);
  // The password is not echoed.
  CHECK(
    configure(
      R"({"provider":"ollama","model_name":"m","api_endpoint":"http://u:s3cret@127.0.0.1:1/"})") ==
    "ConfigureModel: field 'config.api_endpoint' must not carry credentials (the key goes in "
    "api_key_env)");
}

TEST_CASE("SendMessage checks its content and context") {
  const std::string head =
    R"({"type":"SendMessage","agent_id":"01936f11-4ea2-7000-8000-000000000001","message_id":"01936f11-4ea2-7000-8000-0000000000aa",)";
  CHECK(error_of(head + R"("content":""})") == "SendMessage: field 'content' must not be empty");
  CHECK(error_of(head + R"("content":"hi","context":{}})") ==
        "SendMessage: field 'context' must be a list");
  CHECK(error_of(head + R"("content":"hi","context":[{"role":"robot","content":"x"}]})") ==
        "SendMessage: field 'context[0].role' must be system, user or assistant, got 'robot'");
  CHECK(error_of(head + R"("content":"hi","context":["x"]})") ==
        "SendMessage: field 'context[0]' must be an object with role and content");
}

TEST_CASE("a number too large for a double is refused, not thrown (found by command_fuzz)") {
  CHECK(error_of(R"({"type":"ActivateAgent","agent_id":"x","n":3e332})") ==
        "payload is not valid JSON (a number out of range)");
}

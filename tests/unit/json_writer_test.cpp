#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/agent_core.hpp"
#include "agent/json_writer.hpp"

using namespace agent_runtime;
using nlohmann::json;

TEST_CASE("the json writer writes what nlohmann would, escapes included") {
  const std::string awkward = "quote \" backslash \\ tab \t newline \n bell \a unicode \xc3\xa9";
  const std::string written = json_writer()
                                .field("a", awkward)
                                .begin_object("b")
                                .field("n", std::uint64_t{18446744073709551615u})
                                .field("z", "")
                                .end_object()
                                .field("c", 0)
                                .finish();
  const json expected = {
    {"a", awkward}, {"b", {{"n", 18446744073709551615u}, {"z", ""}}}, {"c", 0}};
  CHECK(written == expected.dump());
  CHECK(json::parse(written) == expected);
}

TEST_CASE("a ping reply reads exactly as nlohmann would have written it") {
  agent_definition sage;
  sage.name = "sage";
  sage.id = "01936f11-4ea2-7000-8000-000000000001";
  sage.cluster = "orchestration";
  sage.version = "1.2.3";
  sage.model.provider = "mock";
  sage.model.model_name = "mock \"sage\"";
  agent_core agent(sage, {"9.9.9", "host\\name:1"});
  agent.handle({subject_kind::inbox, "agent.to.sage.from.test.ping", "_INBOX.r", ""});
  agent_core::outcome out =
    agent.handle({subject_kind::inbox, "agent.to.sage.from.test.ping", "_INBOX.r", ""});

  REQUIRE(out.reply);
  const json parsed = json::parse(*out.reply);
  CHECK(*out.reply == parsed.dump());
  CHECK(parsed["model"] == "mock \"sage\"");
  CHECK(parsed["instance"] == "host\\name:1");
  CHECK(parsed["counters"]["inbox"] == 2);
  CHECK(parsed["counters"]["ok"] == 2);
  CHECK(parsed.size() == 11);
}

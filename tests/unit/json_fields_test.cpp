// The typed field reader behind commands and admin requests: what each
// wrong field is told, with its full name.

#include <doctest/doctest.h>

#include <functional>
#include <limits>
#include <string>

#include "config/json_fields.hpp"

using namespace agent_runtime;
using nlohmann::json;

namespace {

/// The problem `read` runs into; empty when it reads fine.
std::string problem_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const field_problem& problem) {
    return problem.message;
  }
  return {};
}

} // namespace

TEST_CASE("a field set to null reads as absent") {
  const json object = json::parse(R"({"name": null, "limit": null, "ratio": null})");
  const json_fields in(object);
  CHECK(in.text("name", false).empty());
  CHECK(in.count("limit", 10, 7) == 7);
  CHECK(in.fraction("ratio", 0.5) == 0.5);
  CHECK(problem_of([&] { in.text("name"); }) == "missing field 'name'");
}

TEST_CASE("text: of the wrong type, or blank where it must not be") {
  const json object = json::parse(R"({"name": 5, "blank": " \t", "ok": "x"})");
  const json_fields in(object, "config.");
  CHECK(problem_of([&] { in.text("name"); }) == "field 'config.name' must be a string");
  CHECK(problem_of([&] { in.text("blank", true, true); }) ==
        "field 'config.blank' must not be empty");
  CHECK(in.text("blank") == " \t");
  CHECK(in.text("ok", true, true) == "x");
  CHECK(problem_of([&] { in.text("absent"); }) == "missing field 'config.absent'");
}

TEST_CASE("count: a whole number within its range") {
  const json object =
    json::parse(R"({"n": 3, "negative": -1, "big": 18446744073709551615, "half": 1.5})");
  const json_fields in(object);
  CHECK(in.count("n", 3, 0) == 3);
  CHECK(problem_of([&] { in.count("n", 2, 0); }) == "field 'n' must be at most 2");
  CHECK(problem_of([&] { in.count("negative", 2, 0); }) == "field 'negative' must not be negative");
  CHECK(problem_of([&] { in.count("big", 100, 0); }) == "field 'big' must be at most 100");
  CHECK(problem_of([&] { in.count("half", 2, 0); }) == "field 'half' must be an integer");
  const json floats = json::parse(
    R"({"whole": 3.0, "huge": 1e300, "past_64_bits": 18446744073709551616, "below": -1e300})");
  const json_fields f(floats);
  CHECK(f.count("whole", 3, 0) == 3);
  CHECK(problem_of([&] { f.count("huge", 86400000, 0); }) ==
        "field 'huge' must be at most 86400000");
  CHECK(problem_of([&] {
          f.count("past_64_bits", std::numeric_limits<std::uint64_t>::max(), 0);
        }) == "field 'past_64_bits' must be at most 18446744073709551615");
  CHECK(problem_of([&] { f.count("below", 5, 0); }) == "field 'below' must not be negative");
  CHECK(f.integer("whole") == 3);
  CHECK(problem_of([&] { f.integer("huge"); }) ==
        "field 'huge' must be at most 9223372036854775807");
  CHECK(problem_of([&] { f.integer("below"); }) ==
        "field 'below' must be at least -9223372036854775808");
  const json unsigned_big = json::parse(R"({"n": 9223372036854775808})");
  CHECK(problem_of([&] { json_fields(unsigned_big).integer("n"); }) ==
        "field 'n' must be at most 9223372036854775807");
  CHECK(in.millis("n", std::chrono::milliseconds(5), std::chrono::milliseconds(1)) ==
        std::chrono::milliseconds(3));
}

TEST_CASE("fraction, number and integer") {
  const json object = json::parse(R"({"f": 0.25, "over": 1.01, "word": "a", "i": 4})");
  const json_fields in(object);
  CHECK(in.fraction("f", 1) == 0.25);
  CHECK(problem_of([&] { in.fraction("over", 1); }) == "field 'over' must be from 0 to 1");
  CHECK(problem_of([&] { in.number("word"); }) == "field 'word' must be a number");
  CHECK(problem_of([&] { in.integer("f"); }) == "field 'f' must be an integer");
  CHECK(in.integer("i") == 4);
  CHECK_FALSE(in.number("absent"));
}

TEST_CASE("lists and objects") {
  const json object = json::parse(R"({"l": [1], "o": {}, "s": "x"})");
  const json_fields in(object);
  CHECK(in.list("l", true)->size() == 1);
  CHECK(in.list("absent", false) == nullptr);
  CHECK(problem_of([&] { in.list("s", false); }) == "field 's' must be a list");
  CHECK(in.object("o").empty());
  CHECK(problem_of([&] { in.object("s"); }) == "field 's' must be an object");
  CHECK(problem_of([&] { in.object("absent"); }) == "missing field 'absent'");
}

TEST_CASE("a payload that is not JSON says where") {
  json out;
  CHECK(parse_json(R"({"a": 1})", out) == std::nullopt);
  CHECK(out["a"] == 1);
  CHECK(parse_json("{\"a\": x}", out) == "payload is not valid JSON (error at byte 7)");
  CHECK(parse_json("[1e400]", out) == "payload is not valid JSON (a number out of range)");
}

TEST_CASE("a value echoed in a message is quoted and cut short") {
  CHECK(echoed("sdlc") == "'sdlc'");
  CHECK(echoed(std::string(100, 'x'), 4) == "'xxxx...' (100 bytes)");
}

TEST_CASE("regression: a value cut inside a character is cut before it instead") {
  // "é" is two bytes, "€" three: a cut at byte 4 falls inside the second
  // "é", at byte 2 inside the "€".
  CHECK(echoed("aééé", 4) == "'aé...' (7 bytes)");
  CHECK(echoed("a€b", 2) == "'a...' (5 bytes)");
  CHECK(echoed("a€b", 4) == "'a€...' (5 bytes)");
  const std::string long_name = "a" + [] {
    std::string s;
    for (int i = 0; i < 60; ++i)
      s += "é";
    return s;
  }();
  CHECK_NOTHROW((void)nlohmann::json(echoed(long_name)).dump());
}

TEST_CASE("JSON text for replies replaces bytes that are not UTF-8 instead of throwing") {
  const nlohmann::json reply = {{"status", "error"}, {"message", "unknown agent 'x\xff'"}};
  CHECK_THROWS((void)reply.dump());
  CHECK(json_text(reply) == "{\"message\":\"unknown agent 'x\xEF\xBF\xBD'\",\"status\":\"error\"}");
  CHECK(json_text({{"a", "é"}}) == "{\"a\":\"é\"}");
}

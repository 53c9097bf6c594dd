#include <doctest/doctest.h>

#include "admin/admin_request.hpp"

using namespace agent_runtime;

namespace {

std::string error_of(admin_verb verb, std::string_view payload) {
  auto parsed = parse_admin_request(verb, payload);
  REQUIRE(std::holds_alternative<admin_request_error>(parsed));
  return std::get<admin_request_error>(parsed).message;
}

admin_request request_of(admin_verb verb, std::string_view payload) {
  auto parsed = parse_admin_request(verb, payload);
  if (auto* e = std::get_if<admin_request_error>(&parsed))
    FAIL("unexpected error: " << e->message);
  return std::get<admin_request>(parsed);
}

} // namespace

TEST_CASE("the verbs of the admin subject, and which of them steer") {
  for (const char* name :
       {"status", "enable", "disable", "suspend", "resume", "upgrade", "rollback"}) {
    auto verb = admin_verb_named(name);
    REQUIRE(verb);
    CHECK(std::string(admin_verb_name(*verb)) == name);
    CHECK(admin_verb_steers(*verb) == (std::string(name) != "status"));
  }
  CHECK_FALSE(admin_verb_named("reboot"));
  CHECK_FALSE(admin_verb_named("Status"));
  CHECK_FALSE(admin_verb_named(""));
}

TEST_CASE("each admin request parses with its fields; an empty payload is an empty object") {
  CHECK(request_of(admin_verb::status, "").verb == admin_verb::status);
  CHECK(request_of(admin_verb::status, " \n").verb == admin_verb::status);

  auto disable = request_of(admin_verb::disable, R"({"cluster":"sdlc","reason":"audit","x":1})");
  CHECK(disable.cluster == "sdlc");
  CHECK(disable.reason == "audit");
  CHECK(request_of(admin_verb::enable, R"({"cluster":"sdlc"})").reason.empty());

  auto suspend = request_of(admin_verb::suspend, R"({"agent":"sage"})");
  CHECK(suspend.agent == "sage");
  CHECK(suspend.cluster.empty());

  auto upgrade = request_of(admin_verb::upgrade, R"({"cluster":"sdlc","release":"/srv/r2",
    "rollout":"r2","soak_ms":0,"max_error_rate":1,"max_latency_ms":3600000,
    "max_restarts":4294967295,"min_requests":0})");
  CHECK(upgrade.release == "/srv/r2");
  CHECK(upgrade.upgrade.rollout == "r2");
  CHECK(upgrade.upgrade.soak.count() == 0);
  CHECK(upgrade.upgrade.thresholds.max_error_rate == 1.0);
  CHECK(upgrade.upgrade.thresholds.max_latency.count() == 3600000);
  CHECK(upgrade.upgrade.thresholds.max_restarts == 4294967295u);
  CHECK(upgrade.upgrade.thresholds.min_requests == 0);

  auto defaults = request_of(admin_verb::upgrade, R"({"cluster":"sdlc","release":"r"})");
  const upgrade_options none;
  CHECK(defaults.upgrade.soak == none.soak);
  CHECK(defaults.upgrade.thresholds.max_error_rate == none.thresholds.max_error_rate);
  CHECK(defaults.upgrade.thresholds.min_requests == none.thresholds.min_requests);

  CHECK(request_of(admin_verb::rollback, R"({"cluster":"sdlc"})").cluster == "sdlc");
}

TEST_CASE("a payload that is not a JSON object is refused with the verb") {
  CHECK(error_of(admin_verb::status, "[1]") == "status: payload must be a JSON object");
  CHECK(error_of(admin_verb::enable, "{\"cluster\":") ==
        "enable: payload is not valid JSON (error at byte 12)");
  CHECK(error_of(admin_verb::upgrade, R"({"soak_ms":1e400})") ==
        "upgrade: payload is not valid JSON (a number out of range)");
}

TEST_CASE("regression: mistyped, missing and empty fields are refused by name") {
  // Each of these once threw inside the admin actor and ended it.
  CHECK(error_of(admin_verb::disable, R"({"cluster":5})") ==
        "disable: field 'cluster' must be a string");
  CHECK(error_of(admin_verb::suspend, R"({"agent":"sage","reason":true})") ==
        "suspend: field 'reason' must be a string");
  CHECK(error_of(admin_verb::disable, "{}") == "disable: missing field 'cluster'");
  CHECK(error_of(admin_verb::enable, R"({"cluster":null})") == "enable: missing field 'cluster'");
  CHECK(error_of(admin_verb::resume, R"({"agent":"  "})") ==
        "resume: field 'agent' must not be empty");
  CHECK(error_of(admin_verb::upgrade, R"({"cluster":"sdlc"})") ==
        "upgrade: missing field 'release'");
  CHECK(error_of(admin_verb::rollback, R"({"cluster":["sdlc"]})") ==
        "rollback: field 'cluster' must be a string");
}

TEST_CASE("regression: an upgrade's numbers out of their range are refused, not cast") {
  // 1e300 as soak_ms was cast to an integer: undefined behaviour.
  const std::string base = R"({"cluster":"sdlc","release":"r",)";
  CHECK(error_of(admin_verb::upgrade, base + R"("soak_ms":1e300})") ==
        "upgrade: field 'soak_ms' must be at most 86400000");
  CHECK(error_of(admin_verb::upgrade, base + R"("soak_ms":2.5})") ==
        "upgrade: field 'soak_ms' must be an integer");
  CHECK(error_of(admin_verb::upgrade, base + R"("soak_ms":"60s"})") ==
        "upgrade: field 'soak_ms' must be an integer");
  CHECK(error_of(admin_verb::upgrade, base + R"("soak_ms":-1})") ==
        "upgrade: field 'soak_ms' must not be negative");
  CHECK(error_of(admin_verb::upgrade, base + R"("soak_ms":86400001})") ==
        "upgrade: field 'soak_ms' must be at most 86400000");
  CHECK(error_of(admin_verb::upgrade, base + R"("max_latency_ms":18446744073709551615})") ==
        "upgrade: field 'max_latency_ms' must be at most 86400000");
  CHECK(error_of(admin_verb::upgrade, base + R"("max_restarts":4294967296})") ==
        "upgrade: field 'max_restarts' must be at most 4294967295");
  CHECK(error_of(admin_verb::upgrade, base + R"("max_error_rate":1.5})") ==
        "upgrade: field 'max_error_rate' must be from 0 to 1");
  CHECK(error_of(admin_verb::upgrade, base + R"("max_error_rate":"low"})") ==
        "upgrade: field 'max_error_rate' must be a number");
  CHECK(request_of(admin_verb::upgrade, base + R"("min_requests":18446744073709551615})")
          .upgrade.thresholds.min_requests == 18446744073709551615u);
}

// Fuzzes the parser of admin requests: a first line naming the verb (as the
// last token of `agent.admin.<verb>`), then the payload. Any bytes give a
// request whose fields its verb needs are set and in range, or an error
// that names the verb and says what is wrong; never a crash.

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "admin/admin_request.hpp"
#include "fuzz/fuzz_input.hpp"

namespace {

using namespace agent_runtime;

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

/// Whether a parsed request has what its verb needs.
bool complete(const admin_request& request) {
  switch (request.verb) {
    case admin_verb::status:
      return true;
    case admin_verb::enable:
    case admin_verb::disable:
    case admin_verb::rollback:
      return !blank(request.cluster);
    case admin_verb::suspend:
    case admin_verb::resume:
      return !blank(request.agent);
    case admin_verb::upgrade: {
      const auto& up = request.upgrade;
      const auto& gate = up.thresholds;
      return !blank(request.cluster) && !blank(request.release) && up.soak.count() >= 0 &&
             up.soak <= max_admin_soak && gate.max_latency.count() >= 0 &&
             gate.max_latency <= max_admin_soak && gate.max_error_rate >= 0.0 &&
             gate.max_error_rate <= 1.0;
    }
  }
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::fuzz_input input(data, size);
  const auto verb = admin_verb_named(input.line());
  if (!verb)
    return 0;
  auto parsed = parse_admin_request(*verb, input.rest());
  if (auto* request = std::get_if<admin_request>(&parsed)) {
    if (request->verb != *verb || !complete(*request))
      __builtin_trap();
  } else {
    const std::string prefix = std::string(admin_verb_name(*verb)) + ": ";
    const std::string& message = std::get<admin_request_error>(parsed).message;
    if (message.size() <= prefix.size() || message.compare(0, prefix.size(), prefix) != 0)
      __builtin_trap(); // an error must name the verb and say what is wrong
    // What it echoes of the payload, cut short, must still be UTF-8 (the
    // payload's strings are, once parsed).
    if (!fuzzing::is_utf8(message))
      __builtin_trap();
  }
  return 0;
}

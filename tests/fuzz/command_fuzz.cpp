// Fuzzes the parser of request payloads: any bytes give a command or an
// error that says what is wrong, in UTF-8, never a crash.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "agent/command.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agent_runtime;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_command(payload);
  if (auto* cmd = std::get_if<command>(&parsed)) {
    (void)command_name(*cmd);
    (void)addressed_agent(*cmd);
  } else {
    const std::string& message = std::get<command_error>(parsed).message;
    if (message.empty())
      __builtin_trap(); // an error must say what is wrong
    // It goes into a JSON reply: what it echoes of the payload, cut short,
    // must still be UTF-8 (a payload that parsed as JSON is).
    if (!agent_runtime::fuzzing::is_utf8(message))
      __builtin_trap();
  }
  return 0;
}

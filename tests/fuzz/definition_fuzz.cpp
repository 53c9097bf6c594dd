// Fuzzes the parser of agent definitions (front matter and system prompt):
// a definition is read whole or refused with a config_error that names the
// file; nothing else may escape.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/fleet_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agent_runtime;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const agent_definition agent = parse_agent_definition(text, "agents/fuzz.md");
    if (agent.file != "agents/fuzz.md")
      __builtin_trap();
  } catch (const config_error& e) {
    if (std::string(e.what()).rfind("agents/fuzz.md", 0) != 0)
      __builtin_trap(); // a refusal names the file first
  }
  return 0;
}

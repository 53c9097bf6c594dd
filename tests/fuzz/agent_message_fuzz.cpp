// Fuzzes what an agent does with a message from outside: any subject kind,
// subject and payload, in any order, against one agent whose state carries
// over from input to input. Every request must get exactly one reply, and
// the state must stay one the lifecycle knows.

#include <cstddef>
#include <cstdint>
#include <memory>

#include <spdlog/spdlog.h>

#include "agent/agent_core.hpp"
#include "fuzz/fuzz_input.hpp"

namespace {

using namespace agent_runtime;

agent_definition sage() {
  agent_definition d;
  d.name = "sage";
  d.id = "01936f11-4ea2-7000-8000-000000000001";
  d.cluster = "orchestration";
  d.version = "1.0.0";
  d.model.provider = "mock";
  d.model.model_name = "mock-sage";
  d.system_prompt = "You orchestrate.";
  return d;
}

agent_core& the_agent() {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  static agent_core core(sage(), {"fuzz", "fuzz:1"});
  return core;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::fuzz_input in(data, size);
  agent_core& core = the_agent();

  while (!in.empty()) {
    inbound_message message;
    message.kind = static_cast<subject_kind>(in.byte() % 3);
    message.subject = in.line();
    message.reply = (in.byte() & 1) ? "_INBOX.fuzz" : "";
    message.payload = in.line();

    auto outcome = core.handle(message);
    if (outcome.completion) {
      chat_result result;
      result.ok = in.byte() & 1;
      result.text = result.ok ? "answer" : "";
      result.error = result.ok ? "" : "model failed";
      outcome.reply = core.finish(*outcome.completion, result);
    }
    if (!outcome.reply || outcome.reply->empty())
      __builtin_trap(); // every request is answered
    (void)to_string(core.state());
  }
  return 0;
}

// Fuzzes the conversation subjects' requests: a subject line, then header
// lines `Name: value`, then an empty line and the payload. The relay must
// answer each request exactly once, on the caller's reply subject, and leave
// nothing waiting once the agent has answered.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.hpp"
#include "routing/conversation_relay.hpp"
#include "support/fake_routing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agent_runtime;
  using namespace agent_runtime::testing;
  fuzzing::fuzz_input input(data, size);
  const std::uint8_t steer = input.byte();
  inbound_message message;
  message.subject = input.line();
  const std::string caller = "_INBOX.caller";
  message.reply = caller;
  message_headers headers;
  for (std::string line = input.line(); !line.empty() && !input.empty(); line = input.line()) {
    const auto colon = line.find(':');
    headers.emplace_back(line.substr(0, colon),
                         colon == std::string::npos ? std::string() : line.substr(colon + 1));
  }
  message.payload = input.rest();

  fake_dispatcher agents;
  agents.next = static_cast<dispatch_result>(steer % 4);
  fake_nats nats;
  subject_route route{"agent.*.*.x.command.>", "q.sage", subject_kind::agent_ref, "sage", 0};
  conversation_relay relay(nats, nats, {{"orchestration.sage.x", route, (steer & 4) == 0}});
  relay.on_request(message, headers, agents);
  for (const inbound_message& taken : agents.accepted)
    relay.publish(taken.reply, "{\"status\":\"ok\"}");
  std::size_t to_caller = 0;
  for (const sent_message& m : nats.sent)
    to_caller += m.subject == caller ? 1 : 0;
  if (to_caller != 1 || relay.waiting() != 0)
    __builtin_trap();
  return 0;
}

#pragma once
// The yardstick: a plain nats.c responder that answers every agent's
// subjects, in the runtime's queue groups, with a fixed ping-like reply and
// no actors in between. `bench responder` runs it as its own process.

#include <string>

namespace agent_runtime::bench {

/// Serves the agents of `config` on `url` until SIGTERM or SIGINT; the exit
/// code (0 ok, 1 NATS or config trouble).
int run_bare_responder(const std::string& url, const std::string& config);

} // namespace agent_runtime::bench

#pragma once
// The error reply to a request that no agent took: the same words whichever
// subscription the request came in on.

#include <cstddef>
#include <string>

#include "routing/subject_route.hpp"

namespace agent_runtime {

/// Why `agent` (of `cluster`, which may hold `limit` requests) did not take
/// a request, in words for the caller.
inline std::string refusal_text(dispatch_result why, const std::string& agent,
                                const std::string& cluster, std::size_t limit) {
  switch (why) {
    case dispatch_result::busy:
      return "agent " + agent + " is busy (" + std::to_string(limit) +
             " requests in flight); retry later";
    case dispatch_result::disabled:
      return "cluster " + cluster + " is disabled; agent " + agent +
             " takes no requests until an operator enables it";
    case dispatch_result::no_actor:
      return "agent " + agent + " is not running";
    case dispatch_result::accepted:
      break;
  }
  return {};
}

/// The reply payload for such a refusal: `{"status":"error","message":...}`
/// with `"busy":true` or `"disabled":true` where it applies. The text holds
/// no character that JSON would need escaped (names are validated tokens).
inline std::string refusal_reply(dispatch_result why, const std::string& agent,
                                 const std::string& cluster, std::size_t limit) {
  const char* flag = why == dispatch_result::busy       ? ",\"busy\":true}"
                     : why == dispatch_result::disabled ? ",\"disabled\":true}"
                                                        : "}";
  return "{\"status\":\"error\",\"message\":\"" + refusal_text(why, agent, cluster, limit) + "\"" +
         flag;
}

} // namespace agent_runtime

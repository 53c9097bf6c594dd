#pragma once
// The messages the fleet's actors exchange.

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "agent/agent_core.hpp"
#include "provider/model_provider.hpp"
#include "routing/inbound_message.hpp"
#include "upgrade/agent_code.hpp"

namespace agent_runtime {

/// A message from NATS for an agent.
using incoming_atom = caf::atom_constant<caf::atom("incoming")>;
/// A model's answer coming back to its agent.
using completed_atom = caf::atom_constant<caf::atom("completed")>;
/// Finish what is queued, then stop.
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
/// Answer once everything below has started.
using ready_atom = caf::atom_constant<caf::atom("ready")>;
/// An agent tells its cluster that a request failed inside it.
using failure_atom = caf::atom_constant<caf::atom("failure")>;
/// Finish what is queued, hand the state to the given successor, stop.
using retire_atom = caf::atom_constant<caf::atom("retire")>;
/// A predecessor's state for its successor.
using handover_atom = caf::atom_constant<caf::atom("handover")>;
/// Describe yourself (and what is below you) as JSON.
using status_atom = caf::atom_constant<caf::atom("status")>;
/// A request on an admin subject.
using admin_atom = caf::atom_constant<caf::atom("admin")>;
/// Time for the watchdog's next round.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// Stop taking work: the agent failed too often.
using fail_atom = caf::atom_constant<caf::atom("fail")>;

/// Swap a cluster to a release (`release`, `upgrade_options`).
using upgrade_atom = caf::atom_constant<caf::atom("upgrade")>;
/// Swap a cluster back to its previous version.
using rollback_atom = caf::atom_constant<caf::atom("rollback")>;
/// A successor took over its predecessor's state during a swap.
using swapped_atom = caf::atom_constant<caf::atom("swapped")>;
/// An agent's state, asked for before a swap to try the migration on it.
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
/// Time to check the health of a soaking version.
using soak_atom = caf::atom_constant<caf::atom("soak")>;

/// A model request in flight, and where its reply goes.
struct completion {
  std::string reply_subject;
  chat_request request;
  chat_result result;
  /// When the request arrived, for latencies.
  std::chrono::steady_clock::time_point received{};
};

} // namespace agent_runtime

// These never leave the process, so they need no serialization.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agent_runtime::inbound_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agent_runtime::completion)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agent_runtime::agent_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agent_runtime::release_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agent_runtime::upgrade_options)

#include "admin/admin_actor.hpp"

#include <nlohmann/json.hpp>

#include "admin/admin_request.hpp"

#include "app/log.hpp"
#include "config/json_fields.hpp"
#include "routing/route_table.hpp"
#include "routing/subjects.hpp"
#include "supervision/atoms.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;
using self_ptr = caf::stateful_actor<admin_state>*;

void answer(self_ptr self, const inbound_message& request, const json& reply) {
  if (!request.reply.empty())
    self->state.replies->publish(request.reply, json_text(reply));
}

/// Counts and logs a refusal, without answering.
void note_refusal(self_ptr self, const inbound_message& request, const std::string& why) {
  ++self->state.refused;
  component_logger("admin")->warn("[admin] refused subject={} reason=\"{}\"", request.subject, why);
}

void refuse(self_ptr self, const inbound_message& request, const std::string& why) {
  note_refusal(self, request, why);
  answer(self, request, {{"status", "error"}, {"message", why}});
}

/// The operator behind the request, or a refusal sent and nothing.
std::optional<std::string> authorise(self_ptr self, const inbound_message& request) {
  auto who = self->state.operators.identify(request.authorization);
  if (!who) {
    ++self->state.unauthorised;
    refuse(self, request,
           request.authorization.empty()
             ? "not authorised: steering the fleet needs an operator token (Authorization header)"
             : "not authorised: the operator token is not valid");
  }
  return who;
}

void status(self_ptr self, const inbound_message& request) {
  self->request(self->state.supervisor, std::chrono::seconds(10), status_atom::value)
    .then(
      [=](const std::string& clusters) {
        answer(self, request,
               {{"status", "ok"},
                {"clusters", json::parse(clusters)},
                {"admin",
                 {{"requests", self->state.requests},
                  {"refused", self->state.refused},
                  {"unauthorised", self->state.unauthorised}}}});
      },
      [=](caf::error& err) {
        answer(self, request,
               {{"status", "error"},
                {"message", "the fleet did not answer: " + self->system().render(err)}});
      });
}

void set_cluster(self_ptr self, const inbound_message& request, const admin_request& asked,
                 const std::string& who) {
  const bool enable = asked.verb == admin_verb::enable;
  const std::string& cluster = asked.cluster;
  auto& st = self->state;
  if (!st.routes->set_cluster_enabled(cluster, enable))
    return refuse(self, request, "unknown cluster " + echoed(cluster));
  if (enable)
    st.disabled.erase(cluster);
  else
    st.disabled.insert(cluster);
  try {
    st.store->save_disabled_clusters(st.disabled);
  } catch (const std::exception& e) {
    component_logger("admin")->error("[admin] cannot persist cluster state: {}", e.what());
  }
  component_logger("admin")->info("[cluster {}] {} by operator={} reason=\"{}\"", cluster,
                                  enable ? "enabled" : "disabled", who, asked.reason);
  answer(self, request, {{"status", "ok"}, {"cluster", cluster}, {"enabled", enable}});
}

/// Suspends or resumes an agent by sending it the contract's command; the
/// agent answers the operator directly.
void steer_agent(self_ptr self, const inbound_message& request, const admin_request& asked,
                 const std::string& who) {
  const bool suspend = asked.verb == admin_verb::suspend;
  const std::string& agent = asked.agent;
  auto route = self->state.routes->inbox_route(agent);
  if (!route)
    return refuse(self, request, "unknown agent " + echoed(agent));
  std::string reason = asked.reason;
  if (reason.empty())
    reason = "by operator " + who;
  json command = {{"type", suspend ? "SuspendAgent" : "ActivateAgent"},
                  {"agent_id", self->state.routes->agent_id(agent)},
                  {"reason", reason}};
  inbound_message message{subject_kind::inbox,
                          "agent.to." + agent + ".from.admin.command",
                          request.reply,
                          command.dump(),
                          {}};
  component_logger("admin")->info("[{}] {} requested by operator={} reason=\"{}\"", agent,
                                  suspend ? "suspend" : "resume", who, reason);
  if (self->state.routes->dispatch(*route, message) != dispatch_result::accepted)
    refuse(self, request,
           "agent " + agent +
             " cannot take the command now (busy, disabled or "
             "not running)");
}

/// Passes the supervisor's answer to an upgrade or rollback on.
template <class... Ts>
void ask_fleet(self_ptr self, const inbound_message& request, Ts&&... xs) {
  self->request(self->state.supervisor, std::chrono::minutes(10), std::forward<Ts>(xs)...)
    .then(
      [=](const std::string& answer) {
        // The fleet refused it (unknown cluster, a bad release, nothing to
        // roll back to): counted and logged as every refusal is.
        const json reply = json::parse(answer, nullptr, false);
        if (reply.is_object() && reply.value("status", "") == "error")
          note_refusal(self, request, reply.value("message", ""));
        if (!request.reply.empty())
          self->state.replies->publish(request.reply, answer);
      },
      [=](caf::error& err) {
        refuse(self, request, "the fleet did not answer: " + self->system().render(err));
      });
}

/// Swaps a cluster to the release in a folder, then soaks it.
void upgrade(self_ptr self, const inbound_message& request, const admin_request& asked,
             const std::string& who) {
  upgrade_options options = asked.upgrade;
  options.requested_by = who;
  component_logger("admin")->info("[cluster {}] upgrade to release={} requested by operator={} "
                                  "soak_ms={}",
                                  asked.cluster, asked.release, who, options.soak.count());
  ask_fleet(self, request, upgrade_atom::value, asked.cluster, asked.release, std::move(options));
}

void rollback(self_ptr self, const inbound_message& request, const admin_request& asked,
              const std::string& who) {
  component_logger("admin")->info("[cluster {}] rollback requested by operator={}", asked.cluster,
                                  who);
  ask_fleet(self, request, rollback_atom::value, asked.cluster, who);
}

void carry_out(self_ptr self, const inbound_message& request) {
  const std::string_view token = subjects::last_token(request.subject);
  const auto verb = admin_verb_named(token);
  if (!verb)
    return refuse(self, request,
                  "unknown admin request '" + std::string(token) +
                    "' (expected status, enable, disable, suspend, resume, upgrade, rollback)");
  std::string who;
  if (admin_verb_steers(*verb)) {
    auto identified = authorise(self, request);
    if (!identified)
      return;
    who = std::move(*identified);
  }
  auto parsed = parse_admin_request(*verb, request.payload);
  if (auto* error = std::get_if<admin_request_error>(&parsed))
    return refuse(self, request, error->message);
  const auto& asked = std::get<admin_request>(parsed);
  switch (asked.verb) {
    case admin_verb::status:
      return status(self, request);
    case admin_verb::enable:
    case admin_verb::disable:
      return set_cluster(self, request, asked, who);
    case admin_verb::suspend:
    case admin_verb::resume:
      return steer_agent(self, request, asked, who);
    case admin_verb::upgrade:
      return upgrade(self, request, asked, who);
    case admin_verb::rollback:
      return rollback(self, request, asked, who);
  }
}

void on_request(self_ptr self, const inbound_message& request) {
  ++self->state.requests;
  // An exception must not end the admin actor: nothing would answer the
  // admin subject again.
  try {
    carry_out(self, request);
  } catch (const std::exception& e) {
    component_logger("admin")->error("[admin] failed subject={} error=\"{}\"", request.subject,
                                     e.what());
    refuse(self, request, std::string("the admin request failed: ") + e.what());
  }
}

} // namespace

caf::behavior admin_actor(self_ptr self, route_table* routes, reply_sink* replies,
                          caf::actor supervisor, operator_auth operators, fleet_state_store store) {
  auto& st = self->state;
  st.routes = routes;
  st.replies = replies;
  st.supervisor = std::move(supervisor);
  st.operators = std::move(operators);
  st.store = std::make_unique<fleet_state_store>(std::move(store));
  st.disabled = st.store->disabled_clusters();
  return {
    [=](admin_atom, inbound_message& request) { on_request(self, request); },
  };
}

} // namespace agent_runtime

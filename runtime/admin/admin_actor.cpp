#include "admin/admin_actor.hpp"

#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "routing/route_table.hpp"
#include "routing/subjects.hpp"
#include "supervision/atoms.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;
using self_ptr = caf::stateful_actor<admin_state>*;

void answer(self_ptr self, const inbound_message& request, const json& reply) {
  if (!request.reply.empty())
    self->state.replies->publish(request.reply, reply.dump());
}

void refuse(self_ptr self, const inbound_message& request, const std::string& why) {
  component_logger("admin")->warn("[admin] refused subject={} reason=\"{}\"", request.subject, why);
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
        answer(
          self, request,
          {{"status", "ok"},
           {"clusters", json::parse(clusters)},
           {"admin",
            {{"requests", self->state.requests}, {"unauthorised", self->state.unauthorised}}}});
      },
      [=](caf::error& err) {
        answer(self, request,
               {{"status", "error"},
                {"message", "the fleet did not answer: " + self->system().render(err)}});
      });
}

void set_cluster(self_ptr self, const inbound_message& request, const json& body, bool enable) {
  auto who = authorise(self, request);
  if (!who)
    return;
  const std::string cluster = body.value("cluster", "");
  auto& st = self->state;
  if (!st.routes->set_cluster_enabled(cluster, enable))
    return refuse(self, request, "unknown cluster '" + cluster + "'");
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
                                  enable ? "enabled" : "disabled", *who, body.value("reason", ""));
  answer(self, request, {{"status", "ok"}, {"cluster", cluster}, {"enabled", enable}});
}

/// Suspends or resumes an agent by sending it the contract's command; the
/// agent answers the operator directly.
void steer_agent(self_ptr self, inbound_message& request, const json& body, bool suspend) {
  auto who = authorise(self, request);
  if (!who)
    return;
  const std::string agent = body.value("agent", "");
  auto route = self->state.routes->inbox_route(agent);
  if (!route)
    return refuse(self, request, "unknown agent '" + agent + "'");
  std::string reason = body.value("reason", "");
  if (reason.empty())
    reason = "by operator " + *who;
  json command = {{"type", suspend ? "SuspendAgent" : "ActivateAgent"},
                  {"agent_id", self->state.routes->agent_id(agent)},
                  {"reason", reason}};
  inbound_message message{subject_kind::inbox,
                          "agent.to." + agent + ".from.admin.command",
                          request.reply,
                          command.dump(),
                          {}};
  component_logger("admin")->info("[{}] {} requested by operator={} reason=\"{}\"", agent,
                                  suspend ? "suspend" : "resume", *who, reason);
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
        if (!request.reply.empty())
          self->state.replies->publish(request.reply, answer);
      },
      [=](caf::error& err) {
        refuse(self, request, "the fleet did not answer: " + self->system().render(err));
      });
}

/// Swaps a cluster to the release in a folder, then soaks it.
void upgrade(self_ptr self, inbound_message& request, const json& body) {
  auto who = authorise(self, request);
  if (!who)
    return;
  const std::string cluster = body.value("cluster", "");
  const std::string folder = body.value("release", "");
  if (cluster.empty() || folder.empty())
    return refuse(self, request, "upgrade needs 'cluster' and 'release' (a release folder)");
  upgrade_options options;
  options.requested_by = *who;
  options.rollout = body.value("rollout", "");
  try {
    options.soak = std::chrono::milliseconds(body.value("soak_ms", options.soak.count()));
    auto& t = options.thresholds;
    t.max_error_rate = body.value("max_error_rate", t.max_error_rate);
    t.max_latency = std::chrono::milliseconds(body.value("max_latency_ms", t.max_latency.count()));
    t.max_restarts = body.value("max_restarts", t.max_restarts);
    t.min_requests = body.value("min_requests", t.min_requests);
  } catch (const json::exception&) {
    return refuse(self, request,
                  "upgrade: soak_ms, max_error_rate, max_latency_ms, max_restarts and "
                  "min_requests must be numbers");
  }
  if (options.soak.count() < 0)
    return refuse(self, request, "upgrade: soak_ms must not be negative");
  component_logger("admin")->info("[cluster {}] upgrade to release={} requested by operator={} "
                                  "soak_ms={}",
                                  cluster, folder, *who, options.soak.count());
  ask_fleet(self, request, upgrade_atom::value, cluster, folder, std::move(options));
}

void rollback(self_ptr self, inbound_message& request, const json& body) {
  auto who = authorise(self, request);
  if (!who)
    return;
  const std::string cluster = body.value("cluster", "");
  component_logger("admin")->info("[cluster {}] rollback requested by operator={}", cluster, *who);
  ask_fleet(self, request, rollback_atom::value, cluster, *who);
}

void on_request(self_ptr self, inbound_message& request) {
  ++self->state.requests;
  const std::string verb(subjects::last_token(request.subject));
  json body = json::object();
  if (request.payload.find_first_not_of(" \t\r\n") != std::string::npos) {
    body = json::parse(request.payload, nullptr, false);
    if (!body.is_object())
      return refuse(self, request, "admin payload must be a JSON object");
  }
  if (verb == "status")
    return status(self, request);
  if (verb == "enable" || verb == "disable")
    return set_cluster(self, request, body, verb == "enable");
  if (verb == "suspend" || verb == "resume")
    return steer_agent(self, request, body, verb == "suspend");
  if (verb == "upgrade")
    return upgrade(self, request, body);
  if (verb == "rollback")
    return rollback(self, request, body);
  refuse(self, request,
         "unknown admin request '" + verb +
           "' (expected status, enable, disable, suspend, resume, upgrade, rollback)");
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

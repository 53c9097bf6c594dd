#include "agent/agent_core.hpp"

#include <nlohmann/json.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "app/log.hpp"
#include "config/json_fields.hpp"
#include "routing/subjects.hpp"

namespace agent_runtime {

using nlohmann::json;

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

json counters_json(const agent_counters& c, std::uint64_t busy) {
  return {{"inbox", c.inbox}, {"broadcast", c.broadcast}, {"agent_ref", c.agent_ref},
          {"ok", c.ok},       {"errors", c.errors},       {"bad_input", c.bad_input},
          {"busy", busy}};
}

/// Whether the sender asked for a ping by subject (`....ping`) or payload.
bool is_ping_subject(const inbound_message& message) {
  return message.kind != subject_kind::broadcast && subjects::last_token(message.subject) == "ping";
}

} // namespace

agent_core::agent_core(agent_definition definition, runtime_identity identity) :
  definition_(std::move(definition)), identity_(std::move(identity)), model_(definition_.model),
  log_(component_logger("agent")) {}

agent_core::outcome agent_core::handle(const inbound_message& message) {
  count(message.kind);
  log_->debug("[{}] received kind={} subject={} bytes={}", definition_.name,
              to_string(message.kind), message.subject, message.payload.size());

  outcome result;
  if (is_ping_subject(message)) {
    ++counters_.ok;
    result.reply = ping_reply();
    return result;
  }

  auto parsed = parse_command(message.payload);
  if (auto* error = std::get_if<command_error>(&parsed)) {
    if (message.kind == subject_kind::broadcast) {
      // A broadcast is an announcement to every agent, not a command: it is
      // acknowledged, never refused 31 times over.
      ++counters_.ok;
      result.reply = notice_reply();
      return result;
    }
    result.reply = error_reply(message, error->message, true);
    return result;
  }

  const command& cmd = std::get<command>(parsed);
  if (message.kind == subject_kind::broadcast && !std::holds_alternative<ping_command>(cmd)) {
    ++counters_.ok;
    result.reply = notice_reply();
    return result;
  }
  if (!failure_.empty() && !std::holds_alternative<ping_command>(cmd)) {
    result.reply =
      error_reply(message, "agent " + definition_.name + " is failed: " + failure_, false);
    return result;
  }
  const std::string& target = addressed_agent(cmd);
  if (!std::holds_alternative<ping_command>(cmd) && target != definition_.id) {
    result.reply =
      error_reply(message,
                  std::string(command_name(cmd)) + ": agent_id " + target + " is not this agent (" +
                    definition_.name + " is " + definition_.id + ")",
                  true);
    return result;
  }
  result.reply = run(cmd, message, result);
  if (result.completion)
    result.reply.reset();
  return result;
}

std::string agent_core::run(const command& cmd, const inbound_message& message, outcome& result) {
  return std::visit(
    overloaded{
      [&](const ping_command&) {
        ++counters_.ok;
        return ping_reply();
      },
      [&](const deploy_agent& c) {
        if (c.name != definition_.name)
          return error_reply(message,
                             "DeployAgent: name " + echoed(c.name) +
                               " does not match this agent '" + definition_.name + "'",
                             true);
        const std::size_t events_before = result.events.size();
        std::string reply =
          change_state(lifecycle_event::deploy, "DeployAgent", message, {}, result,
                       agent_deployed{c.person_id, c.name, c.description});
        // Only an accepted deploy changes who the agent is.
        if (result.events.size() > events_before) {
          person_id_ = c.person_id;
          if (!c.description.empty())
            definition_.description = c.description;
        }
        return reply;
      },
      [&](const configure_model& c) {
        std::string reply = change_state(lifecycle_event::configure, "ConfigureModel", message, {},
                                         result, model_configured{c.config});
        if (state_ != lifecycle::decommissioned) {
          model_ = c.config;
          log_->info("[{}] model configured provider={} model={}", definition_.name,
                     model_.provider, model_.model_name);
        }
        return reply;
      },
      [&](const activate_agent&) {
        return change_state(lifecycle_event::activate, "ActivateAgent", message, {}, result,
                            agent_activated{});
      },
      [&](const suspend_agent& c) {
        return change_state(lifecycle_event::suspend, "SuspendAgent", message, c.reason, result,
                            agent_suspended{c.reason});
      },
      [&](const decommission_agent& c) {
        return change_state(lifecycle_event::decommission, "DecommissionAgent", message, c.reason,
                            result, agent_decommissioned{c.reason});
      },
      [&](const send_message& c) {
        lifecycle_step step = apply(state_, lifecycle_event::send_message);
        if (!step.allowed)
          return error_reply(message, "SendMessage: " + step.refusal, false);
        result.completion = make_chat_request(c);
        result.events.push_back(message_sent{c.message_id, c.content, c.context});
        return std::string();
      },
    },
    cmd);
}

std::string agent_core::change_state(lifecycle_event event, const char* command_name,
                                     const inbound_message& message, const std::string& reason,
                                     outcome& result, agent_event accepted) {
  const lifecycle before = state_;
  lifecycle_step step = apply(state_, event);
  if (!step.allowed)
    return error_reply(message, std::string(command_name) + ": " + step.refusal, false);

  state_ = step.next;
  result.events.push_back(std::move(accepted));
  if (before != state_)
    log_->info("[{}] lifecycle {} -> {} command={}{}{}", definition_.name, to_string(before),
               to_string(state_), command_name, reason.empty() ? "" : " reason=", reason);
  ++counters_.ok;
  return ok_reply(command_name);
}

chat_request agent_core::make_chat_request(const send_message& cmd) const {
  chat_request request;
  request.agent = definition_.name;
  request.message_id = cmd.message_id;
  request.model = model_;
  request.messages.push_back(
    {"system", model_.system_prompt ? *model_.system_prompt : definition_.system_prompt});
  for (const context_message& turn : cmd.context)
    request.messages.push_back({turn.role, turn.content});
  request.messages.push_back({"user", cmd.content});
  return request;
}

std::string agent_core::finish(const chat_request& request, const chat_result& result) {
  if (!result.ok) {
    ++counters_.errors;
    last_error_ = "SendMessage failed: " + result.error;
    log_->error("[{}] message failed message_id={} provider={} error={}", definition_.name,
                request.message_id, request.model.provider, result.error);
    return json_text(json{{"status", "error"},
                          {"message", "SendMessage failed: " + result.error},
                          {"message_id", request.message_id}});
  }
  ++counters_.ok;
  log_->debug("[{}] message answered message_id={} chunks={}", definition_.name, request.message_id,
              result.chunks);
  return json_text(json{{"status", "ok"},
                        {"agent_id", definition_.id},
                        {"message_id", request.message_id},
                        {"provider", request.model.provider},
                        {"model", request.model.model_name},
                        {"response", result.text},
                        {"chunks", result.chunks}});
}

std::string agent_core::internal_error(const inbound_message& message, const std::string& what) {
  ++counters_.errors;
  last_error_ = "internal error: " + what;
  log_->error("[{}] request failed subject={} error={}", definition_.name, message.subject, what);
  return json_text(
    json{{"status", "error"}, {"message", "internal error in agent " + definition_.name}});
}

std::string agent_core::ping_reply() const {
  // Written with rapidjson's streaming writer: building an nlohmann tree
  // for every ping cost most of its CPU time (docs/performance.md).
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out(buffer);
  auto text = [&](const char* key, const std::string& value) {
    out.Key(key);
    out.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  auto number = [&](const char* key, std::uint64_t value) {
    out.Key(key);
    out.Uint64(value);
  };
  out.StartObject();
  text("status", "ok");
  text("name", definition_.name);
  text("id", definition_.id);
  text("cluster", definition_.cluster);
  text("version", definition_.version);
  text("state", to_string(state_));
  text("health", failure_.empty() ? "ok" : "failed");
  number("restarts", restarts_);
  text("provider", model_.provider);
  text("model", model_.model_name);
  text("runtime_version", identity_.version);
  text("instance", identity_.instance);
  out.Key("counters");
  out.StartObject();
  number("inbox", counters_.inbox);
  number("broadcast", counters_.broadcast);
  number("agent_ref", counters_.agent_ref);
  number("ok", counters_.ok);
  number("errors", counters_.errors);
  number("bad_input", counters_.bad_input);
  number("busy", busy_);
  out.EndObject();
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string agent_core::notice_reply() const {
  return json_text(json{{"status", "ok"}, {"name", definition_.name}, {"received", "broadcast"}});
}

std::string agent_core::ok_reply(const char* command_name) const {
  return json_text(json{{"status", "ok"},
                        {"command", command_name},
                        {"agent_id", definition_.id},
                        {"name", definition_.name},
                        {"state", to_string(state_)}});
}

std::string agent_core::error_reply(const inbound_message& message, const std::string& why,
                                    bool bad_input) {
  ++counters_.errors;
  last_error_ = why;
  if (bad_input)
    ++counters_.bad_input;
  log_->warn("[{}] refused kind={} subject={} reason=\"{}\"{}", definition_.name,
             to_string(message.kind), message.subject, why,
             message.reply.empty() ? " (no reply subject, nothing sent)" : "");
  return json_text(json{{"status", "error"}, {"message", why}});
}

void agent_core::count(subject_kind kind) {
  switch (kind) {
    case subject_kind::inbox:
      if (++counters_.inbox % 100 == 0)
        log_metrics();
      break;
    case subject_kind::broadcast:
      ++counters_.broadcast;
      break;
    case subject_kind::agent_ref:
      ++counters_.agent_ref;
      break;
  }
}

std::string agent_core::status_json(std::size_t in_flight) const {
  return json_text(json{{"name", definition_.name},
                        {"id", definition_.id},
                        {"cluster", definition_.cluster},
                        {"version", definition_.version},
                        {"state", to_string(state_)},
                        {"health", failure_.empty() ? "ok" : "failed"},
                        {"failure", failure_},
                        {"provider", model_.provider},
                        {"model", model_.model_name},
                        {"in_flight", in_flight},
                        {"restarts", restarts_},
                        {"counters", counters_json(counters_, busy_)},
                        {"last_error", last_error_}});
}

agent_snapshot agent_core::snapshot() const {
  return {state_, model_, person_id_, definition_.description, counters_};
}

void agent_core::restore(const agent_snapshot& snapshot) {
  state_ = snapshot.state;
  model_ = snapshot.model;
  person_id_ = snapshot.person_id;
  definition_.description = snapshot.description;
  counters_ = snapshot.counters;
}

void agent_core::mark_failed(std::string why) {
  failure_ = std::move(why);
  log_->error("[{}] out of service: {}", definition_.name, failure_);
}

void agent_core::log_metrics() const {
  log_->info("[{}] Metrics: inbox={}, broadcast={}, agent-ref={}", definition_.name,
             counters_.inbox, counters_.broadcast, counters_.agent_ref);
}

} // namespace agent_runtime

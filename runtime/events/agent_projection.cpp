#include "events/agent_projection.hpp"

#include <nlohmann/json.hpp>

namespace agent_runtime {

using nlohmann::json;

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

std::optional<lifecycle> lifecycle_from(const std::string& name) {
  for (lifecycle state : {lifecycle::deployed, lifecycle::configured, lifecycle::active,
                          lifecycle::suspended, lifecycle::decommissioned}) {
    if (name == to_string(state))
      return state;
  }
  return std::nullopt;
}

std::uint64_t count_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

} // namespace

agent_snapshot initial_state(const agent_definition& definition) {
  agent_snapshot state;
  state.state = lifecycle::active;
  state.model = definition.model;
  state.description = definition.description;
  return state;
}

void fold(agent_snapshot& state, const agent_event& event) {
  std::visit(overloaded{
               [&](const agent_deployed& e) {
                 state.state = lifecycle::deployed;
                 state.person_id = e.person_id;
                 if (!e.description.empty())
                   state.description = e.description;
               },
               [&](const model_configured& e) {
                 state.model = e.config;
                 if (state.state == lifecycle::deployed)
                   state.state = lifecycle::configured;
               },
               [&](const agent_activated&) { state.state = lifecycle::active; },
               [&](const agent_suspended&) { state.state = lifecycle::suspended; },
               [&](const agent_decommissioned&) { state.state = lifecycle::decommissioned; },
               [](const auto&) {},
             },
             event);
}

std::string snapshot_to_json(const stored_snapshot& snapshot) {
  const agent_snapshot& s = snapshot.state;
  const agent_counters& c = s.counters;
  json state{{"lifecycle", to_string(s.state)},
             {"model", model_config_to_json(s.model)},
             {"person_id", s.person_id},
             {"description", s.description},
             {"counters",
              {{"inbox", c.inbox},
               {"broadcast", c.broadcast},
               {"agent_ref", c.agent_ref},
               {"ok", c.ok},
               {"errors", c.errors},
               {"bad_input", c.bad_input}}}};
  return json{{"aggregate_id", snapshot.aggregate_id},
              {"sequence", snapshot.sequence},
              {"snapshot", state},
              {"timestamp", snapshot.timestamp}}
    .dump();
}

std::optional<stored_snapshot> snapshot_from_json(const std::string& text) {
  json object = json::parse(text, nullptr, false);
  if (!object.is_object() || !object.contains("snapshot") || !object["snapshot"].is_object())
    return std::nullopt;
  const json& state = object["snapshot"];
  auto phase = lifecycle_from(state.value("lifecycle", ""));
  if (!phase || !object.value("aggregate_id", json()).is_string())
    return std::nullopt;

  stored_snapshot out;
  out.aggregate_id = object["aggregate_id"].get<std::string>();
  out.sequence = count_of(object, "sequence");
  out.timestamp = object.value("timestamp", "");
  out.state.state = *phase;
  out.state.model = model_config_from_json(state.value("model", json::object()));
  out.state.person_id = state.value("person_id", "");
  out.state.description = state.value("description", "");
  const json counters = state.value("counters", json::object());
  out.state.counters.inbox = count_of(counters, "inbox");
  out.state.counters.broadcast = count_of(counters, "broadcast");
  out.state.counters.agent_ref = count_of(counters, "agent_ref");
  out.state.counters.ok = count_of(counters, "ok");
  out.state.counters.errors = count_of(counters, "errors");
  out.state.counters.bad_input = count_of(counters, "bad_input");
  return out;
}

} // namespace agent_runtime

#include "upgrade/migration.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "upgrade/behaviour_plugin.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;

template <class T>
void put(json& out, const char* key, const std::optional<T>& value) {
  if (value)
    out[key] = *value;
}

json model_json(const model_config& m) {
  json out = {{"provider", m.provider},
              {"model_name", m.model_name},
              {"api_endpoint", m.api_endpoint},
              {"api_key_env", m.api_key_env},
              {"stop_sequences", m.stop_sequences}};
  put(out, "timeout_seconds", m.timeout_seconds);
  put(out, "temperature", m.temperature);
  put(out, "top_p", m.top_p);
  put(out, "max_tokens", m.max_tokens);
  put(out, "frequency_penalty", m.frequency_penalty);
  put(out, "presence_penalty", m.presence_penalty);
  put(out, "system_prompt", m.system_prompt);
  return out;
}

template <class T>
std::optional<T> get_optional(const json& in, const char* key) {
  if (!in.contains(key) || in[key].is_null())
    return std::nullopt;
  return in[key].get<T>();
}

model_config model_from_json(const json& in) {
  model_config m;
  m.provider = in.value("provider", m.provider);
  m.model_name = in.value("model_name", "");
  m.api_endpoint = in.value("api_endpoint", "");
  m.api_key_env = in.value("api_key_env", "");
  m.stop_sequences = in.value("stop_sequences", std::vector<std::string>{});
  m.timeout_seconds = get_optional<double>(in, "timeout_seconds");
  m.temperature = get_optional<double>(in, "temperature");
  m.top_p = get_optional<double>(in, "top_p");
  m.max_tokens = get_optional<long>(in, "max_tokens");
  m.frequency_penalty = get_optional<double>(in, "frequency_penalty");
  m.presence_penalty = get_optional<double>(in, "presence_penalty");
  m.system_prompt = get_optional<std::string>(in, "system_prompt");
  return m;
}

lifecycle lifecycle_from(const std::string& name) {
  for (lifecycle state : {lifecycle::deployed, lifecycle::configured, lifecycle::active,
                          lifecycle::suspended, lifecycle::decommissioned}) {
    if (name == to_string(state))
      return state;
  }
  throw std::invalid_argument("unknown state '" + name + "'");
}

bool same_model(const model_config& a, const model_config& b) {
  return model_json(a) == model_json(b);
}

} // namespace

std::string state_to_json(const agent_snapshot& state) {
  const agent_counters& c = state.counters;
  return json{{"state", to_string(state.state)},
              {"model", model_json(state.model)},
              {"person_id", state.person_id},
              {"description", state.description},
              {"counters",
               {{"inbox", c.inbox},
                {"broadcast", c.broadcast},
                {"agent_ref", c.agent_ref},
                {"ok", c.ok},
                {"errors", c.errors},
                {"bad_input", c.bad_input}}}}
    .dump();
}

void apply_state_json(const std::string& text, agent_snapshot& state) {
  const json in = json::parse(text, nullptr, false);
  if (!in.is_object())
    throw std::invalid_argument("the migrated state is not a JSON object");
  try {
    if (in.contains("state"))
      state.state = lifecycle_from(in["state"].get<std::string>());
    if (in.contains("model"))
      state.model = model_from_json(in["model"]);
    if (in.contains("person_id"))
      state.person_id = in["person_id"].get<std::string>();
    if (in.contains("description"))
      state.description = in["description"].get<std::string>();
    if (in.contains("counters")) {
      const json& c = in["counters"];
      agent_counters& out = state.counters;
      out.inbox = c.value("inbox", out.inbox);
      out.broadcast = c.value("broadcast", out.broadcast);
      out.agent_ref = c.value("agent_ref", out.agent_ref);
      out.ok = c.value("ok", out.ok);
      out.errors = c.value("errors", out.errors);
      out.bad_input = c.value("bad_input", out.bad_input);
    }
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("the migrated state is malformed: ") + e.what());
  }
}

migration_result migrate_state(const agent_snapshot& state, const agent_definition& from,
                               const agent_definition& to, const behaviour_plugin* plugin) {
  migration_result out;
  out.state = state;
  // Defaults follow the definition; what an operator changed stays.
  if (same_model(state.model, from.model))
    out.state.model = to.model;
  if (state.description == from.description)
    out.state.description = to.description;
  if (!plugin)
    return out;
  auto converted = plugin->migrate(state_to_json(out.state), from.version);
  if (!converted)
    return out;
  if (!converted->ok) {
    out.ok = false;
    out.error = "plugin " + plugin->version() + " refuses the state of agent " + to.name +
                " kept by version " + from.version + ": " + converted->text;
    return out;
  }
  try {
    apply_state_json(converted->text, out.state);
  } catch (const std::invalid_argument& e) {
    out.ok = false;
    out.error = "plugin " + plugin->version() + " migrated the state of agent " + to.name +
                " wrongly: " + e.what();
  }
  return out;
}

} // namespace agent_runtime

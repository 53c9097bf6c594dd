#include "config/fleet_config.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace agent_runtime {
namespace {

/// Where a value comes from, so that every message names file, line, agent
/// and field the same way.
struct place {
  std::string file;
  std::string agent;
  /// Added to yaml-cpp's zero-based line to get the line in the file.
  int line_offset = 1;

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field,
                         const std::string& problem) const {
    std::ostringstream out;
    out << file;
    if (at.IsDefined() && at.Mark().line >= 0)
      out << ':' << at.Mark().line + line_offset;
    out << ':';
    if (!agent.empty())
      out << " agent '" << agent << "':";
    if (!field.empty())
      out << " field '" << field << "':";
    out << ' ' << problem;
    throw config_error(out.str());
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(path + ": cannot read file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node parse_yaml(const std::string& text, const place& where) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw config_error(where.file + ':' + std::to_string(e.mark.line + where.line_offset) +
                       ": malformed YAML: " + e.msg);
  }
}

std::string required_string(const YAML::Node& map, const char* key, const place& where) {
  const YAML::Node value = map[key];
  if (!value)
    where.fail(map, key, "missing");
  if (!value.IsScalar() || value.Scalar().empty())
    where.fail(value, key, "must be a non-empty string");
  return value.Scalar();
}

std::string optional_string(const YAML::Node& map, const char* key, const place& where) {
  const YAML::Node value = map[key];
  if (!value)
    return {};
  if (!value.IsScalar())
    where.fail(value, key, "must be a string");
  return value.Scalar();
}

bool optional_bool(const YAML::Node& map, const char* key, bool fallback, const place& where) {
  const YAML::Node value = map[key];
  if (!value)
    return fallback;
  try {
    return value.as<bool>();
  } catch (const YAML::Exception&) {
    where.fail(value, key, "must be true or false");
  }
}

template <class T>
std::optional<T> optional_number(const YAML::Node& map, const char* key, const place& where) {
  const YAML::Node value = map[key];
  if (!value)
    return std::nullopt;
  try {
    return value.as<T>();
  } catch (const YAML::Exception&) {
    where.fail(value, key, "must be a number");
  }
}

std::vector<std::string> string_list(const YAML::Node& map, const char* key, const place& where) {
  const YAML::Node value = map[key];
  std::vector<std::string> items;
  if (!value)
    return items;
  if (!value.IsSequence())
    where.fail(value, key, "must be a list of strings");
  for (const YAML::Node& item : value) {
    if (!item.IsScalar())
      where.fail(item, key, "must be a list of strings");
    items.push_back(item.Scalar());
  }
  return items;
}

model_config read_model(const YAML::Node& front, const place& where) {
  model_config model;
  model.provider = required_string(front, "provider", where);
  model.model_name = required_string(front, "model", where);
  const YAML::Node params = front["parameters"];
  if (params) {
    if (!params.IsMap())
      where.fail(params, "parameters", "must be a mapping");
    model.api_endpoint = optional_string(params, "api_endpoint", where);
    model.temperature = optional_number<double>(params, "temperature", where);
    model.top_p = optional_number<double>(params, "top_p", where);
    model.max_tokens = optional_number<long>(params, "max_tokens", where);
    model.frequency_penalty = optional_number<double>(params, "frequency_penalty", where);
    model.presence_penalty = optional_number<double>(params, "presence_penalty", where);
    model.stop_sequences = string_list(params, "stop_sequences", where);
    model.api_key_env = optional_string(params, "api_key_env", where);
    model.timeout_seconds = optional_number<double>(params, "timeout_seconds", where);
  }
  if (auto problem = validate(model)) {
    const bool top = problem->field == "provider" || problem->field == "model_name";
    const char* field = problem->field == "model_name" ? "model" : problem->field.c_str();
    where.fail(top ? front[field] : params[field], field, problem->message);
  }
  return model;
}

/// Splits "---\n<yaml>\n---\n<body>" into the YAML and the body.
std::pair<std::string, std::string> split_front_matter(const std::string& text,
                                                       const std::string& file) {
  const std::string fence = "---";
  if (text.compare(0, fence.size(), fence) != 0 ||
      (text.size() > 3 && text[3] != '\n' && text[3] != '\r'))
    throw config_error(file + ":1: definition must start with a '---' front matter line");
  std::size_t start = text.find('\n');
  std::size_t pos = start + 1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line == fence) {
      std::string body = end == std::string::npos ? "" : text.substr(end + 1);
      return {text.substr(start + 1, pos - start - 1), body};
    }
    if (end == std::string::npos)
      break;
    pos = end + 1;
  }
  throw config_error(file + ": front matter has no closing '---' line");
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

/// Reads `supervision:` under `parent`, starting from `fallback`.
supervision_settings read_supervision(const YAML::Node& parent, supervision_settings fallback,
                                      const place& where) {
  const YAML::Node node = parent["supervision"];
  if (!node)
    return fallback;
  if (!node.IsMap())
    where.fail(node, "supervision", "must be a mapping");
  if (node["strategy"]) {
    fallback.strategy = required_string(node, "strategy", where);
    if (fallback.strategy != "one_for_one" && fallback.strategy != "one_for_all")
      where.fail(node["strategy"], "strategy",
                 "must be one_for_one or one_for_all, got '" + fallback.strategy + "'");
  }
  if (auto n = optional_number<int>(node, "max_restarts", where)) {
    if (*n < 0)
      where.fail(node["max_restarts"], "max_restarts", "must not be negative");
    fallback.max_restarts = *n;
  }
  if (auto s = optional_number<long>(node, "restart_window_s", where)) {
    if (*s < 1)
      where.fail(node["restart_window_s"], "restart_window_s", "must be at least 1");
    fallback.restart_window = std::chrono::seconds(*s);
  }
  return fallback;
}

fleet_settings read_settings(const YAML::Node& root, const place& where) {
  fleet_settings settings;
  const YAML::Node node = root["settings"];
  if (!node)
    return settings;
  if (!node.IsMap())
    where.fail(node, "settings", "must be a mapping");
  if (node["stream"])
    settings.stream = required_string(node, "stream", where);
  if (node["queue_group"])
    settings.queue_group = required_string(node, "queue_group", where);
  settings.unified_subjects = optional_bool(node, "unified_subjects", false, where);
  settings.nats_url = optional_string(node, "nats_url", where);
  if (auto n = optional_number<long>(node, "max_in_flight", where)) {
    if (*n < 1)
      where.fail(node["max_in_flight"], "max_in_flight", "must be at least 1");
    settings.max_in_flight = static_cast<std::size_t>(*n);
  }
  if (auto ms = optional_number<long>(node, "stop_timeout_ms", where)) {
    if (*ms < 0)
      where.fail(node["stop_timeout_ms"], "stop_timeout_ms", "must not be negative");
    settings.stop_timeout = std::chrono::milliseconds(*ms);
  }
  settings.supervision = read_supervision(node, settings.supervision, where);
  settings.operators_file = optional_string(node, "operators_file", where);
  settings.state_dir = optional_string(node, "state_dir", where);
  settings.metrics_address = optional_string(node, "metrics_address", where);
  if (auto ms = optional_number<long>(node, "memory_return_ms", where)) {
    if (*ms < 0)
      where.fail(node["memory_return_ms"], "memory_return_ms", "must not be negative (0: never)");
    settings.memory_return = std::chrono::milliseconds(*ms);
  }
  return settings;
}

/// Reads one roster entry of clusters.yaml and the definition it names.
agent_definition read_agent(const YAML::Node& entry, const std::filesystem::path& base,
                            const place& file_place) {
  if (!entry.IsMap())
    file_place.fail(entry, "agents", "each agent must be a mapping with name, id and definition");
  place where = file_place;
  where.agent = required_string(entry, "name", where);
  const std::string id = required_string(entry, "id", where);
  if (!is_uuid(id))
    where.fail(entry["id"], "id", "not a UUID: '" + id + "'");
  const std::string definition = required_string(entry, "definition", where);

  const std::filesystem::path path = base / definition;
  if (!std::filesystem::is_regular_file(path))
    where.fail(entry["definition"], "definition", "no such file: " + path.string());
  agent_definition agent = parse_agent_definition(read_file(path.string()), path.string());

  place def_place{path.string(), where.agent, 2};
  if (agent.name != where.agent)
    def_place.fail(
      {}, "name", "is '" + agent.name + "' but " + file_place.file + " says '" + where.agent + "'");
  if (agent.id != id)
    def_place.fail({}, "id", "is '" + agent.id + "' but " + file_place.file + " says '" + id + "'");
  return agent;
}

/// Checks what needs the whole fleet: clusters named by definitions, and
/// names and ids used once.
void check_fleet(const fleet_config& fleet, const std::set<std::string>& clusters) {
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> ids;
  for (const cluster_spec& cluster : fleet.clusters) {
    for (const agent_definition& agent : cluster.agents) {
      if (!clusters.count(agent.cluster))
        throw config_error(agent.file + ": agent '" + agent.name +
                           "': field 'cluster': unknown cluster '" + agent.cluster + "'");
      if (agent.cluster != cluster.id)
        throw config_error(agent.file + ": agent '" + agent.name + "': field 'cluster': is '" +
                           agent.cluster + "' but " + fleet.file + " lists it under '" +
                           cluster.id + "'");
      if (!names.emplace(agent.name, agent.file).second)
        throw config_error(fleet.file + ": agent '" + agent.name +
                           "': field 'name': duplicate name, also used by " + names[agent.name]);
      if (!ids.emplace(agent.id, agent.name).second)
        throw config_error(fleet.file + ": agent '" + agent.name + "': field 'id': duplicate id " +
                           agent.id + ", also used by agent '" + ids[agent.id] + "'");
    }
  }
}

} // namespace

std::size_t fleet_config::agent_count() const {
  std::size_t n = 0;
  for (const cluster_spec& cluster : clusters)
    n += cluster.agents.size();
  return n;
}

bool is_uuid(const std::string& text) {
  static const std::regex pattern(
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  return std::regex_match(text, pattern);
}

agent_definition parse_agent_definition(const std::string& text, const std::string& file) {
  auto [yaml, body] = split_front_matter(text, file);
  place where{file, "", 2};
  const YAML::Node front = parse_yaml(yaml, where);
  if (!front.IsMap())
    throw config_error(file + ":2: front matter must be a YAML mapping");

  agent_definition agent;
  agent.file = file;
  agent.name = required_string(front, "name", where);
  where.agent = agent.name;
  agent.id = required_string(front, "id", where);
  if (!is_uuid(agent.id))
    where.fail(front["id"], "id", "not a UUID: '" + agent.id + "'");
  agent.cluster = required_string(front, "cluster", where);
  agent.version = required_string(front, "version", where);
  agent.description = required_string(front, "description", where);
  agent.capabilities = string_list(front, "capabilities", where);
  agent.model = read_model(front, where);
  agent.system_prompt = trim(body);
  if (agent.system_prompt.empty())
    throw config_error(file + ": agent '" + agent.name +
                       "': the system prompt (the text after the front matter) is empty");
  return agent;
}

fleet_config load_fleet_config(const std::string& path) {
  place where{path, "", 1};
  if (!std::filesystem::is_regular_file(path))
    throw config_error(path + ": no such config file");
  const YAML::Node root = parse_yaml(read_file(path), where);
  if (!root.IsMap())
    throw config_error(path + ":1: expected a mapping with 'settings' and 'clusters'");

  fleet_config fleet;
  fleet.file = path;
  fleet.settings = read_settings(root, where);

  const YAML::Node clusters = root["clusters"];
  if (!clusters || !clusters.IsSequence() || clusters.size() == 0)
    where.fail(clusters ? clusters : root, "clusters", "must be a non-empty list of clusters");

  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  std::set<std::string> cluster_ids;
  for (const YAML::Node& node : clusters) {
    if (!node.IsMap())
      where.fail(node, "clusters", "each cluster must be a mapping with id and agents");
    cluster_spec cluster;
    cluster.id = required_string(node, "id", where);
    if (!cluster_ids.insert(cluster.id).second)
      where.fail(node["id"], "id", "duplicate cluster '" + cluster.id + "'");
    cluster.unified_subjects =
      optional_bool(node, "unified_subjects", fleet.settings.unified_subjects, where);
    cluster.supervision = read_supervision(node, fleet.settings.supervision, where);
    const YAML::Node agents = node["agents"];
    if (!agents || !agents.IsSequence() || agents.size() == 0)
      where.fail(agents ? agents : node, "agents",
                 "cluster '" + cluster.id + "' must list at least one agent");
    for (const YAML::Node& entry : agents)
      cluster.agents.push_back(read_agent(entry, base, where));
    fleet.clusters.push_back(std::move(cluster));
  }
  check_fleet(fleet, cluster_ids);
  return fleet;
}

} // namespace agent_runtime

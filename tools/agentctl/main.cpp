// agentctl: talk to a running agent-runtime fleet over NATS.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nats/nats.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "bridge/nats_credential_flags.hpp"
#include "config/fleet_config.hpp"
#include "metrics_verb.hpp"

namespace {

using nlohmann::json;

/// Exit codes scripts can rely on.
enum exit_code : int { ok = 0, refused = 1, usage = 2, unreachable = 4 };

struct options {
  std::string nats_url;
  std::string config = "clusters.yaml";
  int timeout_ms = 5000;
  bool json_output = false;
};

/// One NATS connection for the life of the command.
class client {
public:
  /// Connects as `credentials`; throws `credential_error` when nats.c
  /// cannot take them.
  client(const std::string& url, const agent_runtime::nats_credentials& credentials) {
    natsOptions* opts = nullptr;
    natsOptions_Create(&opts);
    std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)> guard(opts, natsOptions_Destroy);
    natsOptions_SetURL(opts, url.c_str());
    natsOptions_SetName(opts, "agentctl");
    natsOptions_SetSendAsap(opts, true);
    natsOptions_SetTimeout(opts, 2000);
    agent_runtime::apply(credentials, opts);
    natsOptions_SetErrorHandler(opts, &client::on_async_error, this);
    status_ = natsConnection_Connect(&nc_, opts);
  }
  ~client() {
    natsConnection_Destroy(nc_);
  }

  bool connected() const {
    return status_ == NATS_OK;
  }
  /// Why the connection failed, in nats.c's words.
  std::string error() const {
    std::string text = natsStatus_GetText(status_);
    const char* last = nats_GetLastError(nullptr);
    if (last && *last && text != last)
      text += ": " + std::string(last);
    return text;
  }
  natsConnection* connection() const {
    return nc_;
  }

  /// The reply to `payload` on `subject`, or nothing after `timeout_ms`.
  std::optional<std::string> request(const std::string& subject, const std::string& payload,
                                     int timeout_ms) {
    return request_as(subject, payload, "", timeout_ms);
  }

  /// As `request`, with an Authorization header when `token` is set.
  std::optional<std::string> request_as(const std::string& subject, const std::string& payload,
                                        const std::string& token, int timeout_ms) {
    natsMsg* msg = nullptr;
    if (natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                       static_cast<int>(payload.size())) != NATS_OK)
      return std::nullopt;
    if (!token.empty())
      natsMsgHeader_Set(msg, "Authorization", ("Bearer " + token).c_str());
    natsMsg* reply = nullptr;
    natsStatus s = natsConnection_RequestMsg(&reply, nc_, msg, timeout_ms);
    natsMsg_Destroy(msg);
    if (s != NATS_OK) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!refusal_.empty())
        std::cerr << "agentctl: the NATS server refused: " << refusal_
                  << " (this NATS user may not publish there)\n";
      return std::nullopt;
    }
    std::string text(natsMsg_GetData(reply),
                     static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
    natsMsg_Destroy(reply);
    return text;
  }

private:
  /// Keeps the server's words when it refuses a publish (a permissions
  /// violation comes asynchronously, not as the request's status).
  static void on_async_error(natsConnection* nc, natsSubscription*, natsStatus err, void* closure) {
    if (err != NATS_NOT_PERMITTED)
      return;
    auto* self = static_cast<client*>(closure);
    const char* text = nullptr;
    natsConnection_GetLastError(nc, &text);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->refusal_ = text && *text ? text : "permissions violation";
  }

  natsConnection* nc_ = nullptr;
  natsStatus status_ = NATS_OK;
  std::mutex mutex_;
  std::string refusal_;
};

std::string inbox_subject(const std::string& agent, const char* kind) {
  return "agent.to." + agent + ".from.agentctl." + kind;
}

std::string new_uuid() {
  std::random_device device;
  std::mt19937_64 gen(device());
  std::uniform_int_distribution<int> hex(0, 15);
  const char* digits = "0123456789abcdef";
  std::string id = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : id) {
    if (c == 'x')
      c = digits[hex(gen)];
    else if (c == 'y')
      c = digits[8 + hex(gen) % 4];
  }
  return id;
}

/// Prints a reply and turns its status into an exit code.
int report(const std::optional<std::string>& reply, const std::string& agent, int timeout_ms,
           bool raw) {
  if (!reply) {
    std::cerr << "agentctl: no reply from " << agent << " within " << timeout_ms << " ms\n";
    return refused;
  }
  json parsed = json::parse(*reply, nullptr, false);
  const bool is_ok = parsed.is_object() && parsed.value("status", "") == "ok";
  if (raw || !parsed.is_object()) {
    std::cout << *reply << "\n";
  } else if (!is_ok) {
    std::cerr << "agentctl: " << agent << ": " << parsed.value("message", *reply) << "\n";
  } else if (parsed.contains("response")) {
    std::cout << parsed["response"].get<std::string>() << "\n";
  } else {
    std::cout << parsed.dump(2) << "\n";
  }
  return is_ok ? ok : refused;
}

int ping_all(client& nats, const options& opt) {
  agent_runtime::fleet_config fleet;
  try {
    fleet = agent_runtime::load_fleet_config(opt.config);
  } catch (const agent_runtime::config_error& e) {
    std::cerr << "agentctl: " << e.what() << "\n";
    return usage;
  }
  json rows = json::array();
  int missing = 0;
  if (!opt.json_output)
    std::cout << std::left << std::setw(24) << "CLUSTER" << std::setw(32) << "AGENT"
              << std::setw(10) << "VERSION" << std::setw(16) << "STATE"
              << "ANSWERED\n";
  for (const auto& cluster : fleet.clusters) {
    for (const auto& agent : cluster.agents) {
      auto reply = nats.request(inbox_subject(agent.name, "ping"), "ping", opt.timeout_ms);
      json parsed = reply ? json::parse(*reply, nullptr, false) : json();
      const bool answered = parsed.is_object() && parsed.value("status", "") == "ok";
      missing += answered ? 0 : 1;
      json row = {{"cluster", cluster.id},
                  {"agent", agent.name},
                  {"answered", answered},
                  {"version", answered ? parsed.value("version", "") : ""},
                  {"state", answered ? parsed.value("state", "") : ""}};
      if (!opt.json_output)
        std::cout << std::left << std::setw(24) << cluster.id << std::setw(32) << agent.name
                  << std::setw(10) << row["version"].get<std::string>() << std::setw(16)
                  << row["state"].get<std::string>() << (answered ? "yes" : "NO") << "\n";
      rows.push_back(std::move(row));
    }
  }
  if (opt.json_output)
    std::cout << rows.dump(2) << "\n";
  else
    std::cout << (rows.size() - missing) << " of " << rows.size() << " agents answered\n";
  return missing == 0 ? ok : refused;
}

/// The operator token: $AGENT_RUNTIME_TOKEN, or the first line of
/// `token_file` (never a command-line value, which `ps` would show).
std::string operator_token(const std::string& token_file) {
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::string token;
    std::getline(in, token);
    return token;
  }
  const char* env = std::getenv("AGENT_RUNTIME_TOKEN");
  return env ? env : "";
}

std::uint64_t total_requests(const json& counters) {
  return counters.value("inbox", 0ull) + counters.value("broadcast", 0ull) +
         counters.value("agent_ref", 0ull);
}

/// The clusters and agents a status lists as not having answered in time.
std::size_t unanswered_parts(const json& status) {
  std::size_t unanswered = 0;
  for (const json& cluster : status.value("clusters", json::array())) {
    unanswered += cluster.value("answered", true) ? 0 : 1;
    for (const json& agent : cluster.value("agents", json::array()))
      unanswered += agent.value("answered", true) ? 0 : 1;
  }
  return unanswered;
}

int print_status(const std::optional<std::string>& reply, const options& opt) {
  if (!reply) {
    std::cerr << "agentctl: the fleet did not answer agent.admin.status within " << opt.timeout_ms
              << " ms\n";
    return refused;
  }
  json status = json::parse(*reply, nullptr, false);
  if (!status.is_object() || status.value("status", "") != "ok") {
    std::cerr << "agentctl: " << (status.is_object() ? status.value("message", *reply) : *reply)
              << "\n";
    return refused;
  }
  const std::size_t unanswered = unanswered_parts(status);
  if (opt.json_output) {
    std::cout << status.dump(2) << "\n";
    return unanswered == 0 ? ok : refused;
  }
  std::cout << std::left << std::setw(24) << "CLUSTER" << std::setw(9) << "ENABLED" << std::setw(30)
            << "AGENT" << std::setw(9) << "VERSION" << std::setw(15) << "STATE" << std::setw(8)
            << "HEALTH" << std::setw(10) << "IN-FLIGHT" << std::setw(10) << "REQUESTS"
            << std::setw(8) << "ERRORS"
            << "RESTARTS\n";
  std::size_t agents = 0;
  for (const json& cluster : status["clusters"]) {
    for (const json& agent : cluster.value("agents", json::array())) {
      ++agents;
      if (!agent.value("answered", true)) {
        std::cout << std::left << std::setw(24) << cluster.value("id", "") << std::setw(9)
                  << (cluster.value("enabled", false) ? "yes" : "NO") << std::setw(30)
                  << agent.value("name", "") << "did not answer in time\n";
        continue;
      }
      std::cout << std::left << std::setw(24) << cluster.value("id", "") << std::setw(9)
                << (cluster.value("enabled", false) ? "yes" : "NO") << std::setw(30)
                << agent.value("name", "") << std::setw(9) << agent.value("version", "")
                << std::setw(15) << agent.value("state", "") << std::setw(8)
                << agent.value("health", "") << std::setw(10) << agent.value("in_flight", 0)
                << std::setw(10) << total_requests(agent["counters"]) << std::setw(8)
                << agent["counters"].value("errors", 0) << agent.value("restarts", 0) << "\n";
    }
  }
  std::cout << "\n"
            << std::left << std::setw(24) << "CLUSTER" << std::setw(10) << "VERSION"
            << std::setw(14) << "PHASE" << std::setw(10) << "PREVIOUS"
            << "LAST ROLLOUT\n";
  for (const json& cluster : status["clusters"]) {
    const json last = cluster.value("last_rollout", json());
    std::string outcome = "-";
    if (last.is_object()) {
      outcome = last.value("outcome", "") + " " + last.value("version", "");
      if (!last.value("why", "").empty())
        outcome += ": " + last.value("why", "");
    }
    if (!cluster.value("answered", true)) {
      std::cout << std::left << std::setw(24) << cluster.value("id", "")
                << "did not answer in time\n";
      continue;
    }
    const json previous = cluster.value("previous_version", json());
    std::cout << std::left << std::setw(24) << cluster.value("id", "") << std::setw(10)
              << cluster.value("version", "") << std::setw(14) << cluster.value("phase", "")
              << std::setw(10) << (previous.is_string() ? previous.get<std::string>() : "-")
              << outcome << "\n";
  }
  std::cout << status["clusters"].size() << " clusters, " << agents << " agents";
  if (unanswered > 0)
    std::cout << "; " << unanswered << " of them did not answer in time";
  std::cout << "\n";
  return unanswered == 0 ? ok : refused;
}

/// The agent's id, asked of the agent itself.
std::optional<std::string> agent_id(client& nats, const std::string& agent, int timeout_ms) {
  auto reply = nats.request(inbox_subject(agent, "ping"), "ping", timeout_ms);
  if (!reply)
    return std::nullopt;
  json parsed = json::parse(*reply, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("id"))
    return std::nullopt;
  return parsed["id"].get<std::string>();
}

/// "90s", "500ms", "2m" or a number of seconds; nothing if malformed.
std::optional<long> parse_duration_ms(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1000;
  else if (unit == "ms")
    scale = 1;
  else if (unit == "m")
    scale = 60000;
  if (scale == 0 || value < 0)
    return std::nullopt;
  return static_cast<long>(value * scale);
}

/// What a swap asks for besides the cluster.
struct upgrade_request {
  std::string release;
  long soak_ms = 60000;
  /// The health gate's latency limit; the runtime's default when unset.
  std::optional<long> max_latency_ms;
  std::string rollout;
};

/// The reply of agent.admin.status, or nothing (with a message printed).
std::optional<json> fleet_status(client& nats, const options& opt) {
  auto reply = nats.request("agent.admin.status", "", opt.timeout_ms);
  json status = reply ? json::parse(*reply, nullptr, false) : json();
  if (!status.is_object() || status.value("status", "") != "ok") {
    std::cerr << "agentctl: the fleet did not answer agent.admin.status within " << opt.timeout_ms
              << " ms\n";
    return std::nullopt;
  }
  return status;
}

std::optional<json> cluster_status(client& nats, const options& opt, const std::string& id) {
  auto status = fleet_status(nats, opt);
  if (!status)
    return std::nullopt;
  for (const json& cluster : (*status)["clusters"]) {
    if (cluster.value("id", "") == id)
      return cluster;
  }
  return std::nullopt;
}

/// Asks for a swap; the parsed reply (an error reply when none came).
json request_upgrade(client& nats, const options& opt, const std::string& token,
                     const std::string& cluster, const upgrade_request& up) {
  // A swap waits for every agent to finish its queue: allow it more time.
  const int limit = std::max(opt.timeout_ms, 120000);
  json body{{"cluster", cluster},
            {"release", up.release},
            {"soak_ms", up.soak_ms},
            {"rollout", up.rollout}};
  if (up.max_latency_ms)
    body["max_latency_ms"] = *up.max_latency_ms;
  auto reply = nats.request_as("agent.admin.upgrade", body.dump(), token, limit);
  json parsed = reply ? json::parse(*reply, nullptr, false) : json();
  if (!parsed.is_object())
    return {{"status", "error"},
            {"message", reply ? *reply : "no reply within " + std::to_string(limit) + " ms"}};
  return parsed;
}

std::string describe_swap(const json& reply) {
  std::ostringstream out;
  out << "swapped " << reply.value("from", "?") << " -> " << reply.value("version", "?")
      << " took_ms=" << reply.value("took_ms", 0)
      << " max_pause_ms=" << reply.value("max_pause_ms", 0);
  return out.str();
}

/// Waits while `cluster` soaks; its last rollout once it stopped soaking.
std::optional<json> await_soak(client& nats, const options& opt, const std::string& cluster,
                               long soak_ms) {
  const auto limit =
    std::chrono::steady_clock::now() + std::chrono::milliseconds(soak_ms) + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < limit) {
    auto status = cluster_status(nats, opt, cluster);
    if (!status)
      return std::nullopt;
    const std::string phase = status->value("phase", "");
    if (phase == "serving")
      return (*status)["last_rollout"];
    std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp(soak_ms / 10, 20L, 500L)));
  }
  std::cerr << "agentctl: cluster " << cluster << " still soaking after " << soak_ms << " ms\n";
  return std::nullopt;
}

/// The version in a release folder's release.yaml, or nothing.
std::optional<std::string> release_version(const std::string& folder) {
  try {
    YAML::Node root = YAML::LoadFile(folder + "/release.yaml");
    if (root["version"] && root["version"].IsScalar())
      return root["version"].Scalar();
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

int upgrade_one(client& nats, const options& opt, const std::string& token,
                const std::string& cluster, const upgrade_request& up) {
  json reply = request_upgrade(nats, opt, token, cluster, up);
  if (opt.json_output)
    std::cout << reply.dump(2) << "\n";
  if (reply.value("status", "") != "ok") {
    std::cerr << "agentctl: " << reply.value("message", reply.dump()) << "\n";
    return refused;
  }
  if (!opt.json_output)
    std::cout << "cluster " << cluster << ": " << describe_swap(reply) << "; soaking " << up.soak_ms
              << " ms (agentctl status shows the outcome)\n";
  return ok;
}

/// Walks every cluster in the fleet's order: swap, soak, next; stops at the
/// first refusal or rollback.
int rollout(client& nats, const options& opt, const std::string& token, upgrade_request up) {
  auto version = release_version(up.release);
  if (!version) {
    std::cerr << "agentctl: " << up.release << "/release.yaml has no version\n";
    return usage;
  }
  auto status = fleet_status(nats, opt);
  if (!status)
    return refused;
  up.rollout = *version + "@" + std::to_string(std::time(nullptr));
  const json clusters = (*status)["clusters"];
  std::cout << "rollout of " << *version << " to " << clusters.size() << " clusters, soak "
            << up.soak_ms << " ms each" << std::endl;
  std::size_t n = 0;
  for (const json& cluster : clusters) {
    const std::string id = cluster.value("id", "");
    std::cout << "[" << ++n << "/" << clusters.size() << "] " << id << ": ";
    if (cluster.value("version", "") == *version) {
      std::cout << "already at " << *version << std::endl;
      continue;
    }
    json reply = request_upgrade(nats, opt, token, id, up);
    if (reply.value("status", "") != "ok") {
      std::cout << "refused: " << reply.value("message", reply.dump()) << std::endl;
      std::cout << "rollout stopped at " << id << std::endl;
      return refused;
    }
    std::cout << describe_swap(reply) << ", soaking" << std::flush;
    auto outcome = await_soak(nats, opt, id, up.soak_ms);
    if (!outcome || !outcome->is_object()) {
      std::cout << std::endl << "rollout stopped at " << id << ": no outcome" << std::endl;
      return refused;
    }
    const std::string result = outcome->value("outcome", "");
    if (result != "passed" && result != "swapped") {
      std::cout << " -> " << result << ": " << outcome->value("why", "") << std::endl;
      std::cout << "rollout stopped at " << id << "; it runs " << outcome->value("to", "?")
                << " again" << std::endl;
      return refused;
    }
    std::cout << " -> passed" << std::endl;
  }
  std::cout << "rollout of " << *version << " done" << std::endl;
  return ok;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"agentctl: ping, message and steer a running agent-runtime fleet"};
  app.require_subcommand(1);
  // Options given after the verb (agentctl ping sage --timeout 500) count too.
  app.fallthrough();
  app.add_option("--nats", opt.nats_url,
                 "NATS server URL (also NATS_URL; default nats://127.0.0.1:4222)");
  app.add_option("--timeout", opt.timeout_ms, "milliseconds to wait for each reply")
    ->capture_default_str();
  app.add_flag("--json", opt.json_output, "print replies as JSON, for scripts");

  std::string agent;
  bool all = false;
  auto* ping = app.add_subcommand("ping", "ping one agent, or every agent with --all");
  ping->add_option("agent", agent, "the agent's name");
  ping->add_flag("--all", all, "ping every agent of the config");
  ping->add_option("--config", opt.config, "clusters.yaml listing the agents")
    ->capture_default_str();

  std::string text;
  auto* send = app.add_subcommand("send", "send an agent a message and print its answer");
  send->add_option("agent", agent, "the agent's name")->required();
  send->add_option("text", text, "what to say")->required();

  agent_runtime::credential_files credential_files;
  agent_runtime::add_credential_options(app, credential_files);
  std::string token_file;
  app.add_option("--token-file", token_file,
                 "file whose first line is the operator token (else $AGENT_RUNTIME_TOKEN)");
  std::string cluster;
  std::string reason;
  auto* status = app.add_subcommand("status", "every cluster and agent: enabled, state, load");
  auto* enable = app.add_subcommand("enable", "put a cluster back in service (operators)");
  enable->add_option("cluster", cluster, "the cluster's id")->required();
  auto* disable = app.add_subcommand("disable", "take a cluster out of service (operators)");
  disable->add_option("cluster", cluster, "the cluster's id")->required();
  auto* suspend = app.add_subcommand("suspend", "suspend one agent (operators)");
  suspend->add_option("agent", agent, "the agent's name")->required();
  auto* resume = app.add_subcommand("resume", "resume a suspended agent (operators)");
  resume->add_option("agent", agent, "the agent's name")->required();
  for (auto* steer : {enable, disable, suspend, resume})
    steer->add_option("--reason", reason, "why, for the log");

  agentctl::metrics_request metrics_opt;
  auto* metrics = app.add_subcommand(
    "metrics", "every runtime's request and error counts and times ($SRV.STATS)");
  metrics->add_option("--instance", metrics_opt.instance, "only this runtime (its service id)");
  metrics->add_option("--agent", metrics_opt.agent, "only this agent's endpoints");
  upgrade_request up;
  std::string soak = "60s";
  auto* upgrade = app.add_subcommand("upgrade", "swap a cluster to a release folder (operators)");
  upgrade->add_option("cluster", cluster, "the cluster's id")->required();
  upgrade->add_option("release", up.release, "the release folder")->required();
  auto* rollback = app.add_subcommand("rollback", "swap a cluster back to its previous version "
                                                  "(operators)");
  rollback->add_option("cluster", cluster, "the cluster's id")->required();
  auto* rollout_cmd = app.add_subcommand(
    "rollout", "upgrade every cluster in turn, soaking each, stopping at a rollback (operators)");
  rollout_cmd->add_option("release", up.release, "the release folder")->required();
  std::string max_latency;
  for (auto* swap : {upgrade, rollout_cmd}) {
    swap
      ->add_option("--soak", soak, "how long the health gate watches each cluster (90s, 500ms, 2m)")
      ->capture_default_str();
    swap->add_option("--max-latency", max_latency,
                     "p99 latency over which the health gate rolls back (default: the runtime's, "
                     "500ms)");
  }

  std::string payload;
  auto* request = app.add_subcommand("request", "send an agent a raw JSON command");
  request->add_option("agent", agent, "the agent's name")->required();
  request->add_option("payload", payload, "the command, as JSON")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? ok : usage;
  }
  if (ping->parsed() && agent.empty() == !all) {
    std::cerr << "agentctl: ping needs an agent name or --all\n";
    return usage;
  }
  if (upgrade->parsed() || rollout_cmd->parsed()) {
    auto ms = parse_duration_ms(soak);
    if (!ms) {
      std::cerr << "agentctl: --soak: not a duration: '" << soak << "' (try 90s, 500ms, 2m)\n";
      return usage;
    }
    up.soak_ms = *ms;
    if (!max_latency.empty()) {
      up.max_latency_ms = parse_duration_ms(max_latency);
      if (!up.max_latency_ms) {
        std::cerr << "agentctl: --max-latency: not a duration: '" << max_latency
                  << "' (try 500ms, 2s)\n";
        return usage;
      }
    }
    // The runtime reads the folder: give it a path that does not depend on
    // where agentctl runs.
    up.release = std::filesystem::absolute(up.release).lexically_normal().string();
  }
  if (opt.nats_url.empty()) {
    const char* env = std::getenv("NATS_URL");
    opt.nats_url = env && *env ? env : "nats://127.0.0.1:4222";
  }

  agent_runtime::nats_credentials credentials;
  try {
    credentials = agent_runtime::resolve_nats_credentials(credential_files);
  } catch (const agent_runtime::credential_error& e) {
    std::cerr << "agentctl: " << e.what() << "\n";
    return usage;
  }
  if (!credentials.warning.empty())
    std::cerr << "agentctl: warning: " << credentials.warning << "\n";
  const std::string shown_url = agent_runtime::redact_url(opt.nats_url);
  std::optional<client> connection;
  try {
    connection.emplace(opt.nats_url, credentials);
  } catch (const agent_runtime::credential_error& e) {
    std::cerr << "agentctl: " << e.what() << "\n";
    return usage;
  }
  client& nats = *connection;
  if (!nats.connected()) {
    std::cerr << "agentctl: cannot connect to NATS at " << shown_url << " ("
              << agent_runtime::describe(credentials) << "): " << nats.error() << "\n";
    return unreachable;
  }

  if (status->parsed())
    return print_status(nats.request("agent.admin.status", "", opt.timeout_ms), opt);
  if (metrics->parsed()) {
    metrics_opt.timeout_ms = opt.timeout_ms;
    metrics_opt.json_output = opt.json_output;
    return agentctl::print_metrics(nats.connection(), metrics_opt);
  }
  const std::string token = operator_token(token_file);
  for (auto* steer : {enable, disable}) {
    if (steer->parsed())
      return report(nats.request_as("agent.admin." + steer->get_name(),
                                    json{{"cluster", cluster}, {"reason", reason}}.dump(), token,
                                    opt.timeout_ms),
                    "cluster " + cluster, opt.timeout_ms, opt.json_output);
  }
  for (auto* steer : {suspend, resume}) {
    if (steer->parsed())
      return report(nats.request_as("agent.admin." + steer->get_name(),
                                    json{{"agent", agent}, {"reason", reason}}.dump(), token,
                                    opt.timeout_ms),
                    agent, opt.timeout_ms, opt.json_output);
  }
  if (upgrade->parsed())
    return upgrade_one(nats, opt, token, cluster, up);
  if (rollout_cmd->parsed())
    return rollout(nats, opt, token, up);
  if (rollback->parsed()) {
    auto reply = nats.request_as("agent.admin.rollback", json{{"cluster", cluster}}.dump(), token,
                                 std::max(opt.timeout_ms, 120000));
    return report(reply, "cluster " + cluster, opt.timeout_ms, opt.json_output);
  }
  if (ping->parsed() && all)
    return ping_all(nats, opt);
  if (ping->parsed())
    return report(nats.request(inbox_subject(agent, "ping"), "ping", opt.timeout_ms), agent,
                  opt.timeout_ms, opt.json_output);
  if (request->parsed())
    return report(nats.request(inbox_subject(agent, "request"), payload, opt.timeout_ms), agent,
                  opt.timeout_ms, opt.json_output);

  auto id = agent_id(nats, agent, opt.timeout_ms);
  if (!id) {
    std::cerr << "agentctl: " << agent << " did not answer a ping within " << opt.timeout_ms
              << " ms\n";
    return refused;
  }
  json message = {{"type", "SendMessage"},
                  {"agent_id", *id},
                  {"message_id", new_uuid()},
                  {"content", text},
                  {"context", json::array()}};
  return report(nats.request(inbox_subject(agent, "request"), message.dump(), opt.timeout_ms),
                agent, opt.timeout_ms, opt.json_output);
}

#include "observability/service_discovery.hpp"

#include <ctime>
#include <random>

#include <nlohmann/json.hpp>

namespace agent_runtime {
namespace {

using nlohmann::json;

std::vector<std::string> split(const std::string& subject) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = subject.find('.', begin);
    parts.push_back(subject.substr(begin, dot - begin));
    if (dot == std::string::npos)
      return parts;
    begin = dot + 1;
  }
}

const char* endpoint_suffix(subject_kind kind) {
  switch (kind) {
    case subject_kind::inbox:
      return "_inbox";
    case subject_kind::broadcast:
      return "_broadcast";
    case subject_kind::agent_ref:
      return "_ref";
  }
  return "";
}

const char* kind_label(subject_kind kind) {
  return kind == subject_kind::agent_ref ? "agent_ref" : to_string(kind);
}

json endpoint_metadata(const service_endpoint& e) {
  return {{"agent", e.agent}, {"cluster", e.cluster}, {"kind", kind_label(e.kind)}};
}

} // namespace

std::string new_instance_id() {
  static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::random_device seed;
  std::mt19937_64 random(seed());
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(alphabet) - 2);
  std::string id(22, '0');
  for (char& c : id)
    c = alphabet[pick(random)];
  return id;
}

std::string service_name_part(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool fits = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
    if (!fits)
      c = '_';
  }
  return out;
}

std::string rfc3339(std::chrono::system_clock::time_point when) {
  const auto ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

service_discovery::service_discovery(service_identity identity,
                                     const std::vector<subject_route>& routes,
                                     const request_tracker& tracker) :
  identity_(std::move(identity)),
  tracker_(tracker), started_(rfc3339(std::chrono::system_clock::now())) {
  for (const subject_route& route : routes)
    endpoints_.push_back({service_name_part(route.agent) + endpoint_suffix(route.kind),
                          route.subject, route.queue_group, route.agent, tracker.cluster_of(route),
                          route.kind});
}

std::vector<std::string> service_discovery::subjects() const {
  return {"$SRV.*", "$SRV.*." + identity_.name, "$SRV.*." + identity_.name + "." + identity_.id};
}

std::optional<std::string> service_discovery::answer(const std::string& subject) const {
  const std::vector<std::string> parts = split(subject);
  if (parts.size() < 2 || parts.size() > 4 || parts[0] != "$SRV")
    return std::nullopt;
  if (parts.size() >= 3 && parts[2] != identity_.name)
    return std::nullopt;
  if (parts.size() == 4 && parts[3] != identity_.id)
    return std::nullopt;
  if (parts[1] == "PING")
    return ping_json();
  if (parts[1] == "INFO")
    return info_json();
  if (parts[1] == "STATS")
    return stats_json();
  return std::nullopt;
}

std::string service_discovery::ping_json() const {
  return json{{"type", "io.nats.micro.v1.ping_response"},
              {"name", identity_.name},
              {"id", identity_.id},
              {"version", identity_.version},
              {"metadata", identity_.metadata}}
    .dump();
}

std::string service_discovery::info_json() const {
  json endpoints = json::array();
  for (const service_endpoint& e : endpoints_)
    endpoints.push_back({{"name", e.name},
                         {"subject", e.subject},
                         {"queue_group", e.queue_group},
                         {"metadata", endpoint_metadata(e)}});
  return json{{"type", "io.nats.micro.v1.info_response"},
              {"name", identity_.name},
              {"id", identity_.id},
              {"version", identity_.version},
              {"description", identity_.description},
              {"metadata", identity_.metadata},
              {"endpoints", std::move(endpoints)}}
    .dump();
}

std::string service_discovery::stats_json() const {
  json endpoints = json::array();
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    const service_endpoint& e = endpoints_[i];
    const endpoint_counts counts = tracker_.endpoint(i);
    endpoints.push_back(
      {{"name", e.name},
       {"subject", e.subject},
       {"queue_group", e.queue_group},
       {"num_requests", counts.requests},
       {"num_errors", counts.errors},
       {"last_error", counts.last_error},
       {"processing_time", counts.processing_ns},
       {"average_processing_time", counts.requests ? counts.processing_ns / counts.requests : 0},
       {"data", {{"busy", counts.busy}}}});
  }
  return json{{"type", "io.nats.micro.v1.stats_response"},
              {"name", identity_.name},
              {"id", identity_.id},
              {"version", identity_.version},
              {"metadata", identity_.metadata},
              {"started", started_},
              {"endpoints", std::move(endpoints)}}
    .dump();
}

} // namespace agent_runtime

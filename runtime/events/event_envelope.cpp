#include "events/event_envelope.hpp"

#include <ctime>
#include <mutex>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/json_fields.hpp"

namespace agent_runtime {

using nlohmann::json;

std::string envelope_to_json(const event_envelope& envelope) {
  return json_text(json{{"aggregate_id", envelope.aggregate_id},
                        {"sequence", envelope.sequence},
                        {"event", event_to_json(envelope.event)},
                        {"timestamp", envelope.timestamp},
                        {"correlation_id", envelope.correlation_id},
                        {"causation_id", envelope.causation_id}});
}

std::optional<event_envelope> envelope_from_json(const std::string& text) {
  json object = json::parse(text, nullptr, false);
  if (!object.is_object())
    return std::nullopt;
  auto id = object.find("aggregate_id");
  auto sequence = object.find("sequence");
  auto body = object.find("event");
  if (id == object.end() || !id->is_string() || sequence == object.end() ||
      !sequence->is_number_unsigned() || body == object.end())
    return std::nullopt;
  std::optional<agent_event> event = event_from_json(*body);
  if (!event)
    return std::nullopt;
  event_envelope envelope{
    id->get<std::string>(), sequence->get<std::uint64_t>(), std::move(*event), {}, {}, {}};
  envelope.timestamp = object.value("timestamp", "");
  envelope.correlation_id = object.value("correlation_id", "");
  envelope.causation_id = object.value("causation_id", "");
  return envelope;
}

std::string rfc3339_utc(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

std::string new_uuid_v7() {
  static std::mutex mutex;
  static std::mt19937_64 random{std::random_device{}()};
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    high = random();
    low = random();
  }
  const auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  // 48 bits of time, version 7, 12 random bits; variant 10, 62 random bits.
  high = (ms << 16) | 0x7000 | (high & 0x0fff);
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xffff), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

namespace event_subjects {
namespace {

std::vector<std::string> tokens(const std::string& subject) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = subject.find('.', start);
    out.push_back(
      subject.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos)
      return out;
    start = dot + 1;
  }
}

} // namespace

std::string for_event(const std::string& agent_id, const agent_event& event) {
  return "agent.events.agent." + agent_id + "." + event_suffix(event);
}

std::string for_agent(const std::string& agent_id) {
  return "agent.events.agent." + agent_id + ".>";
}

std::string snapshot(const std::string& agent_id) {
  return "agent.events.agent." + agent_id + ".snapshot";
}

std::string unified(const std::string& cluster, const std::string& name,
                    const std::string& agent_id, const agent_event& event) {
  return "agent." + cluster + "." + name + "." + agent_id + ".event." + event_suffix(event);
}

bool covers(const std::string& pattern, const std::string& wanted) {
  const auto p = tokens(pattern);
  const auto w = tokens(wanted);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == ">")
      return i < w.size();
    if (i >= w.size())
      return false;
    if (w[i] == ">")
      return false;
    if (p[i] != "*" && (w[i] == "*" || p[i] != w[i]))
      return false;
  }
  return p.size() == w.size();
}

bool overlap(const std::string& a, const std::string& b) {
  const auto x = tokens(a);
  const auto y = tokens(b);
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (x[i] == ">" || y[i] == ">")
      return true;
    if (x[i] != "*" && y[i] != "*" && x[i] != y[i])
      return false;
  }
  return x.size() == y.size();
}

} // namespace event_subjects

} // namespace agent_runtime

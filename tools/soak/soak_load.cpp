#include "soak/soak_load.hpp"

#include <nats/nats.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace agent_runtime::soak {

using nlohmann::json;

namespace {

/// The short reason an error reply gives, for the report's table.
std::string reason_of(const std::string& message) {
  static const std::pair<const char*, const char*> known[] = {
    {"busy", "busy"},
    {"disabled", "cluster disabled"},
    {"internal error", "handler threw"},
    {"timed out", "model timed out"},
    {"answered 500", "model failed"},
    {"not running", "agent not running"},
    {"marked failed", "agent failed"},
    {"out of service", "agent failed"},
  };
  for (const auto& [needle, reason] : known) {
    if (message.find(needle) != std::string::npos)
      return reason;
  }
  return "other: " + message.substr(0, 80);
}

/// A message id that no other request of this run has.
std::string message_id(std::uint64_t n) {
  char id[40];
  std::snprintf(id, sizeof(id), "50a50000-0000-7000-8000-%012llx",
                static_cast<unsigned long long>(n));
  return id;
}

} // namespace

std::uint64_t soak_tally::refused_total() const {
  std::uint64_t total = 0;
  for (const auto& [reason, n] : refused)
    total += n;
  return total;
}

/// One connection, its sender thread and the requests it awaits.
struct soak_load::client {
  /// What a reply must say to be the answer to its request.
  struct expected {
    std::string agent;
    /// For a SendMessage, a token the answer must contain; empty for a ping.
    std::string token;
  };

  soak_load* owner = nullptr;
  std::size_t number = 0;
  std::size_t window = 0;
  std::vector<soak_target> targets;
  std::mt19937 random;
  natsConnection* connection = nullptr;
  natsSubscription* replies = nullptr;
  std::string inbox;
  std::thread sender;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::unordered_map<std::uint64_t, expected> pending;
  std::uint64_t next = 0;
  soak_tally tally;

  void connect(const std::string& url) {
    natsOptions* options = nullptr;
    natsOptions_Create(&options);
    natsOptions_SetURL(options, url.c_str());
    natsOptions_SetName(options, ("soak-client-" + std::to_string(number)).c_str());
    natsOptions_SetMaxReconnect(options, -1);
    natsOptions_SetReconnectWait(options, 100);
    const natsStatus s = natsConnection_Connect(&connection, options);
    natsOptions_Destroy(options);
    if (s != NATS_OK)
      throw std::runtime_error(std::string("soak client cannot connect: ") + natsStatus_GetText(s));
    inbox = "_INBOX.soak." + std::to_string(number) + ".";
    natsConnection_Subscribe(&replies, connection, (inbox + "*").c_str(), &client::on_reply, this);
    natsSubscription_SetPendingLimits(replies, -1, -1);
  }

  static void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<client*>(closure)->take(msg);
    natsMsg_Destroy(msg);
  }

  void take(natsMsg* msg) {
    const std::string subject = natsMsg_GetSubject(msg);
    const std::uint64_t seq = std::strtoull(subject.c_str() + inbox.size(), nullptr, 10);
    const bool no_responders = natsMsg_IsNoResponders(msg);
    const std::string payload(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));

    std::lock_guard<std::mutex> guard(mutex);
    auto it = pending.find(seq);
    if (it == pending.end()) {
      ++tally.duplicated;
      return;
    }
    classify(it->second, no_responders, payload);
    pending.erase(it);
    changed.notify_all();
  }

  void classify(const expected& want, bool no_responders, const std::string& payload) {
    if (no_responders) {
      ++tally.refused["no responders (NATS)"];
      return;
    }
    const json reply = json::parse(payload, nullptr, false);
    if (!reply.is_object()) {
      ++tally.refused["other: reply is not JSON"];
      return;
    }
    if (reply.value("status", "") != "ok") {
      ++tally.refused[reason_of(reply.value("message", ""))];
      return;
    }
    const bool right = want.token.empty() ? reply.value("name", "") == want.agent
                                          : payload.find(want.token) != std::string::npos;
    ++(right ? tally.answered : tally.mismatched);
  }

  void run() {
    while (owner->running_.load()) {
      std::unique_lock<std::mutex> guard(mutex);
      changed.wait_for(guard, std::chrono::milliseconds(50), [&] {
        return !owner->running_.load() || (!owner->paused_.load() && pending.size() < window);
      });
      if (!owner->running_.load())
        return;
      if (owner->paused_.load() || pending.size() >= window ||
          natsConnection_Status(connection) != NATS_CONN_STATUS_CONNECTED)
        continue;
      send_one(guard);
    }
  }

  void send_one(std::unique_lock<std::mutex>& guard) {
    const soak_target& target = targets[random() % targets.size()];
    const std::uint64_t seq = next++;
    expected want{target.name, {}};
    std::string payload = "ping";
    if (random() % 2) {
      want.token = "soak-" + std::to_string(number) + "-" + std::to_string(seq);
      payload = json{{"type", "SendMessage"},
                     {"agent_id", target.id},
                     {"message_id", message_id((std::uint64_t(number) << 40) | seq)},
                     {"content", want.token}}
                  .dump();
    }
    pending.emplace(seq, want);
    ++tally.sent;
    guard.unlock();

    const std::string subject = "agent.to." + target.name + ".from.soak.request";
    const std::string reply = inbox + std::to_string(seq);
    const natsStatus s = natsConnection_PublishRequestString(connection, subject.c_str(),
                                                             reply.c_str(), payload.c_str());
    guard.lock();
    if (s != NATS_OK) {
      // Never left the client: not a request the fleet could answer.
      pending.erase(seq);
      --tally.sent;
    }
  }
};

soak_load::soak_load(const std::string& url, const std::vector<soak_target>& targets,
                     std::size_t clients, std::size_t window, std::uint32_t seed) {
  for (std::size_t i = 0; i < clients; ++i) {
    auto c = std::make_unique<client>();
    c->owner = this;
    c->number = i;
    c->window = window;
    c->targets = targets;
    c->random.seed(seed + static_cast<std::uint32_t>(i));
    c->connect(url);
    clients_.push_back(std::move(c));
  }
}

soak_load::~soak_load() {
  stop();
  for (auto& c : clients_) {
    natsSubscription_Destroy(c->replies);
    natsConnection_Destroy(c->connection);
  }
}

void soak_load::start() {
  running_ = true;
  for (auto& c : clients_)
    c->sender = std::thread([raw = c.get()] { raw->run(); });
}

void soak_load::pause() {
  paused_ = true;
}

void soak_load::resume() {
  paused_ = false;
  for (auto& c : clients_)
    c->changed.notify_all();
}

bool soak_load::wait_idle(std::chrono::milliseconds limit) const {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (const auto& c : clients_) {
    std::unique_lock<std::mutex> guard(c->mutex);
    if (!c->changed.wait_until(guard, until, [&] { return c->pending.empty(); }))
      return false;
  }
  return true;
}

void soak_load::stop() {
  running_ = false;
  for (auto& c : clients_) {
    c->changed.notify_all();
    if (c->sender.joinable())
      c->sender.join();
  }
}

soak_tally soak_load::tally() const {
  soak_tally total;
  for (const auto& c : clients_) {
    std::lock_guard<std::mutex> guard(c->mutex);
    total.sent += c->tally.sent;
    total.answered += c->tally.answered;
    total.mismatched += c->tally.mismatched;
    total.duplicated += c->tally.duplicated;
    for (const auto& [reason, n] : c->tally.refused)
      total.refused[reason] += n;
    total.in_flight += c->pending.size();
    for (const auto& [seq, want] : c->pending)
      ++total.in_flight_by_agent[want.agent + (want.token.empty() ? " (ping)" : " (message)")];
  }
  return total;
}

} // namespace agent_runtime::soak

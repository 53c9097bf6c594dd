#include "support/load_driver.hpp"

#include <condition_variable>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <nats/nats.h>

namespace agent_runtime::testing {

/// One connection's requests to one agent.
struct load_driver::stream {
  load_driver* driver = nullptr;
  natsConnection* nc = nullptr;
  std::size_t conn = 0;
  std::size_t agent = 0;
  std::mutex mutex;
  std::uint64_t next_seq = 0;
  /// The sequence number the next reply should carry.
  std::uint64_t expected = 0;
  std::vector<bool> seen;
  std::vector<reply> replies;
};

struct load_driver::connection {
  natsConnection* nc = nullptr;
  natsSubscription* sub = nullptr;
};

namespace {

std::string message_id(std::size_t conn, std::size_t agent, std::uint64_t seq) {
  char id[40];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%04zx%02zx%06llx", conn, agent,
                static_cast<unsigned long long>(seq));
  return id;
}

} // namespace

load_driver::load_driver(const std::string& url, std::vector<agent_definition> agents,
                         std::size_t connections, std::size_t window,
                         std::function<int(const nlohmann::json&)> classify) :
  agents_(std::move(agents)),
  window_(window), classify_(std::move(classify)) {
  for (std::size_t c = 0; c < connections; ++c) {
    auto conn = std::make_unique<connection>();
    natsOptions* opts = nullptr;
    natsOptions_Create(&opts);
    natsOptions_SetURL(opts, url.c_str());
    natsOptions_SetSendAsap(opts, true);
    natsStatus status = natsConnection_Connect(&conn->nc, opts);
    natsOptions_Destroy(opts);
    if (status != NATS_OK)
      throw std::runtime_error("load client cannot connect: " +
                               std::string(natsStatus_GetText(status)));
    std::vector<std::unique_ptr<stream>> per_agent;
    for (std::size_t a = 0; a < agents_.size(); ++a) {
      auto s = std::make_unique<stream>();
      s->driver = this;
      s->nc = conn->nc;
      s->conn = c;
      s->agent = a;
      per_agent.push_back(std::move(s));
    }
    streams_.push_back(std::move(per_agent));
    const std::string inbox = "load." + std::to_string(c) + ".>";
    natsConnection_Subscribe(&conn->sub, conn->nc, inbox.c_str(), &load_driver::on_reply, this);
    natsSubscription_SetPendingLimits(conn->sub, -1, -1);
    natsConnection_Flush(conn->nc);
    connections_.push_back(std::move(conn));
  }
}

load_driver::~load_driver() {
  running_ = false;
  for (auto& conn : connections_) {
    natsSubscription_Unsubscribe(conn->sub);
    natsSubscription_Destroy(conn->sub);
    natsConnection_Destroy(conn->nc);
  }
}

void load_driver::start() {
  running_ = true;
  for (auto& per_agent : streams_) {
    for (auto& s : per_agent) {
      for (std::size_t i = 0; i < window_; ++i)
        send_next(*s);
    }
  }
}

void load_driver::send_next(stream& s) {
  // The sequence number and the publish under one lock: start() and the
  // reply callback may send on one stream at once, and the server must see
  // its requests in sequence order.
  std::lock_guard<std::mutex> lock(s.mutex);
  const std::uint64_t seq = s.next_seq++;
  s.seen.push_back(false);
  const agent_definition& agent = agents_[s.agent];
  const std::string payload = nlohmann::json{
    {"type", "SendMessage"},
    {"agent_id", agent.id},
    {"message_id", message_id(s.conn, s.agent, seq)},
    {"content", "n=" + std::to_string(seq)},
    {"context",
     nlohmann::json::array()}}.dump();
  const std::string reply =
    "load." + std::to_string(s.conn) + "." + std::to_string(s.agent) + "." + std::to_string(seq);
  const std::string subject = "agent.to." + agent.name + ".from.load.request";
  natsConnection_PublishRequest(s.nc, subject.c_str(), reply.c_str(), payload.data(),
                                static_cast<int>(payload.size()));
  ++sent_;
}

void load_driver::on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* self = static_cast<load_driver*>(closure);
  std::size_t conn = 0, agent = 0;
  unsigned long long seq = 0;
  const std::string subject = natsMsg_GetSubject(msg);
  const std::string payload(natsMsg_GetData(msg),
                            static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
  if (std::sscanf(subject.c_str(), "load.%zu.%zu.%llu", &conn, &agent, &seq) != 3 ||
      conn >= self->streams_.size() || agent >= self->agents_.size())
    return;
  stream& s = *self->streams_[conn][agent];
  const nlohmann::json parsed = nlohmann::json::parse(payload, nullptr, false);
  reply r;
  r.seq = seq;
  r.ok = parsed.is_object() && parsed.value("status", "") == "ok";
  r.message = parsed.is_object() ? parsed.value("message", "") : payload;
  r.version = self->classify_(parsed);
  if (r.ok && parsed.value("response", "").find("answers: n=" + std::to_string(seq) + " [") ==
                std::string::npos)
    ++self->mismatched_;
  bool again = false;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (seq >= s.seen.size() || s.seen[seq]) {
      ++self->duplicates_;
      return;
    }
    s.seen[seq] = true;
    if (seq != s.expected)
      ++self->out_of_order_;
    s.expected = seq + 1;
    s.replies.push_back(std::move(r));
    again = self->running_.load();
  }
  ++self->answered_;
  if (again)
    self->send_next(s);
}

bool load_driver::wait_for_more(std::size_t n, std::chrono::milliseconds limit) {
  const std::size_t target = answered_.load() + n;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (answered_.load() < target) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void load_driver::stop(std::chrono::milliseconds limit) {
  running_ = false;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (answered_.load() < sent_.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Anything still on its way (a duplicate, say) has had its round trip.
  for (auto& conn : connections_)
    natsConnection_Flush(conn->nc);
}

std::size_t load_driver::lost() const {
  std::size_t missing = 0;
  for (const auto& per_agent : streams_) {
    for (const auto& s : per_agent) {
      std::lock_guard<std::mutex> lock(s->mutex);
      for (bool seen : s->seen)
        missing += seen ? 0 : 1;
    }
  }
  return missing;
}

std::vector<load_driver::reply> load_driver::replies(std::size_t connection,
                                                     const std::string& agent) const {
  for (std::size_t a = 0; a < agents_.size(); ++a) {
    if (agents_[a].name != agent)
      continue;
    const stream& s = *streams_.at(connection)[a];
    std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(s.mutex));
    return s.replies;
  }
  return {};
}

std::vector<std::string> load_driver::errors() const {
  std::vector<std::string> out;
  for (const auto& per_agent : streams_) {
    for (const auto& s : per_agent) {
      std::lock_guard<std::mutex> lock(s->mutex);
      for (const reply& r : s->replies) {
        if (!r.ok)
          out.push_back(agents_[s->agent].name + ": " + r.message);
      }
    }
  }
  return out;
}

} // namespace agent_runtime::testing

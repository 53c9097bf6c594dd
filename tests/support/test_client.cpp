#include "support/test_client.hpp"

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>
#include <nats/nats.h>

namespace agent_runtime::testing {

void collector::add(message m) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    messages_.push_back(std::move(m));
  }
  arrived_.notify_all();
}

std::size_t collector::count() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return messages_.size();
}

std::vector<collector::message> collector::messages() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return messages_;
}

bool collector::wait_for(std::size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock<std::mutex> guard(mutex_);
  return arrived_.wait_for(guard, limit, [&] { return messages_.size() >= n; });
}

test_client::test_client(const std::string& url) {
  natsOptions* opts = nullptr;
  natsOptions_Create(&opts);
  natsOptions_SetURL(opts, url.c_str());
  natsOptions_SetSendAsap(opts, true);
  // Outage tests restart the server: come back quickly, and keep trying.
  natsOptions_SetMaxReconnect(opts, -1);
  natsOptions_SetReconnectWait(opts, 50);
  natsStatus status = natsConnection_Connect(&connection_, opts);
  natsOptions_Destroy(opts);
  if (status != NATS_OK)
    throw std::runtime_error("test client cannot connect to " + url + ": " +
                             natsStatus_GetText(status));
}

test_client::~test_client() {
  for (natsSubscription* sub : subscriptions_)
    natsSubscription_Destroy(sub);
  natsConnection_Destroy(connection_);
}

std::optional<std::string> test_client::request(const std::string& subject,
                                                const std::string& payload,
                                                std::chrono::milliseconds limit) {
  natsMsg* reply = nullptr;
  natsStatus status = natsConnection_Request(&reply, connection_, subject.c_str(), payload.data(),
                                             static_cast<int>(payload.size()), limit.count());
  if (status != NATS_OK)
    return std::nullopt;
  std::string text(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  return text;
}

nlohmann::json test_client::request_json(const std::string& subject, const std::string& payload,
                                         std::chrono::milliseconds limit) {
  auto reply = request(subject, payload, limit);
  if (!reply)
    FAIL("no reply on " << subject << " to " << payload);
  auto parsed = nlohmann::json::parse(*reply, nullptr, false);
  if (parsed.is_discarded())
    FAIL("reply on " << subject << " is not JSON: " << *reply);
  return parsed;
}

void test_client::publish(const std::string& subject, const std::string& payload,
                          const std::string& reply) {
  const int length = static_cast<int>(payload.size());
  natsStatus status =
    reply.empty() ? natsConnection_Publish(connection_, subject.c_str(), payload.data(), length)
                  : natsConnection_PublishRequest(connection_, subject.c_str(), reply.c_str(),
                                                  payload.data(), length);
  REQUIRE(status == NATS_OK);
}

namespace {

natsMsg* message_with_headers(const std::string& subject, const message_headers& headers,
                              const std::string& payload, const std::string& reply) {
  natsMsg* msg = nullptr;
  REQUIRE(natsMsg_Create(&msg, subject.c_str(), reply.empty() ? nullptr : reply.c_str(),
                         payload.data(), static_cast<int>(payload.size())) == NATS_OK);
  for (const auto& [name, value] : headers)
    REQUIRE(natsMsgHeader_Add(msg, name.c_str(), value.c_str()) == NATS_OK);
  return msg;
}

message_headers headers_of(natsMsg* msg) {
  message_headers headers;
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) != NATS_OK)
    return headers;
  for (int i = 0; i < count; ++i) {
    const char* value = nullptr;
    if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK)
      headers.emplace_back(keys[i], value ? value : "");
  }
  free(static_cast<void*>(keys));
  return headers;
}

} // namespace

void test_client::publish_with_headers(const std::string& subject, const message_headers& headers,
                                       const std::string& payload, const std::string& reply) {
  natsMsg* msg = message_with_headers(subject, headers, payload, reply);
  natsStatus status = natsConnection_PublishMsg(connection_, msg);
  natsMsg_Destroy(msg);
  REQUIRE(status == NATS_OK);
}

std::optional<std::string> test_client::request_with_headers(const std::string& subject,
                                                             const message_headers& headers,
                                                             const std::string& payload,
                                                             std::chrono::milliseconds limit) {
  natsMsg* msg = message_with_headers(subject, headers, payload, "");
  natsMsg* reply = nullptr;
  natsStatus status = natsConnection_RequestMsg(&reply, connection_, msg, limit.count());
  natsMsg_Destroy(msg);
  if (status != NATS_OK)
    return std::nullopt;
  std::string text(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  return text;
}

std::shared_ptr<collector> test_client::collect(const std::string& subject) {
  auto sink = std::make_shared<collector>();
  natsSubscription* sub = nullptr;
  auto on_message = [](natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<collector*>(closure)->add(
      {natsMsg_GetSubject(msg),
       std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
       headers_of(msg)});
    natsMsg_Destroy(msg);
  };
  REQUIRE(natsConnection_Subscribe(&sub, connection_, subject.c_str(), on_message, sink.get()) ==
          NATS_OK);
  subscriptions_.push_back(sub);
  collectors_.push_back(sink);
  flush();
  return sink;
}

void test_client::flush() {
  REQUIRE(natsConnection_FlushTimeout(connection_, 5000) == NATS_OK);
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

} // namespace agent_runtime::testing

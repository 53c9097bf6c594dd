#include "routing/conversation_relay.hpp"

#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "config/json_fields.hpp"
#include "observability/request_tracker.hpp"
#include "routing/refusal.hpp"

namespace agent_runtime {
namespace {

/// The reply subjects the relay gives the requests it hands on. They never
/// reach NATS: the relay takes every reply to them out of the reply path.
constexpr const char* relay_prefix = "_CONVERSATION.";

bool is_relayed(const std::string& subject) {
  return subject.compare(0, std::char_traits<char>::length(relay_prefix), relay_prefix) == 0;
}

std::string error_reply(const std::string& why) {
  return json_text({{"status", "error"}, {"message", why}});
}

} // namespace

conversation_relay::conversation_relay(reply_sink& replies, header_sink& headers,
                                       std::vector<conversation_target> targets) :
  replies_(replies),
  headers_(headers), log_(component_logger("conversations")) {
  for (conversation_target& target : targets) {
    serving_ += target.unified ? 1 : 0;
    std::string key = target.reference;
    targets_.emplace(std::move(key), std::move(target));
  }
}

bool conversation_relay::serves_any() const {
  return serving_ > 0;
}

std::size_t conversation_relay::serving() const {
  return serving_;
}

std::size_t conversation_relay::waiting() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return pending_.size();
}

void conversation_relay::on_request(inbound_message& message, const message_headers& headers,
                                    message_dispatcher& dispatcher) {
  auto read = read_conversation_request(message.subject, headers);
  if (auto* refusal = std::get_if<conversation_refusal>(&read))
    return refuse(refusal->known, message.reply, refusal->message);
  conversation& talk = std::get<conversation>(read);

  auto target = targets_.find(talk.recipient);
  if (target == targets_.end())
    return refuse(talk, message.reply, "no agent " + talk.recipient + " in this fleet");
  const subject_route& route = target->second.route;
  if (!target->second.unified)
    return refuse(talk, message.reply,
                  "agent " + route.agent +
                    " does not serve conversation subjects: "
                    "unified_subjects is off for cluster " +
                    dispatcher.cluster_of(route));

  const std::string reply = message.reply;
  message.kind = route.kind;
  message.reply = open(talk, reply);
  const std::string token = message.reply;
  const dispatch_result result = dispatcher.dispatch(route, message);
  if (result == dispatch_result::accepted)
    return;

  {
    std::lock_guard<std::mutex> guard(mutex_);
    pending_.erase(token);
  }
  // A flood of busy refusals must not become a flood of log lines.
  const bool quiet = result == dispatch_result::busy && refused() % 100 != 0;
  refuse(talk, reply,
         refusal_text(result, route.agent, dispatcher.cluster_of(route),
                      dispatcher.in_flight_limit(route)),
         quiet);
}

std::string conversation_relay::open(conversation talk, std::string reply) {
  // Said before the agent can answer, so that it is the first message of
  // the request on the conversation's subjects.
  headers_.publish_with_headers(conversation_subjects::of(talk.id, "status"), reply_headers(talk),
                                json_text({{"status", "received"}, {"agent", talk.recipient}}));
  log_->debug("[conversation {}] request for agent={} sender={} correlation_id={}", talk.id,
              talk.recipient, talk.sender, talk.correlation_id);

  std::lock_guard<std::mutex> guard(mutex_);
  std::string token = relay_prefix + std::to_string(++next_);
  pending_.emplace(token, pending{std::move(talk), std::move(reply)});
  return token;
}

bool conversation_relay::publish(const std::string& subject, const std::string& payload) {
  if (!is_relayed(subject))
    return replies_.publish(subject, payload);
  pending open;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = pending_.find(subject);
    if (it == pending_.end()) {
      // Every request is answered once; a second answer is a bug upstream.
      log_->warn("[conversations] dropped a reply to no open request subject={}", subject);
      return false;
    }
    open = std::move(it->second);
    pending_.erase(it);
  }
  answer(open, payload);
  return true;
}

void conversation_relay::answer(const pending& open, const std::string& payload) {
  const bool error = reply_error(payload).has_value();
  headers_.publish_with_headers(
    conversation_subjects::of(open.talk.id, error ? "error" : "response"), reply_headers(open.talk),
    payload);
  if (!open.reply.empty())
    replies_.publish(open.reply, payload);
}

void conversation_relay::refuse(const conversation& talk, const std::string& reply,
                                const std::string& why, bool quiet) {
  const std::uint64_t total = refused_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (!quiet)
    log_->warn("[conversation {}] refused recipient={} sender={} reason=\"{}\" refused_total={}",
               talk.id.empty() ? "-" : talk.id, talk.recipient.empty() ? "-" : talk.recipient,
               talk.sender.empty() ? "-" : talk.sender, why, total);
  const std::string payload = error_reply(why);
  if (!talk.id.empty())
    headers_.publish_with_headers(conversation_subjects::of(talk.id, "error"), reply_headers(talk),
                                  payload);
  if (!reply.empty())
    replies_.publish(reply, payload);
}

} // namespace agent_runtime

#include "provider/http_provider.hpp"

#include <cmath>
#include <cstdlib>

#include "app/log.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;

/// How much of an error response is kept to explain it.
constexpr std::size_t error_body_limit = 4096;
/// How much of the server's own explanation reaches the reply.
constexpr std::size_t detail_limit = 300;

std::string string_field(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

/// The server's own explanation in an error response, if it gives one.
std::string error_detail(const std::string& body) {
  const json parsed = json::parse(body, nullptr, false);
  std::string detail = body;
  if (parsed.is_object()) {
    const auto error = parsed.find("error");
    if (error != parsed.end() && error->is_object())
      detail = string_field(*error, "message");
    else if (error != parsed.end())
      detail = string_field(parsed, "error");
    else
      detail = string_field(parsed, "message");
  }

  for (char& c : detail) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  }
  while (!detail.empty() && detail.back() == ' ')
    detail.pop_back();
  if (detail.size() > detail_limit)
    detail = detail.substr(0, detail_limit) + "...";
  return detail;
}

std::string status_error(unsigned status, const std::string& model, const std::string& body) {
  const std::string code = " (HTTP " + std::to_string(status) + ")";
  std::string what;
  if (status == 404)
    what = "model '" + model + "' is missing on the server, or the server has no such API" + code;
  else if (status == 429)
    what = "rate limited by the model server" + code;
  else if (status == 401 || status == 403)
    what = "the model server refused the API key" + code;
  else if (status >= 500)
    what = "model server error" + code;
  else
    what = "the model server rejected the request" + code;
  const std::string detail = error_detail(body);
  return detail.empty() ? what : what + ": " + detail;
}

std::chrono::milliseconds request_limit(const model_config& model,
                                        std::chrono::milliseconds fallback) {
  if (!model.timeout_seconds)
    return fallback;
  return std::chrono::milliseconds(std::max(1L, std::lround(*model.timeout_seconds * 1000)));
}

} // namespace

/// One request in flight: receives the response on the I/O thread, streams
/// the chunks and ends the request once.
class http_provider::exchange : public http_sink {
public:
  exchange(const char* provider, const chat_request& request, chunk_handler on_chunk,
           done_handler on_done, std::shared_ptr<spdlog::logger> log) :
    provider_(provider),
    agent_(request.agent), model_(request.model.model_name), on_chunk_(std::move(on_chunk)),
    on_done_(std::move(on_done)), log_(std::move(log)), started_(std::chrono::steady_clock::now()) {
    on_text_ = [this](const std::string& text) {
      take(text);
    };
  }

  void begin(std::string origin, std::unique_ptr<stream_decoder> decoder) {
    origin_ = std::move(origin);
    decoder_ = std::move(decoder);
    log_->debug("[{}] model request started provider={} model={} endpoint={}", agent_, provider_,
                model_, origin_);
  }

  void on_head(unsigned status) override {
    status_ = status;
  }

  bool on_body(std::string_view bytes) override {
    if (!succeeded()) {
      error_body_.append(bytes.substr(0, error_body_limit - error_body_.size()));
      return error_body_.size() < error_body_limit;
    }
    if (auto error = decoder_->feed(bytes, on_text_)) {
      failure_ = std::move(error);
      return false;
    }
    return !decoder_->finished();
  }

  void on_end(std::optional<std::string> error) override {
    finish(failure(std::move(error)));
  }

  /// Ends the request before anything was sent.
  void fail_now(const std::string& why) {
    finish(why);
  }

private:
  bool succeeded() const {
    return status_ / 100 == 2;
  }

  void take(const std::string& text) {
    if (text.empty())
      return;
    if (on_chunk_)
      on_chunk_(result_.chunks, text);
    ++result_.chunks;
    result_.text += text;
  }

  /// Why the request failed, if it did: the first thing that went wrong.
  std::optional<std::string> failure(std::optional<std::string> transport) {
    if (failure_)
      return failure_;
    if (status_ != 0 && !succeeded())
      return status_error(status_, model_, error_body_);
    if (decoder_->finished())
      return std::nullopt;
    if (transport)
      return transport;
    if (auto error = decoder_->end(on_text_))
      return error;
    if (decoder_->finished())
      return std::nullopt;
    return std::string("stream cut: the answer ended without ") + decoder_->end_marker();
  }

  void finish(std::optional<std::string> error) {
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_);
    result_.ok = !error;
    if (error) {
      result_.error =
        std::string(provider_) + (origin_.empty() ? "" : " at " + origin_) + ": " + *error;
      log_->warn("[{}] model request provider={} model={} endpoint={} status=failed http={} "
                 "chunks={} took_ms={} error=\"{}\"",
                 agent_, provider_, model_, origin_, status_, result_.chunks, took.count(), *error);
    } else {
      log_->debug("[{}] model request provider={} model={} endpoint={} status=ok http={} "
                  "chunks={} chars={} took_ms={}",
                  agent_, provider_, model_, origin_, status_, result_.chunks, result_.text.size(),
                  took.count());
    }
    done_handler done = std::move(on_done_);
    on_chunk_ = nullptr;
    done(std::move(result_));
  }

  const char* provider_;
  std::string agent_;
  std::string model_;
  std::string origin_;
  chunk_handler on_chunk_;
  done_handler on_done_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::steady_clock::time_point started_;
  std::unique_ptr<stream_decoder> decoder_;
  stream_decoder::text_handler on_text_;
  unsigned status_ = 0;
  std::string error_body_;
  std::optional<std::string> failure_;
  chat_result result_;
};

http_provider::http_provider(std::shared_ptr<http_client> client, http_provider_options options) :
  client_(std::move(client)), options_(options), log_(component_logger("provider")) {}

void http_provider::complete(const chat_request& request, chunk_handler on_chunk,
                             done_handler on_done) {
  auto ex =
    std::make_shared<exchange>(name(), request, std::move(on_chunk), std::move(on_done), log_);
  http_request http;
  if (auto problem = prepare(request, http))
    return ex->fail_now(*problem);
  ex->begin(http.endpoint.origin(), make_decoder());
  client_->start(std::move(http), std::move(ex));
}

std::optional<std::string> http_provider::prepare(const chat_request& request,
                                                  http_request& out) const {
  const model_config& model = request.model;
  const std::string url = model.api_endpoint.empty() ? default_endpoint() : model.api_endpoint;
  auto endpoint = http_endpoint::parse(url);
  if (!endpoint)
    return url.find('@') != std::string::npos
             ? std::string(
                 "api_endpoint carries credentials (not shown); the key goes in api_key_env")
             : "api_endpoint '" + url + "' is not an http:// or https:// URL";

  std::string key;
  const char* key_env = model.api_key_env.empty() ? default_key_env() : model.api_key_env.c_str();
  if (key_env) {
    const char* value = std::getenv(key_env);
    key = value ? value : "";
  }
  if (key.empty() && !model.api_key_env.empty())
    return "the environment variable " + model.api_key_env + " named by api_key_env is not set";
  if (key.empty() && key_required())
    return std::string("no API key: set ") + default_key_env() +
           " or name another environment variable in api_key_env";

  out.endpoint = *endpoint;
  out.target = target_for(*endpoint);
  out.headers = headers_for(key);
  out.body = body_for(request).dump();
  out.connect_timeout = options_.connect_timeout;
  out.total_timeout = request_limit(model, options_.request_timeout);
  return std::nullopt;
}

nlohmann::json http_provider::messages_json(const chat_request& request) {
  json messages = json::array();
  for (const chat_message& m : request.messages) {
    if (m.role == "system" && m.content.empty())
      continue;
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  return messages;
}

} // namespace agent_runtime

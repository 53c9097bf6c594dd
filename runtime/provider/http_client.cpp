#include "provider/http_client.hpp"

#include <array>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "app/log.hpp"

namespace agent_runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

/// Largest answer body read; a model answer is far smaller.
constexpr std::uint64_t body_limit = std::uint64_t{64} << 20;

std::string describe(std::chrono::milliseconds limit) {
  if (limit.count() % 1000 == 0)
    return std::to_string(limit.count() / 1000) + " s";
  return std::to_string(limit.count()) + " ms";
}

/// Whether `ec` means that the peer closed the connection.
bool is_closed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

bool is_http_error(const error_code& ec) {
  return ec.category() == error_code(http::error::bad_version).category();
}

bool is_ip_address(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

/// One request and its streamed response, from resolving the host to the
/// last byte. Lives on the I/O thread; its handlers keep it alive.
class exchange : public std::enable_shared_from_this<exchange> {
public:
  using running_set = std::set<std::shared_ptr<exchange>>;

  exchange(asio::io_context& io, ssl::context& tls, running_set& running, http_request request,
           std::shared_ptr<http_sink> sink) :
    running_(running),
    request_(std::move(request)), sink_(std::move(sink)), resolver_(io), deadline_(io) {
    if (request_.endpoint.tls)
      tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, tls);
    else
      plain_ = std::make_unique<beast::tcp_stream>(io);
    parser_.body_limit(body_limit);
  }

  void run() {
    deadline_.expires_after(request_.total_timeout);
    deadline_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec)
        self->end("timed out: no complete answer within " + describe(self->request_.total_timeout));
    });
    resolver_.async_resolve(
      request_.endpoint.host, request_.endpoint.port,
      [self = shared_from_this()](error_code ec, const tcp::resolver::results_type& results) {
        self->on_resolve(ec, results);
      });
  }

  /// Ends the exchange and tells the sink; later calls do nothing.
  void end(std::optional<std::string> error) {
    if (ended_)
      return;
    ended_ = true;
    deadline_.cancel();
    resolver_.cancel();
    tcp().close();
    auto self = shared_from_this();
    running_.erase(self);
    sink_->on_end(std::move(error));
  }

private:
  beast::tcp_stream& tcp() {
    return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  }

  /// Calls `f` with the stream the HTTP messages travel on.
  template <class F>
  void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  std::string origin() const {
    return request_.endpoint.origin();
  }

  void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
    if (ended_)
      return;
    if (ec)
      return end("cannot resolve " + request_.endpoint.host + ": " + ec.message());
    tcp().expires_after(request_.connect_timeout);
    tcp().async_connect(results, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
      self->on_connect(ec);
    });
  }

  void on_connect(error_code ec) {
    if (ended_)
      return;
    if (ec == asio::error::connection_refused)
      return end("connection refused by " + origin());
    if (ec == beast::error::timeout)
      return end("could not connect to " + origin() + " within " +
                 describe(request_.connect_timeout) + " (connect timeout)");
    if (ec)
      return end("could not connect to " + origin() + ": " + ec.message());
    if (tls_)
      return handshake();
    send();
  }

  void handshake() {
    const std::string& host = request_.endpoint.host;
    if (!is_ip_address(host))
      SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());
    tls_->set_verify_callback(ssl::host_name_verification(host));
    tcp().expires_after(request_.connect_timeout);
    tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this()](error_code ec) {
      if (self->ended_)
        return;
      if (ec == beast::error::timeout)
        return self->end("TLS handshake with " + self->origin() + " timed out");
      if (ec)
        return self->end("TLS handshake with " + self->origin() + " failed: " + ec.message());
      self->send();
    });
  }

  void send() {
    const http_endpoint& to = request_.endpoint;
    message_.method(http::verb::post);
    message_.target(request_.target);
    message_.version(11);
    message_.set(http::field::host, to.host + ":" + to.port);
    message_.set(http::field::user_agent, "agent-runtime");
    message_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : request_.headers)
      message_.set(name, value);
    message_.body() = std::move(request_.body);
    message_.prepare_payload();

    // From here on only the whole-request deadline applies.
    tcp().expires_never();
    with_stream([this](auto& stream) {
      http::async_write(stream, message_, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_sent(ec);
      });
    });
  }

  void on_sent(error_code ec) {
    if (ended_)
      return;
    if (ec)
      return end(is_closed(ec) ? "connection closed by " + origin() + " while sending the request"
                               : "could not send the request: " + ec.message());
    with_stream([this](auto& stream) {
      http::async_read_header(
        stream, buffer_, parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_head(ec); });
    });
  }

  void on_head(error_code ec) {
    if (ended_)
      return;
    if (ec)
      return end(read_failure(ec, "connection closed by " + origin() + " before the answer began"));
    sink_->on_head(parser_.get().result_int());
    read_body();
  }

  void read_body() {
    if (parser_.is_done())
      return end(std::nullopt);
    parser_.get().body().data = body_buffer_.data();
    parser_.get().body().size = body_buffer_.size();
    parser_.get().body().more = true;
    with_stream([this](auto& stream) {
      http::async_read_some(
        stream, buffer_, parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_body(ec); });
    });
  }

  void on_body(error_code ec) {
    if (ended_)
      return;
    if (ec == http::error::need_buffer)
      ec = {};
    const std::size_t produced = body_buffer_.size() - parser_.get().body().size;
    if (produced > 0) {
      body_bytes_ += produced;
      if (!sink_->on_body(std::string_view(body_buffer_.data(), produced)))
        return end(std::nullopt);
    }
    if (ec)
      return end(read_failure(ec, "stream cut: connection closed mid-answer after " +
                                    std::to_string(body_bytes_) + " bytes"));
    read_body();
  }

  std::string read_failure(error_code ec, const std::string& when_closed) const {
    if (is_closed(ec))
      return when_closed;
    if (is_http_error(ec))
      return "the answer is not valid HTTP (" + ec.message() + ")";
    return "reading the answer failed: " + ec.message();
  }

  running_set& running_;
  http_request request_;
  std::shared_ptr<http_sink> sink_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  http::request<http::string_body> message_;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::array<char, 16384> body_buffer_;
  std::size_t body_bytes_ = 0;
  bool ended_ = false;
};

} // namespace

struct http_client::impl {
  asio::io_context io;
  ssl::context tls{ssl::context::tls_client};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  /// Exchanges started and not ended; touched on the I/O thread only.
  exchange::running_set running;
  /// Guards `shut` and orders the posts of `start` before the last one of
  /// `shutdown`.
  std::mutex mutex;
  bool shut = false;
  std::thread thread;

  void run() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        // A throwing callback must not take every other exchange with it.
        component_logger("provider")->error("[http] callback failed error={}", e.what());
      }
    }
  }
};

http_client::http_client() : impl_(std::make_unique<impl>()) {
  impl_->tls.set_default_verify_paths();
  impl_->tls.set_verify_mode(ssl::verify_peer);
  impl_->thread = std::thread([d = impl_.get()] { d->run(); });
}

http_client::~http_client() {
  shutdown();
}

void http_client::start(http_request request, std::shared_ptr<http_sink> sink) {
  impl* d = impl_.get();
  std::unique_lock<std::mutex> guard(d->mutex);
  if (d->shut) {
    guard.unlock();
    sink->on_end("the provider shut down before the request started");
    return;
  }
  asio::post(d->io, [d, request = std::move(request), sink = std::move(sink)]() mutable {
    auto e =
      std::make_shared<exchange>(d->io, d->tls, d->running, std::move(request), std::move(sink));
    d->running.insert(e);
    e->run();
  });
}

void http_client::shutdown() {
  impl* d = impl_.get();
  {
    std::lock_guard<std::mutex> guard(d->mutex);
    if (d->shut)
      return;
    d->shut = true;
    // The last handler posted: every exchange started before it is ended.
    asio::post(d->io, [d] {
      const exchange::running_set running = d->running;
      for (const auto& e : running)
        e->end("the provider shut down before the answer was complete");
    });
  }
  d->work.reset();
  d->thread.join();
}

} // namespace agent_runtime

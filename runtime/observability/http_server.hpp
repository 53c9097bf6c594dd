#pragma once
// A small HTTP/1.1 server (Boost.Beast on its own Asio thread) for the
// runtime's observability endpoints: it answers GET requests from a
// handler that maps the request path to a response.

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace agent_runtime {

/// What the handler answers.
struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// The server could not listen on its address.
class http_server_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Serves GET (and HEAD) requests on one address until destroyed.
// TODO: one thread answers every request in turn, so a /healthz waiting up
// to 2 s for a stalled actor tree delays other scrapes; enough for one
// Prometheus and one prober, not for many concurrent clients.
class http_server {
public:
  /// Maps a path (without query) to a response; called on the server's
  /// thread, one request at a time.
  using handler = std::function<http_response(const std::string& path)>;

  /// Listens on `address` (`host:port`, host an IP literal or `localhost`,
  /// port 0 for any free one); throws `http_server_error`.
  http_server(const std::string& address, handler serve);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The address listened on, with the actual port (`127.0.0.1:9464`).
  std::string address() const;

  std::uint16_t port() const;

  /// Stops listening and closes every connection; safe to call twice.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace agent_runtime

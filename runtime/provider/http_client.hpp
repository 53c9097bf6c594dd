#pragma once
// Streamed HTTP exchanges on one I/O thread of their own, shared by every
// network provider: a slow or dead model server holds a socket, never a
// thread of the caller. Boost.Beast stays inside http_client.cpp.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "provider/http_endpoint.hpp"

namespace agent_runtime {

/// One POST to send: where, what, and how long it may take.
struct http_request {
  http_endpoint endpoint;
  /// The path and query, starting with '/'.
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Limit for resolving, connecting and the TLS handshake.
  std::chrono::milliseconds connect_timeout{10000};
  /// Limit for the whole exchange, the last byte of the answer included.
  std::chrono::milliseconds total_timeout{120000};
};

/// Receives one exchange's response as it arrives, on the I/O thread.
class http_sink {
public:
  virtual ~http_sink() = default;

  /// The status line and headers have arrived.
  virtual void on_head(unsigned status) = 0;

  /// The next bytes of the body, as soon as they are read. Returning false
  /// ends the exchange here, as if the body had ended.
  virtual bool on_body(std::string_view bytes) = 0;

  /// The exchange is over: no error when the body ended (or `on_body`
  /// returned false), else why not. Called exactly once.
  virtual void on_end(std::optional<std::string> error) = 0;
};

/// Runs HTTP/1.1 exchanges (http and https) on its own I/O thread. Each
/// request gets a fresh connection. `shutdown` (or the destructor) ends
/// every exchange still running with an error and joins the thread; neither
/// may be called from a sink, which runs on that thread.
class http_client {
public:
  http_client();
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Starts `request`; returns at once. `sink` hears of it on the I/O thread,
  /// or at once when the client has been shut down.
  void start(http_request request, std::shared_ptr<http_sink> sink);

  /// Ends every exchange with an error, refuses new ones and joins the I/O
  /// thread. Safe to call twice.
  void shutdown();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace agent_runtime

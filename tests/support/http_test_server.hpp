#pragma once
// A model server for tests: a real HTTP/1.1 listener on a free loopback port
// whose answers the test writes piece by piece (each piece one flushed
// write), and can hold at a gate until the test lets them go on.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

namespace agent_runtime::testing {

using namespace std::chrono_literals;

/// A request as the server received it.
struct received_request {
  std::string method;
  std::string target;
  /// Header names in lowercase.
  std::map<std::string, std::string> headers;
  std::string body;

  /// The body parsed as JSON (discarded when it is not JSON).
  nlohmann::json json() const;

  /// The header `name` (lowercase), or empty.
  std::string header(const std::string& name) const;
};

/// Holds a response until the test opens it.
class gate {
public:
  void open();

  /// Waits until the gate is open; false after `limit`.
  bool wait(std::chrono::milliseconds limit = 60s);

private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

/// Writes one response; every call is one write on the socket, so that the
/// client reads the pieces as they come. The connection closes when the
/// handler returns, whatever was written.
class response_writer {
public:
  explicit response_writer(int socket) : socket_(socket) {}

  /// Starts a chunked response.
  void begin_stream(const std::string& content_type, unsigned status = 200);

  /// Sends `data` as one chunk of the body.
  void chunk(const std::string& data);

  /// Ends the chunked body.
  void end_stream();

  /// A whole response with a Content-Length.
  void whole(unsigned status, const std::string& content_type, const std::string& body);

  /// Bytes as they are, no HTTP around them.
  void raw(const std::string& bytes);

private:
  int socket_;
};

/// The test HTTP server. Each connection is served on a thread of its own
/// by `handler`; the server stops, opening every gate, when destroyed.
class http_test_server {
public:
  using handler = std::function<void(const received_request&, response_writer&)>;

  explicit http_test_server(handler respond);
  ~http_test_server();

  http_test_server(const http_test_server&) = delete;
  http_test_server& operator=(const http_test_server&) = delete;

  /// `http://127.0.0.1:<port>`.
  std::string url() const;

  /// A new closed gate, opened at the latest when the server stops.
  std::shared_ptr<gate> make_gate();

  /// Every request received so far, in order of arrival.
  std::vector<received_request> requests() const;

  /// Waits until `n` requests have arrived; false after `limit`.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds limit = 10s) const;

private:
  void serve(boost::asio::ip::tcp::socket& socket);

  handler respond_;
  int listener_ = -1;
  unsigned short port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<received_request> requests_;
  std::vector<std::shared_ptr<gate>> gates_;
  std::vector<int> open_sockets_;
  std::vector<std::thread> connections_;
  bool stopping_ = false;
};

/// A loopback port nobody listens on, for refused connections.
unsigned short unused_port();

} // namespace agent_runtime::testing

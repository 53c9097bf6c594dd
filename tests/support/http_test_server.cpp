#include "support/http_test_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace agent_runtime::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

void send_all(int socket, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(socket, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return; // the client is gone; the handler finds out by what it sees
    sent += static_cast<std::size_t>(n);
  }
}

std::string reason(unsigned status) {
  return std::string(http::obsolete_reason(static_cast<http::status>(status)));
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// The io_context the sockets belong to; they are only used blocking.
asio::io_context& sockets_context() {
  static asio::io_context io;
  return io;
}

} // namespace

nlohmann::json received_request::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

std::string received_request::header(const std::string& name) const {
  auto found = headers.find(name);
  return found == headers.end() ? std::string() : found->second;
}

void gate::open() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    open_ = true;
  }
  opened_.notify_all();
}

bool gate::wait(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> guard(mutex_);
  return opened_.wait_for(guard, limit, [&] { return open_; });
}

void response_writer::begin_stream(const std::string& content_type, unsigned status) {
  send_all(socket_, "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
                      "\r\nContent-Type: " + content_type +
                      "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

void response_writer::chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  send_all(socket_, size + data + "\r\n");
}

void response_writer::end_stream() {
  send_all(socket_, "0\r\n\r\n");
}

void response_writer::whole(unsigned status, const std::string& content_type,
                            const std::string& body) {
  send_all(socket_, "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
                      "\r\nContent-Type: " + content_type + "\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
}

void response_writer::raw(const std::string& bytes) {
  send_all(socket_, bytes);
}

http_test_server::http_test_server(handler respond) : respond_(std::move(respond)) {
  auto acceptor = std::make_shared<tcp::acceptor>(
    sockets_context(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor->local_endpoint().port();
  listener_ = acceptor->native_handle();
  acceptor_ = std::thread([this, acceptor] {
    for (;;) {
      tcp::socket socket(sockets_context());
      boost::system::error_code ec;
      acceptor->accept(socket, ec);
      std::lock_guard<std::mutex> guard(mutex_);
      if (ec || stopping_)
        return;
      const int fd = socket.native_handle();
      open_sockets_.push_back(fd);
      connections_.emplace_back(
        [this, s = std::make_shared<tcp::socket>(std::move(socket))] { serve(*s); });
    }
  });
}

http_test_server::~http_test_server() {
  std::vector<std::shared_ptr<gate>> gates;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
    gates = gates_;
    // Wakes the blocked accept and every blocked read.
    ::shutdown(listener_, SHUT_RDWR);
    for (int fd : open_sockets_)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& g : gates)
    g->open();
  acceptor_.join();
  for (std::thread& t : connections_)
    t.join();
}

std::string http_test_server::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::shared_ptr<gate> http_test_server::make_gate() {
  auto g = std::make_shared<gate>();
  std::lock_guard<std::mutex> guard(mutex_);
  gates_.push_back(g);
  return g;
}

std::vector<received_request> http_test_server::requests() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return requests_;
}

bool http_test_server::wait_for_requests(std::size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock<std::mutex> guard(mutex_);
  return arrived_.wait_for(guard, limit, [&] { return requests_.size() >= n; });
}

void http_test_server::serve(tcp::socket& socket) {
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> message;
  boost::system::error_code ec;
  http::read(socket, buffer, message, ec);
  if (!ec) {
    received_request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message)
      request.headers[lowercase(std::string(field.name_string()))] = std::string(field.value());
    request.body = message.body();
    {
      std::lock_guard<std::mutex> guard(mutex_);
      requests_.push_back(request);
    }
    arrived_.notify_all();

    response_writer out(socket.native_handle());
    respond_(request, out);
  }

  std::lock_guard<std::mutex> guard(mutex_);
  open_sockets_.erase(
    std::find(open_sockets_.begin(), open_sockets_.end(), socket.native_handle()));
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

unsigned short unused_port() {
  // Bound and closed again: nothing listens there, and the kernel is most
  // unlikely to hand the same port to another socket right away.
  tcp::acceptor probe(sockets_context(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

} // namespace agent_runtime::testing

#include "observability/http_server.hpp"

#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace agent_runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// A scrape is small: anything bigger is not for us.
constexpr std::size_t request_limit = std::size_t{16} * 1024;
constexpr auto idle_limit = std::chrono::seconds(30);

tcp::endpoint parse_address(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    throw http_server_error("metrics address '" + address + "' is not host:port");
  std::string host = address.substr(0, colon);
  if (host == "localhost")
    host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(host, error);
  if (error)
    throw http_server_error("metrics address '" + address + "': '" + host +
                            "' is not an IP address");
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1 || port > 65535)
      throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw http_server_error("metrics address '" + address + "': the port is not a number 0-65535");
  }
  return {ip, static_cast<unsigned short>(port)};
}

/// One client connection: read a request, answer it, repeat while the
/// client keeps the connection alive.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, const http_server::handler& serve) :
    stream_(std::move(socket)), serve_(serve) {}

  void start() {
    read();
  }

private:
  void read() {
    request_ = {};
    parser_.emplace();
    parser_->body_limit(request_limit);
    stream_.expires_after(idle_limit);
    http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
  }

  void on_read(beast::error_code error) {
    if (error)
      return close();
    request_ = parser_->release();
    auto response = std::make_shared<http::response<http::string_body>>(answer());
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code error, std::size_t) {
                        if (error || response->need_eof())
                          return self->close();
                        self->read();
                      });
  }

  http::response<http::string_body> answer() {
    http::response<http::string_body> response;
    response.version(request_.version());
    response.keep_alive(request_.keep_alive());
    response.set(http::field::server, "agent-runtime");
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, "GET, HEAD");
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.body() = "only GET and HEAD\n";
    } else {
      const std::string target(request_.target());
      const http_response out = serve_(target.substr(0, target.find('?')));
      response.result(out.status);
      response.set(http::field::content_type, out.content_type);
      if (request_.method() == http::verb::get)
        response.body() = out.body;
    }
    response.prepare_payload();
    return response;
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  const http_server::handler& serve_;
};

} // namespace

struct http_server::impl {
  handler serve;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::string address;
  std::uint16_t port = 0;
  bool stopped = false;

  void accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error)
        return; // closed by stop()
      std::make_shared<session>(std::move(socket), serve)->start();
      accept();
    });
  }
};

http_server::http_server(const std::string& address, handler serve) :
  impl_(std::make_unique<impl>()) {
  impl_->serve = std::move(serve);
  const tcp::endpoint endpoint = parse_address(address);
  try {
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
  } catch (const boost::system::system_error& e) {
    throw http_server_error("cannot listen on " + address + ": " + e.code().message());
  }
  const auto bound = impl_->acceptor.local_endpoint();
  impl_->port = bound.port();
  const std::string host = bound.address().to_string();
  impl_->address =
    (bound.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port);
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

http_server::~http_server() {
  stop();
}

std::string http_server::address() const {
  return impl_->address;
}

std::uint16_t http_server::port() const {
  return impl_->port;
}

void http_server::stop() {
  if (impl_->stopped)
    return;
  impl_->stopped = true;
  // Stopping the context ends every session with it; they hold no work
  // that needs finishing.
  impl_->io.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

} // namespace agent_runtime

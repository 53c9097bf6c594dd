#pragma once
// A blocking HTTP/1.1 GET for tests of the runtime's own HTTP endpoints.

#include <optional>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace agent_runtime::testing {

/// What a GET returned.
struct http_reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// GETs `path` from `address` (`host:port`); nothing when the connection
/// fails.
inline std::optional<http_reply> http_get(const std::string& address, const std::string& path) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  try {
    const std::size_t colon = address.rfind(':');
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
    http::request<http::empty_body> request{http::verb::get, path, 11};
    request.set(http::field::host, address);
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return http_reply{response.result_int(), std::string(response[http::field::content_type]),
                      response.body()};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

} // namespace agent_runtime::testing

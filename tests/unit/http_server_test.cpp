#include <doctest/doctest.h>

#include "observability/http_server.hpp"
#include "support/http_get.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;

TEST_CASE("the observability HTTP server serves its handler's answers on loopback") {
  http_server server("127.0.0.1:0", [](const std::string& path) {
    if (path == "/hello")
      return http_response{200, "text/plain", "hi " + path};
    return http_response{404, "text/plain", "no"};
  });
  REQUIRE(server.port() != 0);
  CHECK(server.address() == "127.0.0.1:" + std::to_string(server.port()));

  auto reply = http_get(server.address(), "/hello?x=1");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "hi /hello");
  CHECK(http_get(server.address(), "/other")->status == 404);

  SUBCASE("a port in use is refused with a clear error") {
    CHECK_THROWS_WITH_AS(http_server(server.address(), nullptr),
                         doctest::Contains("cannot listen on"), http_server_error);
  }
  SUBCASE("after stop nothing answers") {
    server.stop();
    CHECK_FALSE(http_get(server.address(), "/hello"));
  }
}

TEST_CASE("the observability HTTP server refuses addresses it cannot read") {
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:99999", "host:9464", "127.0.0.1:94x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(http_server(bad, nullptr), http_server_error);
  }
}

#include <doctest/doctest.h>

#include "provider/http_endpoint.hpp"

using namespace agent_runtime;

TEST_CASE("an api_endpoint splits into scheme, host, port and path") {
  auto plain = http_endpoint::parse("http://127.0.0.1:11434");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == "11434");
  CHECK(plain->path.empty());
  CHECK(plain->origin() == "http://127.0.0.1:11434");

  auto tls = http_endpoint::parse("https://api.example.com/v1/");
  REQUIRE(tls);
  CHECK(tls->tls);
  CHECK(tls->port == "443");
  CHECK(tls->path == "/v1");
  CHECK(tls->path_ends_with("/v1"));
  CHECK(tls->origin() == "https://api.example.com:443");

  auto v6 = http_endpoint::parse("http://[::1]:8000/llm");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "8000");
  CHECK(v6->path == "/llm");
  CHECK(v6->origin() == "http://[::1]:8000");

  CHECK(http_endpoint::parse("http://localhost")->port == "80");
}

TEST_CASE("an api_endpoint that is not an http URL with a host is refused") {
  for (const char* bad : {"", "localhost:11434", "ftp://host", "http://", "http://:80",
                          "http://host:0", "http://host:99999", "http://host:x",
                          "http://user:secret@host", "http://[::1", "http://host?x=1"}) {
    CAPTURE(bad);
    CHECK_FALSE(http_endpoint::parse(bad));
  }
}

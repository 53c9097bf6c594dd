// What a log line shows of a message: one line, no terminal controls, a
// bounded length, whatever a client put in it.

#include <doctest/doctest.h>

#include <string>

#include "app/log.hpp"

using namespace agent_runtime;

TEST_CASE("a message cannot start a log line of its own or send terminal controls") {
  CHECK(one_line("plain text, kept as it is") == "plain text, kept as it is");
  CHECK(one_line("x\nFAKE info admin [admin] disabled") == "x\\nFAKE info admin [admin] disabled");
  CHECK(one_line("a\r\tb") == "a\\r\\tb");
  CHECK(one_line(std::string("red\x1b[31m\0nul\x7f", 13)) == "red\\x1b[31m\\x00nul\\x7f");
  // Bytes of UTF-8 are text, not controls.
  CHECK(one_line("caf\xc3\xa9") == "caf\xc3\xa9");
}

TEST_CASE("a message longer than a log line keeps is cut, saying by how much") {
  CHECK(one_line(std::string(10, 'a'), 4) == "aaaa... (6 bytes more)");
  CHECK(one_line(std::string(4, 'a'), 4) == "aaaa");
  CHECK(one_line(std::string(max_log_message + 1, 'a')).size() ==
        max_log_message + std::string("... (1 bytes more)").size());
}

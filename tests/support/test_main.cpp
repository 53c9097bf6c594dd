#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

#include "app/log.hpp"

int main(int argc, char** argv) {
  // The fleet's info lines drown the test report; AGENT_RUNTIME_TEST_LOG=debug
  // brings them back.
  const char* level = std::getenv("AGENT_RUNTIME_TEST_LOG");
  agent_runtime::set_log_level(level ? level : "error");
  doctest::Context context(argc, argv);
  return context.run();
}

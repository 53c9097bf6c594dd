// A behaviour plugin for the swap tests, built once per version and mode
// (tests/CMakeLists.txt): TEST_PLUGIN_VERSION names the version, and
// TEST_PLUGIN_MODE what it does:
//   good     adds "plugin_version" to every SendMessage reply
//   failing  like good, but fails every second request
//   slow     like good, but takes TEST_PLUGIN_DELAY_MS per request
//   refusing refuses any state kept by another version
// In every mode, a message `hold:<file>` is held inside the handler while
// <file> exists (60 s at most), as a handler that blocks would be; it first
// creates <file>.held, so that a test knows the agent is in there.

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "upgrade/plugin_api.h"

#define TEST_PLUGIN_GOOD 0
#define TEST_PLUGIN_FAILING 1
#define TEST_PLUGIN_SLOW 2
#define TEST_PLUGIN_REFUSING 3

namespace {

std::atomic<unsigned long> handled{0};

void hold_while_file_exists(const std::string& content) {
  const std::string prefix = "hold:";
  if (content.compare(0, prefix.size(), prefix) != 0)
    return;
  const std::filesystem::path file = content.substr(prefix.size());
  std::ofstream(file.string() + ".held") << "held\n";
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::filesystem::exists(file) && std::chrono::steady_clock::now() < limit)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void write(agent_runtime_text_sink* out, const std::string& text) {
  out->write(out->context, text.data(), text.size());
}

int migrate(const char* state, size_t state_size, const char* from_version,
            agent_runtime_text_sink* out) {
#if TEST_PLUGIN_MODE == TEST_PLUGIN_REFUSING
  (void)state;
  (void)state_size;
  write(out, std::string("cannot read a state kept by version ") + from_version);
  return 1;
#else
  // Takes the state as it is: the fields are the same in this version.
  (void)from_version;
  out->write(out->context, state, state_size);
  return 0;
#endif
}

int handle(const char* agent, const char* content, size_t content_size, const char* reply,
           size_t reply_size, agent_runtime_text_sink* out) {
  (void)agent;
  hold_while_file_exists(std::string(content, content_size));
  const unsigned long n = handled.fetch_add(1) + 1;
#if TEST_PLUGIN_MODE == TEST_PLUGIN_FAILING
  if (n % 2 == 0) {
    write(out, "request " + std::to_string(n) + " failed on purpose");
    return 1;
  }
#elif TEST_PLUGIN_MODE == TEST_PLUGIN_SLOW
  std::this_thread::sleep_for(std::chrono::milliseconds(TEST_PLUGIN_DELAY_MS));
#endif
  (void)n;
  std::string text(reply, reply_size);
  const auto end = text.rfind('}');
  if (end == std::string::npos) {
    write(out, "the reply is not a JSON object");
    return 1;
  }
  text.insert(end, ",\"plugin_version\":\"" TEST_PLUGIN_VERSION "\"");
  write(out, text);
  return 0;
}

const agent_runtime_plugin plugin = {AGENT_RUNTIME_PLUGIN_ABI, TEST_PLUGIN_VERSION, migrate,
                                     handle};

} // namespace

extern "C" __attribute__((visibility("default"))) const agent_runtime_plugin*
agent_runtime_plugin_v1(void) {
  return &plugin;
}

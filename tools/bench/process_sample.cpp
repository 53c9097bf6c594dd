#include "process_sample.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace agent_runtime::bench {
namespace {

/// The number after `key` in a "Key:   123 kB" file, 0 if absent.
std::size_t field_kib(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) == 0)
      return std::stoul(line.substr(key.size()));
  }
  return 0;
}

/// utime + stime from /proc/<pid>/stat (fields 14 and 15), seconds.
double cpu_seconds_of(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  // The command name may hold spaces; fields are counted after its ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field)
    fields >> skip;
  unsigned long long user = 0;
  unsigned long long system = 0;
  fields >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

process_sample sample_process(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  process_sample sample;
  sample.rss_kib = field_kib(dir + "/status", "VmRSS:");
  sample.peak_rss_kib = field_kib(dir + "/status", "VmHWM:");
  sample.threads = static_cast<int>(field_kib(dir + "/status", "Threads:"));
  sample.pss_kib = field_kib(dir + "/smaps_rollup", "Pss:");
  sample.cpu_seconds = cpu_seconds_of(pid);
  return sample;
}

} // namespace agent_runtime::bench

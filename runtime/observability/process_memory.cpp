#include "observability/process_memory.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <malloc.h>

#include "app/log.hpp"

namespace agent_runtime {
namespace {

/// The `field:` line of /proc/self/status, in bytes (it counts in kB).
std::size_t status_bytes(const std::string& text, const std::string& field) {
  const std::size_t at = text.find("\n" + field + ":");
  if (at == std::string::npos)
    return 0;
  try {
    return std::stoull(text.substr(at + field.size() + 2)) * 1024;
  } catch (const std::exception&) {
    return 0;
  }
}

/// The `name=value` entries of a GLIBC_TUNABLES value, parted by ':'.
std::vector<std::string_view> entries(std::string_view tunables) {
  std::vector<std::string_view> found;
  while (!tunables.empty()) {
    const std::size_t end = std::min(tunables.find(':'), tunables.size());
    if (end != 0)
      found.push_back(tunables.substr(0, end));
    tunables.remove_prefix(std::min(end + 1, tunables.size()));
  }
  return found;
}

double mib(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

} // namespace

memory_figures read_memory() {
  memory_figures now;
  std::ifstream file("/proc/self/status");
  const std::string text =
    "\n" + std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  now.resident = status_bytes(text, "VmRSS");
  now.resident_peak = status_bytes(text, "VmHWM");
  const struct mallinfo2 heap = ::mallinfo2();
  now.heap_in_use = heap.uordblks + heap.hblkhd;
  now.heap_free = heap.fordblks;
  return now;
}

bool has_allocator_tunables(std::string_view tunables) {
  return with_allocator_tunables(tunables) == tunables;
}

std::string with_allocator_tunables(std::string_view tunables) {
  std::string result(tunables);
  for (const std::string_view wanted : entries(allocator_tunables)) {
    const std::string_view name = wanted.substr(0, wanted.find('=') + 1);
    std::optional<std::string_view> set;
    for (const std::string_view entry : entries(result))
      if (entry.substr(0, name.size()) == name)
        set = entry;
    if (set == wanted)
      continue;
    if (!result.empty())
      result += ':';
    result += wanted;
  }
  return result;
}

bool allocator_tuned() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in the runtime sets the environment.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && has_allocator_tunables(tunables);
}

std::optional<std::size_t> return_free_memory(std::size_t min_free) {
  const memory_figures before = read_memory();
  if (before.heap_free < min_free)
    return std::nullopt;
  ::malloc_trim(0);
  const memory_figures after = read_memory();
  return before.resident > after.resident ? before.resident - after.resident : 0;
}

memory_keeper::memory_keeper(std::chrono::milliseconds period, std::size_t min_free,
                             std::size_t mmap_threshold) :
  period_(period),
  min_free_(min_free), thread_([this] { run(); }) {
  if (!glibc_allocator)
    return;
  // mallopt is MT-unsafe only in that malloc reads the threshold without a
  // lock: an allocation racing with this, once, may still see the old one.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (::mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold)) != 1)
    component_logger("memory")->warn("[memory] cannot pin the allocator's mmap threshold at {} "
                                     "bytes; large buffers may stay in its arenas",
                                     mmap_threshold);
  if (!allocator_tuned())
    component_logger("memory")->info(
      "[memory] glibc's per-thread caches are on: the freed blocks they hold cannot be given "
      "back; GLIBC_TUNABLES={} turns them off (run.sh and the systemd unit set it)",
      allocator_tunables);
}

memory_keeper::~memory_keeper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

memory_keeper_counts memory_keeper::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

void memory_keeper::run() {
  auto log = component_logger("memory");
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    const auto began = std::chrono::steady_clock::now();
    const std::optional<std::size_t> returned = return_free_memory(min_free_);
    if (returned) {
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - began);
      log->debug("[memory] gave freed memory back returned_mib={:.1f} took_us={}", mib(*returned),
                 took.count());
    }
    lock.lock();
    ++counts_.passes;
    if (returned) {
      ++counts_.trims;
      counts_.returned += *returned;
    }
  }
}

} // namespace agent_runtime

#pragma once
// The process's memory as the kernel and glibc's allocator count it, and a
// keeper that gives freed memory back to the system now and then.
//
// glibc keeps what the program frees in its arenas for the next allocation;
// after a burst of load the resident memory stays at the highest the heap
// ever reached, though the heap in use is back down. malloc_trim(0) hands
// the whole free pages inside the arenas back (madvise), which free() alone
// does only for the top of each arena.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace agent_runtime {

/// Whether glibc's allocator serves malloc; not under AddressSanitizer,
/// whose own allocator (with its quarantine of freed memory) stands in, so
/// that the heap figures and trimming mean nothing there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool glibc_allocator = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool glibc_allocator = false;
#else
constexpr bool glibc_allocator = true;
#endif
#else
constexpr bool glibc_allocator = true;
#endif

/// Bytes, as read at one moment.
struct memory_figures {
  /// Resident in RAM (VmRSS).
  std::size_t resident = 0;
  /// The highest resident so far (VmHWM).
  std::size_t resident_peak = 0;
  /// Allocated by the program and not yet freed.
  std::size_t heap_in_use = 0;
  /// Freed by the program and kept by the allocator (resident or not).
  std::size_t heap_free = 0;
};

memory_figures read_memory();

/// The glibc tunables the runtime runs with, read only at exec (run.sh and
/// the systemd unit set GLIBC_TUNABLES to them), `name=value` entries
/// parted by ':'.
///
/// `tcache_count=0` turns the per-thread caches off. Each thread keeps up to
/// seven freed blocks of each small size for itself; glibc counts them as in
/// use, so malloc_trim cannot give their pages back, and with some forty
/// threads (actor workers, nats.c's) they pin pages all over the arenas.
/// Under the soak they made resident memory grow by about 15 % in ten
/// minutes. (`arena_max=2` beside it was tried and made it worse: +16 % in
/// ten minutes; docs/hardening.md.)
constexpr const char* allocator_tunables = "glibc.malloc.tcache_count=0";

/// Whether `tunables` (a GLIBC_TUNABLES value, `name=value` entries parted
/// by ':') sets each of allocator_tunables to its value; the last entry of
/// a name counts.
bool has_allocator_tunables(std::string_view tunables);

/// `tunables` with each of allocator_tunables it lacks added, the rest kept.
std::string with_allocator_tunables(std::string_view tunables);

/// Whether this process runs with allocator_tunables.
bool allocator_tuned();

/// Hands the allocator's free pages back when it keeps at least
/// `min_free` bytes: the resident bytes that came back, or nothing when it
/// kept less and nothing was tried.
std::optional<std::size_t> return_free_memory(std::size_t min_free);

/// What the keeper has done so far.
struct memory_keeper_counts {
  /// Looks taken at the allocator, one per period.
  std::uint64_t passes = 0;
  /// Of them, those that called malloc_trim.
  std::uint64_t trims = 0;
  /// Resident bytes given back over all trims.
  std::uint64_t returned = 0;
};

/// Every `period`, on its own thread, gives freed memory back when the
/// allocator keeps at least `min_free`. Stops when destroyed.
///
/// It also pins glibc's mmap threshold at `mmap_threshold`: glibc raises it
/// after each large block freed (up to 32 MiB), so that nats.c's 8 MiB
/// reconnect buffer, freed after every outage, would make later large
/// blocks come from the arenas and fragment them; pinned, blocks that large
/// are always mapped on their own and unmapped when freed.
class memory_keeper {
public:
  explicit memory_keeper(std::chrono::milliseconds period, std::size_t min_free = 4u << 20u,
                         std::size_t mmap_threshold = 1u << 20u);
  ~memory_keeper();

  memory_keeper(const memory_keeper&) = delete;
  memory_keeper& operator=(const memory_keeper&) = delete;

  memory_keeper_counts counts() const;

private:
  void run();

  const std::chrono::milliseconds period_;
  const std::size_t min_free_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  memory_keeper_counts counts_;
  std::thread thread_;
};

} // namespace agent_runtime

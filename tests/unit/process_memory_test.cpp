// Giving freed memory back: blocks freed below one still in use coalesce
// into free space that glibc keeps (free() only shrinks an arena's top);
// the keeper hands their pages back, and what is in use stays.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include <malloc.h>

#include "observability/process_memory.hpp"

using namespace agent_runtime;

namespace {

constexpr std::size_t mib = std::size_t{1024} * 1024;

/// Polls `condition` until it holds, for up to 10 s.
bool eventually(const std::function<bool()>& condition) {
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > limit)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

/// Fills 48 MiB of small blocks, frees all but the last and returns it:
/// the freed ones are kept by the allocator, resident, under it.
void* leave_freed_memory_behind() {
  std::vector<void*> blocks(48 * mib / 512);
  for (void*& block : blocks) {
    block = std::malloc(512);
    if (block != nullptr)
      std::memset(block, 1, 512);
  }
  REQUIRE(std::count(blocks.begin(), blocks.end(), nullptr) == 0);
  for (std::size_t i = 0; i + 1 < blocks.size(); ++i)
    std::free(blocks[i]);
  return blocks.back();
}

} // namespace

TEST_CASE("freed memory the allocator keeps goes back to the system" *
          doctest::skip(!glibc_allocator)) {
  void* pinned = leave_freed_memory_behind();
  const memory_figures kept = read_memory();
  CHECK(kept.heap_free >= 40 * mib);

  // Below the floor, nothing is tried.
  CHECK_FALSE(return_free_memory(kept.heap_free + mib));

  const auto returned = return_free_memory(4 * mib);
  REQUIRE(returned);
  CHECK(*returned >= 32 * mib);
  const memory_figures after = read_memory();
  CHECK(after.resident + 32 * mib <= kept.resident);
  CHECK(after.resident_peak >= kept.resident);
  // The block in use is untouched.
  CHECK(static_cast<unsigned char*>(pinned)[511] == 1);
  std::free(pinned);
}

TEST_CASE("the memory keeper gives freed memory back on its own, every period" *
          doctest::skip(!glibc_allocator)) {
  // The keeper starts once the freed memory is there and its resident size
  // read: started before, it may trim while the blocks are still freed.
  void* pinned = leave_freed_memory_behind();
  const std::size_t resident = read_memory().resident;
  memory_keeper keeper(std::chrono::milliseconds(20));
  REQUIRE(eventually([&] { return keeper.counts().returned >= 32 * mib; }));
  const memory_keeper_counts counts = keeper.counts();
  CHECK(counts.trims >= 1);
  CHECK(counts.passes >= counts.trims);
  CHECK(read_memory().resident + 32 * mib <= resident);
  std::free(pinned);
}

TEST_CASE("with the keeper, a large block freed does not send later large blocks to the arenas" *
          doctest::skip(!glibc_allocator)) {
  memory_keeper keeper(std::chrono::hours(1));
  // Left to itself, glibc would raise its mmap threshold to 8 MiB here.
  void* reconnect_buffer = std::malloc(8 * mib);
  REQUIRE(reconnect_buffer != nullptr);
  std::memset(reconnect_buffer, 1, 8 * mib);
  std::free(reconnect_buffer);

  const std::size_t mapped = ::mallinfo2().hblkhd;
  void* large = std::malloc(2 * mib);
  REQUIRE(large != nullptr);
  CHECK(::mallinfo2().hblkhd >= mapped + 2 * mib);
  std::free(large);
  CHECK(::mallinfo2().hblkhd == mapped);
}

TEST_CASE(
  "GLIBC_TUNABLES has the runtime's allocator tunables when it sets each, last entry first") {
  const std::string tuned = allocator_tunables;
  CHECK(tuned == "glibc.malloc.tcache_count=0");
  CHECK(has_allocator_tunables(tuned));
  CHECK(has_allocator_tunables("glibc.malloc.arena_max=8:" + tuned));
  CHECK(has_allocator_tunables(tuned + ":glibc.malloc.check=1"));
  CHECK(has_allocator_tunables("glibc.malloc.tcache_count=7:" + tuned));
  CHECK_FALSE(has_allocator_tunables(""));
  CHECK_FALSE(has_allocator_tunables("glibc.malloc.tcache_count=7"));
  CHECK_FALSE(has_allocator_tunables("glibc.malloc.tcache_count=00x"));
  CHECK_FALSE(has_allocator_tunables(tuned + ":glibc.malloc.tcache_count=7"));
  CHECK_FALSE(has_allocator_tunables("x" + tuned));

  CHECK(with_allocator_tunables("") == tuned);
  CHECK(with_allocator_tunables(tuned) == tuned);
  CHECK(with_allocator_tunables("glibc.malloc.arena_max=8") == "glibc.malloc.arena_max=8:" + tuned);
  CHECK(with_allocator_tunables("glibc.malloc.tcache_count=3") ==
        "glibc.malloc.tcache_count=3:" + tuned);
  CHECK(with_allocator_tunables(tuned + ":glibc.malloc.tcache_count=3") ==
        tuned + ":glibc.malloc.tcache_count=3:" + tuned);
}

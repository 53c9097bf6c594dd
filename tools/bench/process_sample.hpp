#pragma once
// What /proc says about a process: memory and CPU time, read while it runs.

#include <cstddef>

namespace agent_runtime::bench {

/// One reading of /proc/<pid>; zeros when the process is gone.
struct process_sample {
  /// Resident memory now (VmRSS), KiB.
  std::size_t rss_kib = 0;
  /// Peak resident memory (VmHWM), KiB.
  std::size_t peak_rss_kib = 0;
  /// Proportional set size (Pss of smaps_rollup): shared pages divided
  /// among the processes that map them, KiB.
  std::size_t pss_kib = 0;
  /// User plus system CPU time since start, seconds.
  double cpu_seconds = 0;
  int threads = 0;
};

/// Reads /proc/<pid>/status, /proc/<pid>/stat and /proc/<pid>/smaps_rollup.
process_sample sample_process(int pid);

} // namespace agent_runtime::bench

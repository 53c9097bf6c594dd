#pragma once
// A program the bench starts: its output goes to a log file, it dies with the
// bench (even on SIGKILL), and it is always stopped and reaped.

#include <chrono>
#include <string>
#include <vector>

namespace agent_runtime::bench {

/// A running child process, stopped on destruction.
class child_process {
public:
  /// Starts `argv` (argv[0] a path) with stdout and stderr going to
  /// `log_file`, in this process's environment plus `environment`
  /// (`NAME=value` entries); throws std::runtime_error when it cannot.
  child_process(std::vector<std::string> argv, std::string log_file,
                std::vector<std::string> environment = {});
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int pid() const {
    return pid_;
  }

  /// Whether it still runs; reaps it once it has exited.
  bool running();

  /// Asks it to stop (SIGTERM) and returns at once.
  void request_stop();

  /// Waits for the exit; kills it (SIGKILL) once `limit` has passed.
  void wait_or_kill(std::chrono::milliseconds limit);

  /// `request_stop`, then `wait_or_kill`.
  void stop(std::chrono::milliseconds limit = std::chrono::seconds(5));

  /// The last non-empty line it printed, for error messages.
  std::string last_line() const;

private:
  int pid_ = -1;
  std::string log_file_;
};

} // namespace agent_runtime::bench

#pragma once
// A program started by a test, its output kept in a file.

#include <chrono>
#include <string>
#include <vector>

namespace agent_runtime::testing {

using namespace std::chrono_literals;

/// A child process, stopped with SIGKILL on destruction if still running.
class child_process {
public:
  /// Starts `argv` with stdout and stderr going to a temporary file, and
  /// `env` ("NAME=value") added to the environment.
  explicit child_process(std::vector<std::string> argv, std::vector<std::string> env = {});
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Everything it printed so far.
  std::string output() const;

  /// Waits until its output contains `text`; false after `limit` or if it exited.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds limit = 20s) const;

  /// Sends `signal` and waits for the exit; the exit code, or 128 + the
  /// signal that killed it, or -1 if it did not exit within `limit`.
  int stop(int signal, std::chrono::milliseconds limit = 20s);

  /// Waits for the exit without signalling; as `stop`.
  int wait(std::chrono::milliseconds limit = 20s);

  int pid() const {
    return pid_;
  }

private:
  int pid_ = -1;
  int exit_code_ = -1;
  std::string output_file_;
};

} // namespace agent_runtime::testing

#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace agent_runtime::testing {

child_process::child_process(std::vector<std::string> argv, std::vector<std::string> env) {
  char name[] = "/tmp/agent-runtime-test-XXXXXX";
  int fd = ::mkstemp(name);
  if (fd < 0)
    throw std::runtime_error("cannot create an output file");
  output_file_ = name;
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("cannot fork");
  if (pid_ == 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    // The forked child has one thread: nothing else reads the environment.
    for (std::string& variable : env)
      ::putenv(variable.data()); // NOLINT(concurrency-mt-unsafe)
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (std::string& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fd);
}

child_process::~child_process() {
  if (pid_ > 0 && exit_code_ < 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::remove(output_file_.c_str());
}

std::string child_process::output() const {
  std::ifstream in(output_file_);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool child_process::wait_for_output(const std::string& text,
                                    std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (output().find(text) != std::string::npos)
      return true;
    siginfo_t info{};
    // Peek without reaping: wait() still sees the exit status.
    if (exit_code_ >= 0 ||
        (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid_))
      return output().find(text) != std::string::npos;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

int child_process::wait(std::chrono::milliseconds limit) {
  if (exit_code_ >= 0)
    return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(10ms);
  }
  return -1;
}

int child_process::stop(int signal, std::chrono::milliseconds limit) {
  if (exit_code_ < 0)
    ::kill(pid_, signal);
  return wait(limit);
}

} // namespace agent_runtime::testing

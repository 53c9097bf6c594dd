#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace agent_runtime::bench {
namespace {

/// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, int log_fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The bench may have died between fork and prctl.
  if (::getppid() != parent)
    ::_exit(126);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  ::close(log_fd);
  ::execve(argv[0], argv, envp);
  ::_exit(127);
}

/// Pointers to `strings`, null-terminated, as execve takes them.
std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings)
    pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

} // namespace

child_process::child_process(std::vector<std::string> argv, std::string log_file,
                             std::vector<std::string> environment) :
  log_file_(std::move(log_file)) {
  // Everything that allocates happens before fork: the bench has threads.
  // `environment` first: getenv takes the first entry of a name.
  for (char** entry = environ; *entry; ++entry)
    environment.emplace_back(*entry);
  std::vector<char*> args = pointers_to(argv);
  std::vector<char*> envp = pointers_to(environment);
  const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot open " + log_file_ + ": " +
                             std::generic_category().message(errno));
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ == 0)
    exec_child(args.data(), envp.data(), fd, parent);
  ::close(fd);
  if (pid_ < 0)
    throw std::runtime_error(std::string("cannot start ") + argv[0] + ": " +
                             std::generic_category().message(errno));
}

child_process::~child_process() {
  stop(std::chrono::seconds(2));
}

bool child_process::running() {
  if (pid_ <= 0)
    return false;
  if (::waitpid(pid_, nullptr, WNOHANG) != pid_)
    return true;
  pid_ = -1;
  return false;
}

void child_process::request_stop() {
  if (pid_ > 0)
    ::kill(pid_, SIGTERM);
}

void child_process::wait_or_kill(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!running())
    return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void child_process::stop(std::chrono::milliseconds limit) {
  request_stop();
  wait_or_kill(limit);
}

std::string child_process::last_line() const {
  std::ifstream in(log_file_);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty())
      last = line;
  }
  return last.empty() ? "no output" : last;
}

} // namespace agent_runtime::bench

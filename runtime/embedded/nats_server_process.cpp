#include "embedded/nats_server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>
#include <vector>

namespace agent_runtime {
namespace {

namespace fs = std::filesystem;

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool port_bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr = loopback(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::string find_binary(const std::string& configured) {
  if (!configured.empty())
    return configured;
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');)
      dirs.push_back(dir);
  }
  dirs.insert(dirs.end(), {"/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"});
  for (const std::string& dir : dirs) {
    fs::path candidate = fs::path(dir) / "nats-server";
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  throw std::runtime_error("nats-server not found on PATH or in /usr/sbin; install it "
                           "(tools/setup.sh does) or give a NATS URL");
}

std::string make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "agent-runtime-nats-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data()))
    throw std::runtime_error(std::string("cannot create a temporary folder: ") +
                             std::generic_category().message(errno));
  return buffer.data();
}

} // namespace

bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("cannot open a socket to find a free port");
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

nats_server_process::nats_server_process(nats_server_options options) :
  options_(std::move(options)) {
  port_ = options_.preferred_port > 0 && port_bindable(options_.preferred_port)
            ? options_.preferred_port
            : free_loopback_port();
  dir_ = make_temp_dir();
  launch();
}

void nats_server_process::restart() {
  stop();
  launch();
}

void nats_server_process::launch() {
  const std::string binary = find_binary(options_.binary);
  std::vector<std::string> args = {binary, "-a", "127.0.0.1", "-p", std::to_string(port_)};
  if (!options_.config_file.empty())
    args.insert(args.end(), {"-c", options_.config_file});
  else if (options_.jetstream)
    args.insert(
      args.end(),
      {"-js", "-sd", options_.store_dir.empty() ? dir_ + "/jetstream" : options_.store_dir});
  const std::string log_file = dir_ + "/nats-server.log";
  const int flags = O_WRONLY | O_CREAT | O_APPEND;

  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error(std::string("cannot start nats-server: ") +
                             std::generic_category().message(errno));
  if (pid_ == 0) {
    // Own process group, so that Ctrl-C reaches the runtime, which then stops
    // the server after its own graceful stop; and gone if the runtime dies.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(log_file.c_str(), flags, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  wait_until_accepting(options_.start_limit);
}

nats_server_process::~nats_server_process() {
  stop();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string nats_server_process::url() const {
  return "nats://127.0.0.1:" + std::to_string(port_);
}

void nats_server_process::wait_until_accepting(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nats-server exited at start-up on port " + std::to_string(port_) +
                               ": " + log_tail());
    }
    if (port_accepts(port_))
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop();
  throw std::runtime_error("nats-server did not accept connections on port " +
                           std::to_string(port_) + " within " + std::to_string(limit.count()) +
                           " ms: " + log_tail());
}

std::string nats_server_process::log_tail() const {
  std::ifstream in(dir_ + "/nats-server.log");
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty())
      last = line;
  }
  return last.empty() ? "no output" : last;
}

void nats_server_process::stop() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_now();
}

void nats_server_process::kill_now() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

} // namespace agent_runtime

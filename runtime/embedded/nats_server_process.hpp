#pragma once
// A nats-server child process on loopback: the runtime's embedded default
// when no NATS URL is given, and the real server integration tests run on.

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace agent_runtime {

/// How to start the server.
struct nats_server_options {
  /// Tried first; 0 or a busy port means any free port.
  int preferred_port = 4222;
  bool jetstream = true;
  /// Where JetStream keeps its streams; empty: a temporary folder, removed
  /// with the server. The runtime's embedded server keeps them in its state
  /// folder, so that agents' events outlive it.
  std::string store_dir;
  /// Empty: look for nats-server on PATH, then in /usr/sbin and /usr/bin.
  std::string binary;
  std::chrono::milliseconds start_limit{10000};
  /// A configuration file (`-c`); its own JetStream settings then apply,
  /// and only the address and port are given on the command line.
  std::string config_file;
};

/// A running nats-server, stopped (and its storage removed) on destruction.
class nats_server_process {
public:
  /// Starts the server and waits until it accepts connections; throws
  /// std::runtime_error with the server's own words when it does not.
  explicit nats_server_process(nats_server_options options = {});
  ~nats_server_process();

  nats_server_process(const nats_server_process&) = delete;
  nats_server_process& operator=(const nats_server_process&) = delete;

  /// `nats://127.0.0.1:<port>`.
  std::string url() const;
  int port() const {
    return port_;
  }
  int pid() const {
    return pid_;
  }

  /// Stops the server (SIGTERM, then SIGKILL after a grace period).
  void stop();

  /// Kills the server at once, as a crash would; for fault tests.
  void kill_now();

  /// Starts the server again on the same port with the same storage.
  void restart();

private:
  void launch();
  void wait_until_accepting(std::chrono::milliseconds limit);
  std::string log_tail() const;

  nats_server_options options_;
  int port_ = 0;
  int pid_ = -1;
  std::string dir_;
};

/// Whether something listens on 127.0.0.1:`port`.
bool port_accepts(int port);

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_loopback_port();

} // namespace agent_runtime

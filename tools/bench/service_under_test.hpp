#pragma once
// A responder under measurement, the runtime or the bare one: a process of
// its own on a nats-server of its own, and the bench's client connected to
// that server. Two of them can run side by side without sharing a queue
// group, so the bench can alternate between them.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_client.hpp"
#include "bench_options.hpp"
#include "child_process.hpp"
#include "embedded/nats_server_process.hpp"
#include "figures.hpp"
#include "process_sample.hpp"

namespace agent_runtime::bench {

/// The command line of a responder, given the NATS URL it must use.
using command_for_url = std::function<std::vector<std::string>(const std::string& url)>;

/// One responder, started and ready to answer every agent.
class service_under_test {
public:
  /// Starts a nats-server and `command` (with `environment` added to its
  /// environment), and waits until every subject of `subjects` answers;
  /// throws std::runtime_error when it does not.
  service_under_test(std::string name, const command_for_url& command, const std::string& log_file,
                     std::vector<std::string> subjects, std::vector<std::string> environment = {});

  const std::string& name() const {
    return name_;
  }

  /// The URL of its nats-server.
  std::string url() const {
    return server_->url();
  }

  /// Milliseconds from the process start until every agent answered.
  double ready_ms() const {
    return ready_ms_;
  }

  /// Times the `index`-th request (round robin over the agents) on its own.
  std::optional<double> time_request(std::size_t index, const std::string& payload) {
    return client_->time_request(subjects_[index % subjects_.size()], payload);
  }

  /// Fills the throughput and CPU figures of `round`.
  void measure_throughput(const bench_options& options, const std::string& payload,
                          service_round& round);

  /// The responder's process now.
  process_sample sample() const {
    return sample_process(process_->pid());
  }

private:
  std::string name_;
  std::vector<std::string> subjects_;
  std::unique_ptr<nats_server_process> server_;
  std::unique_ptr<bench_client> client_;
  std::unique_ptr<child_process> process_;
  double ready_ms_ = 0;
};

} // namespace agent_runtime::bench

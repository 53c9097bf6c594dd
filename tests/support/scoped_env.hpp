#pragma once
// Sets an environment variable for one test and restores it after.

#include <cstdlib>
#include <optional>
#include <string>

namespace agent_runtime::testing {

/// An environment variable set (or unset, for a null value) while it lives.
/// The environment is not thread-safe: tests change it only while nothing
/// else reads it (the runtime reads it on the thread that asks, at start-up
/// or when a provider builds a request).
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* before = std::getenv(name))
      before_ = before;
    set(value);
  }

  ~scoped_env() {
    set(before_ ? before_->c_str() : nullptr);
  }

  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

private:
  void set(const char* value) {
    if (value)
      ::setenv(name_, value, 1); // NOLINT(concurrency-mt-unsafe): see the class comment
    else
      ::unsetenv(name_); // NOLINT(concurrency-mt-unsafe): see the class comment
  }

  const char* name_;
  std::optional<std::string> before_;
};

} // namespace agent_runtime::testing

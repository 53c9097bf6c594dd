#pragma once
// Cuts one fuzzer input into the pieces a target needs: a few leading bytes
// that steer the target, then strings separated by newlines.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agent_runtime::fuzzing {

/// Whether `text` is UTF-8, as a message must be to go into a JSON reply:
/// nlohmann's strict dump throws on anything else.
inline bool is_utf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

/// Reads a fuzzer's bytes front to back.
class fuzz_input {
public:
  fuzz_input(const std::uint8_t* data, std::size_t size) :
    rest_(reinterpret_cast<const char*>(data), size) {}

  /// The next byte, or 0 once the input is used up.
  std::uint8_t byte() {
    if (rest_.empty())
      return 0;
    const auto value = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }

  /// Everything up to the next newline (not included), or the rest.
  std::string line() {
    const auto end = rest_.find('\n');
    std::string taken(rest_.substr(0, end));
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return taken;
  }

  /// At most `n` bytes.
  std::string_view take(std::size_t n) {
    const auto taken = rest_.substr(0, n);
    rest_.remove_prefix(taken.size());
    return taken;
  }

  /// Whatever is left.
  std::string rest() {
    std::string all(rest_);
    rest_ = {};
    return all;
  }

  bool empty() const {
    return rest_.empty();
  }

private:
  std::string_view rest_;
};

} // namespace agent_runtime::fuzzing

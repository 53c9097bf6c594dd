#pragma once
// JSON written straight into a string, for replies on the hot path: building
// an nlohmann::json tree and dumping it cost more than the rest of a ping
// (docs/performance.md). Escapes as nlohmann's dump() does.

#include <cstdint>
#include <string>
#include <string_view>

namespace agent_runtime {

/// Writes one JSON object, field by field, in the order given.
class json_writer {
 public:
  json_writer();

  /// Adds `"key":"value"`, escaped.
  json_writer& field(std::string_view key, std::string_view value);

  /// Adds `"key":value`.
  json_writer& field(std::string_view key, std::uint64_t value);

  /// Opens an object under `key`; `end_object` closes it.
  json_writer& begin_object(std::string_view key);
  json_writer& end_object();

  /// The object, closed; the writer is spent.
  std::string finish();

 private:
  void key(std::string_view name);
  void quoted(std::string_view text);

  std::string text_;
  bool first_ = true;
};

} // namespace agent_runtime

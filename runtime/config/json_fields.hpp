#pragma once
// Typed fields of a JSON object from outside (a command, an admin request):
// each read checks the field's type and range and, when they are wrong,
// throws a `field_problem` that names the field, so that the reply can say
// exactly what to fix. A field set to null counts as absent.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agent_runtime {

/// What is wrong with a field: "missing field 'x'", "field 'x' must be ...".
struct field_problem {
  std::string message;
};

/// `value` in quotes for a message that names it, cut to `max` bytes: what a
/// client sent is echoed back, but not a megabyte of it.
std::string echoed(std::string_view value, std::size_t max = 80);

/// `value` as JSON text, for a reply, a status or an event: bytes that are
/// not UTF-8 (a subject, a header or a cut value may hold any) are replaced
/// by U+FFFD rather than thrown about, so that what a client sent can never
/// make the reply to it fail.
std::string json_text(const nlohmann::json& value);

/// Parses `payload` into `out`; what is wrong with it when it is not JSON.
std::optional<std::string> parse_json(std::string_view payload, nlohmann::json& out);

/// Reads the fields of one object; `prefix` goes before each field's name
/// in problems ("config." for the fields of a nested "config").
class json_fields {
public:
  explicit json_fields(const nlohmann::json& object, std::string prefix = {}) :
    object_(object), prefix_(std::move(prefix)) {}

  /// A string; "" when absent and not `required`; `non_empty`: not blank.
  std::string text(const char* key, bool required = true, bool non_empty = false) const;

  /// Any number, when present.
  std::optional<double> number(const char* key) const;

  /// A whole number (1e3 too), when present.
  std::optional<long> integer(const char* key) const;

  /// A whole number (1e3 too) from 0 to `max`, or `fallback` when absent.
  std::uint64_t count(const char* key, std::uint64_t max, std::uint64_t fallback) const;

  /// A duration in whole milliseconds from 0 to `max`, or `fallback`.
  std::chrono::milliseconds millis(const char* key, std::chrono::milliseconds max,
                                   std::chrono::milliseconds fallback) const;

  /// A number from 0 to 1, or `fallback` when absent.
  double fraction(const char* key, double fallback) const;

  /// A list, when present (or, when `required`, always).
  const nlohmann::json* list(const char* key, bool required) const;

  /// An object, always.
  const nlohmann::json& object(const char* key) const;

  /// Throws the problem `why` with field `key`.
  [[noreturn]] void fail(const std::string& key, const std::string& why) const;

private:
  const nlohmann::json* find(const char* key, bool required) const;

  const nlohmann::json& object_;
  std::string prefix_;
};

} // namespace agent_runtime

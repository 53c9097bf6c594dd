#include "config/json_fields.hpp"

#include <cmath>
#include <limits>

namespace agent_runtime {

using nlohmann::json;

namespace {
/// 2^64: the first whole number an unsigned 64-bit integer cannot hold.
constexpr double two_to_the_64 = 18446744073709551616.0;
} // namespace

std::string echoed(std::string_view value, std::size_t max) {
  if (value.size() <= max)
    return "'" + std::string(value) + "'";
  // Cut before a character, not inside one: back over UTF-8's continuation
  // bytes (10xxxxxx) to the first byte of the character at the cut.
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0U) == 0x80U)
    --cut;
  return "'" + std::string(value.substr(0, cut)) + "...' (" + std::to_string(value.size()) +
         " bytes)";
}

std::string json_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> parse_json(std::string_view payload, json& out) {
  try {
    out = json::parse(payload);
  } catch (const json::parse_error& e) {
    return "payload is not valid JSON (error at byte " + std::to_string(e.byte) + ")";
  } catch (const json::out_of_range&) {
    // A number beyond what a double holds (1e400) is not a parse error.
    // TODO: it refuses the whole payload without naming the field, even a
    // field the reader would ignore; a SAX parse could name it.
    return std::string("payload is not valid JSON (a number out of range)");
  }
  return std::nullopt;
}

std::string json_fields::text(const char* key, bool required, bool non_empty) const {
  const json* value = find(key, required);
  if (!value)
    return {};
  if (!value->is_string())
    fail(key, "must be a string");
  std::string result = value->get<std::string>();
  if (non_empty && result.find_first_not_of(" \t\r\n") == std::string::npos)
    fail(key, "must not be empty");
  return result;
}

std::optional<double> json_fields::number(const char* key) const {
  const json* value = find(key, false);
  if (!value)
    return std::nullopt;
  if (!value->is_number())
    fail(key, "must be a number");
  return value->get<double>();
}

std::optional<long> json_fields::integer(const char* key) const {
  const json* value = find(key, false);
  if (!value)
    return std::nullopt;
  constexpr auto most = std::numeric_limits<long>::max();
  constexpr auto least = std::numeric_limits<long>::min();
  if (value->is_number_float()) {
    const double whole = value->get<double>();
    if (whole != std::trunc(whole))
      fail(key, "must be an integer");
    if (whole >= -static_cast<double>(least))
      fail(key, "must be at most " + std::to_string(most));
    if (whole < static_cast<double>(least))
      fail(key, "must be at least " + std::to_string(least));
    return static_cast<long>(whole);
  }
  if (!value->is_number_integer())
    fail(key, "must be an integer");
  if (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(most))
    fail(key, "must be at most " + std::to_string(most));
  return value->get<long>();
}

std::uint64_t json_fields::count(const char* key, std::uint64_t max, std::uint64_t fallback) const {
  const json* value = find(key, false);
  if (!value)
    return fallback;
  if (value->is_number_float()) {
    // A whole number written as 1e3, or too large for an integer (1e300).
    const double whole = value->get<double>();
    if (whole != std::trunc(whole))
      fail(key, "must be an integer");
    if (whole < 0)
      fail(key, "must not be negative");
    if (whole >= two_to_the_64 || whole > static_cast<double>(max))
      fail(key, "must be at most " + std::to_string(max));
    return static_cast<std::uint64_t>(whole);
  }
  if (!value->is_number_integer())
    fail(key, "must be an integer");
  std::uint64_t result = 0;
  if (value->is_number_unsigned()) {
    result = value->get<std::uint64_t>();
  } else {
    const auto signed_value = value->get<std::int64_t>();
    if (signed_value < 0)
      fail(key, "must not be negative");
    result = static_cast<std::uint64_t>(signed_value);
  }
  if (result > max)
    fail(key, "must be at most " + std::to_string(max));
  return result;
}

std::chrono::milliseconds json_fields::millis(const char* key, std::chrono::milliseconds max,
                                              std::chrono::milliseconds fallback) const {
  const auto ms = count(key, static_cast<std::uint64_t>(max.count()),
                        static_cast<std::uint64_t>(fallback.count()));
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(ms));
}

double json_fields::fraction(const char* key, double fallback) const {
  const std::optional<double> value = number(key);
  if (!value)
    return fallback;
  if (!(*value >= 0.0 && *value <= 1.0))
    fail(key, "must be from 0 to 1");
  return *value;
}

const json* json_fields::list(const char* key, bool required) const {
  const json* value = find(key, required);
  if (value && !value->is_array())
    fail(key, "must be a list");
  return value;
}

const json& json_fields::object(const char* key) const {
  const json* value = find(key, true);
  if (!value->is_object())
    fail(key, "must be an object");
  return *value;
}

void json_fields::fail(const std::string& key, const std::string& why) const {
  throw field_problem{"field '" + prefix_ + key + "' " + why};
}

const json* json_fields::find(const char* key, bool required) const {
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required)
      throw field_problem{"missing field '" + prefix_ + key + "'"};
    return nullptr;
  }
  return &*it;
}

} // namespace agent_runtime

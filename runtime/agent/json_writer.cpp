#include "agent/json_writer.hpp"

namespace agent_runtime {
namespace {

/// How `c` appears inside a JSON string, or nullptr when as itself.
const char* short_escape(char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return nullptr;
  }
}

} // namespace

json_writer::json_writer() {
  text_.reserve(512);
  text_ += '{';
}

json_writer& json_writer::field(std::string_view key, std::string_view value) {
  this->key(key);
  quoted(value);
  return *this;
}

json_writer& json_writer::field(std::string_view key, std::uint64_t value) {
  this->key(key);
  text_ += std::to_string(value);
  return *this;
}

json_writer& json_writer::begin_object(std::string_view key) {
  this->key(key);
  text_ += '{';
  first_ = true;
  return *this;
}

json_writer& json_writer::end_object() {
  text_ += '}';
  first_ = false;
  return *this;
}

std::string json_writer::finish() {
  text_ += '}';
  return std::move(text_);
}

void json_writer::key(std::string_view name) {
  if (!first_)
    text_ += ',';
  first_ = false;
  quoted(name);
  text_ += ':';
}

void json_writer::quoted(std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  text_ += '"';
  for (char c : text) {
    if (const char* escaped = short_escape(c)) {
      text_ += escaped;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      text_ += "\\u00";
      text_ += hex[(c >> 4) & 0xf];
      text_ += hex[c & 0xf];
    } else {
      text_ += c;
    }
  }
  text_ += '"';
}

} // namespace agent_runtime

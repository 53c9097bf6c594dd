#pragma once
// Turns the body of a streamed model answer into pieces of text, line by
// line, whatever the size of the reads that bring it.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace agent_runtime {

/// Reads one answer's body for one wire protocol. Subclasses say what a line
/// means; this class cuts the bytes into lines.
class stream_decoder {
public:
  /// Receives each piece of the answer's text, in order.
  using text_handler = std::function<void(std::string text)>;

  virtual ~stream_decoder() = default;

  /// Reads the next bytes of the body. Returns why the answer failed, if it
  /// did: bytes that are not the protocol, or an error the server streamed.
  /// Bytes after the protocol's end are ignored.
  std::optional<std::string> feed(std::string_view bytes, const text_handler& on_text);

  /// The body has ended: reads a last line that had no line break.
  std::optional<std::string> end(const text_handler& on_text);

  /// Whether the protocol's end of the answer has been read.
  bool finished() const {
    return finished_;
  }

  /// The protocol's name, for error messages ("Ollama's JSON lines").
  virtual const char* protocol() const = 0;

  /// How the protocol marks the end of an answer, for error messages.
  virtual const char* end_marker() const = 0;

protected:
  /// One line, without its line break. Returns why the answer failed.
  virtual std::optional<std::string> on_line(std::string_view line,
                                             const text_handler& on_text) = 0;

  /// The body has ended after the last line.
  virtual std::optional<std::string> on_body_end(const text_handler& on_text) {
    return std::nullopt;
  }

  /// "the answer is not <protocol>: <why>".
  std::string not_protocol(const std::string& why) const {
    return std::string("the answer is not ") + protocol() + ": " + why;
  }

  void mark_finished() {
    finished_ = true;
  }

  /// The number of the line being read, from 1.
  std::size_t line_number() const {
    return lines_;
  }

private:
  std::optional<std::string> take_line(std::string_view line, const text_handler& on_text);

  std::string pending_;
  std::size_t lines_ = 0;
  bool finished_ = false;
};

} // namespace agent_runtime

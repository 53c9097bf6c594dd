#pragma once
// Server-sent events (text/event-stream), as OpenAI-compatible servers and
// the Anthropic Messages API stream their answers.

#include "provider/stream_decoder.hpp"

namespace agent_runtime {

/// Frames a body into events (`event:` and `data:` lines up to a blank
/// line) and hands each to the protocol. Comment lines (`:`) are skipped;
/// a line that is no event field at all is not the protocol.
class sse_decoder : public stream_decoder {
protected:
  /// One whole event: its `event:` name (may be empty) and its data lines
  /// joined by '\n'. Returns why the answer failed.
  virtual std::optional<std::string> on_event(const std::string& name, const std::string& data,
                                              const text_handler& on_text) = 0;

  /// The number of events read so far, the current one included.
  std::size_t event_number() const {
    return events_;
  }

private:
  std::optional<std::string> on_line(std::string_view line, const text_handler& on_text) final;
  std::optional<std::string> on_body_end(const text_handler& on_text) override;
  std::optional<std::string> dispatch(const text_handler& on_text);

  std::string name_;
  std::string data_;
  bool has_data_ = false;
  std::size_t events_ = 0;
};

} // namespace agent_runtime

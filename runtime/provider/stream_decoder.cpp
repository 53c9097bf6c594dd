#include "provider/stream_decoder.hpp"

#include <exception>

namespace agent_runtime {
namespace {

/// Longest line accepted; one streamed event is far shorter.
constexpr std::size_t max_line = std::size_t{1} << 20;

} // namespace

std::optional<std::string> stream_decoder::feed(std::string_view bytes,
                                                const text_handler& on_text) {
  if (finished_)
    return std::nullopt;
  pending_.append(bytes.data(), bytes.size());

  std::size_t start = 0;
  for (;;) {
    const std::size_t newline = pending_.find('\n', start);
    if (newline == std::string::npos)
      break;
    std::string_view line(pending_.data() + start, newline - start);
    start = newline + 1;
    if (auto error = take_line(line, on_text))
      return error;
    if (finished_)
      break;
  }
  pending_.erase(0, start);

  if (pending_.size() > max_line)
    return not_protocol("line " + std::to_string(lines_ + 1) + " is longer than " +
                        std::to_string(max_line) + " bytes");
  return std::nullopt;
}

std::optional<std::string> stream_decoder::end(const text_handler& on_text) {
  if (finished_)
    return std::nullopt;
  if (!pending_.empty()) {
    const std::string last = std::move(pending_);
    pending_.clear();
    if (auto error = take_line(last, on_text))
      return error;
  }
  return finished_ ? std::nullopt : on_body_end(on_text);
}

std::optional<std::string> stream_decoder::take_line(std::string_view line,
                                                     const text_handler& on_text) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  ++lines_;
  try {
    return on_line(line, on_text);
  } catch (const std::exception& e) {
    // A field of an unexpected type (nlohmann::json throws on those) is
    // bytes that are not the protocol, never a request left without an end.
    return not_protocol("line " + std::to_string(lines_) + ": " + e.what());
  }
}

} // namespace agent_runtime

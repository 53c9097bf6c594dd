#include "provider/sse_decoder.hpp"

namespace agent_runtime {

std::optional<std::string> sse_decoder::on_line(std::string_view line,
                                                const text_handler& on_text) {
  if (line.empty())
    return dispatch(on_text);
  if (line.front() == ':')
    return std::nullopt;

  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value =
    colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);

  if (field == "data") {
    if (has_data_)
      data_ += '\n';
    data_.append(value.data(), value.size());
    has_data_ = true;
  } else if (field == "event") {
    name_.assign(value.data(), value.size());
  } else if (field != "id" && field != "retry") {
    return not_protocol("line " + std::to_string(line_number()) +
                        " is not a server-sent event field");
  }
  return std::nullopt;
}

std::optional<std::string> sse_decoder::on_body_end(const text_handler& on_text) {
  // Servers that close right after the last event may skip its blank line.
  return dispatch(on_text);
}

std::optional<std::string> sse_decoder::dispatch(const text_handler& on_text) {
  if (!has_data_) {
    name_.clear();
    return std::nullopt;
  }
  ++events_;
  const std::string name = std::move(name_);
  const std::string data = std::move(data_);
  name_.clear();
  data_.clear();
  has_data_ = false;
  return on_event(name, data, on_text);
}

} // namespace agent_runtime

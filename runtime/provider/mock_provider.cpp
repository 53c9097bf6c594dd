#include "provider/mock_provider.hpp"

#include <cstdint>
#include <sstream>

namespace agent_runtime {

std::string mock_provider::answer_for(const chat_request& request) {
  const std::string& question =
    request.messages.empty() ? std::string() : request.messages.back().content;
  // A stable fingerprint of the whole conversation, so that tests can tell
  // that context and system prompt reached the model.
  std::uint32_t fingerprint = 2166136261u; // FNV-1a, the same on every platform
  for (const chat_message& m : request.messages) {
    for (char c : m.role + '\x1f' + m.content + '\x1e')
      fingerprint = (fingerprint ^ static_cast<unsigned char>(c)) * 16777619u;
  }

  std::ostringstream out;
  out << request.agent << " (mock model " << request.model.model_name << ") read "
      << request.messages.size() << " messages and answers: " << question << " [digest " << std::hex
      << fingerprint << ']';
  return out.str();
}

void mock_provider::complete(const chat_request& request, chunk_handler on_chunk,
                             done_handler on_done) {
  chat_result result;
  result.text = answer_for(request);
  result.ok = true;

  std::size_t start = 0;
  while (start < result.text.size()) {
    std::size_t end = result.text.find(' ', start);
    end = end == std::string::npos ? result.text.size() : end + 1;
    if (on_chunk)
      on_chunk(result.chunks, result.text.substr(start, end - start));
    ++result.chunks;
    start = end;
  }
  on_done(std::move(result));
}

} // namespace agent_runtime

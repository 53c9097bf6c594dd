// Fuzzes the decoder of anthropic's streamed answers.

#include "fuzz/provider_stream_fuzz.hpp"
#include "provider/anthropic_provider.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return agent_runtime::fuzzing::decode_stream<agent_runtime::anthropic_provider>(data, size);
}

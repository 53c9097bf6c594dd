// Fuzzes the decoder of ollama's streamed answers.

#include "fuzz/provider_stream_fuzz.hpp"
#include "provider/ollama_provider.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return agent_runtime::fuzzing::decode_stream<agent_runtime::ollama_provider>(data, size);
}

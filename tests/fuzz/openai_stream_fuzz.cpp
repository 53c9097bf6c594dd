// Fuzzes the decoder of openai's streamed answers.

#include "fuzz/provider_stream_fuzz.hpp"
#include "provider/openai_provider.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return agent_runtime::fuzzing::decode_stream<agent_runtime::openai_provider>(data, size);
}

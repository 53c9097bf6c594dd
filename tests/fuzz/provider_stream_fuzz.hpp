#pragma once
// One fuzz target per wire protocol of the model providers: the input is a
// streamed body, cut into reads of sizes the input chooses. The decoder
// must take any bytes without crashing and end every answer either with
// text or with a reason.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz/fuzz_input.hpp"
#include "provider/stream_decoder.hpp"

namespace agent_runtime::fuzzing {

/// Exposes a provider's decoder, which only the provider itself builds.
template <class Provider>
struct exposed_provider : Provider {
  exposed_provider() : Provider(nullptr, {}) {}
  using Provider::make_decoder;
};

/// Feeds the input to a fresh decoder of `Provider`.
template <class Provider>
int decode_stream(const std::uint8_t* data, std::size_t size) {
  static exposed_provider<Provider> provider;
  fuzz_input in(data, size);
  std::unique_ptr<stream_decoder> decoder = provider.make_decoder();
  std::string text;
  const auto collect = [&](std::string piece) {
    text += piece;
  };

  while (!in.empty()) {
    const std::size_t read = 1 + in.byte() % 64;
    if (auto failed = decoder->feed(in.take(read), collect)) {
      if (failed->empty())
        __builtin_trap(); // a failure says why
      return 0;
    }
  }
  if (auto failed = decoder->end(collect); failed && failed->empty())
    __builtin_trap();
  return 0;
}

} // namespace agent_runtime::fuzzing

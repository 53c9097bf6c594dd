// Fuzzes the parser of model server URLs (api_endpoint, from definitions
// and ConfigureModel): a URL parses into a host and port or is refused.

#include <cstddef>
#include <cstdint>
#include <string>

#include "provider/http_endpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agent_runtime;
  const std::string url(reinterpret_cast<const char*>(data), size);
  if (auto endpoint = http_endpoint::parse(url)) {
    if (endpoint->host.empty())
      __builtin_trap();
  }
  return 0;
}

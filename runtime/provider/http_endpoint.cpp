#include "provider/http_endpoint.hpp"

#include <cctype>

namespace agent_runtime {
namespace {

bool is_port(const std::string& text) {
  if (text.empty() || text.size() > 5)
    return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  const long value = std::stol(text);
  return value > 0 && value <= 65535;
}

/// Splits `authority` into host and port; IPv6 hosts come in brackets.
bool split_authority(const std::string& authority, http_endpoint& out) {
  std::string::size_type colon = std::string::npos;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos)
      return false;
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        return false;
      colon = close + 1;
    }
  } else {
    colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
  }
  if (colon != std::string::npos) {
    out.port = authority.substr(colon + 1);
    if (!is_port(out.port))
      return false;
  }
  return !out.host.empty() && out.host.find('@') == std::string::npos;
}

} // namespace

std::string http_endpoint::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + port;
}

bool http_endpoint::path_ends_with(const std::string& segment) const {
  return path.size() >= segment.size() &&
         path.compare(path.size() - segment.size(), segment.size(), segment) == 0;
}

std::optional<http_endpoint> http_endpoint::parse(const std::string& url) {
  http_endpoint endpoint;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    endpoint.tls = true;
    rest = url.substr(8);
  } else {
    return std::nullopt;
  }

  const auto slash = rest.find_first_of("/?#");
  if (!split_authority(rest.substr(0, slash), endpoint))
    return std::nullopt;
  if (endpoint.port.empty())
    endpoint.port = endpoint.tls ? "443" : "80";

  if (slash != std::string::npos) {
    if (rest[slash] != '/')
      return std::nullopt;
    endpoint.path = rest.substr(slash);
    while (!endpoint.path.empty() && endpoint.path.back() == '/')
      endpoint.path.pop_back();
  }
  return endpoint;
}

} // namespace agent_runtime

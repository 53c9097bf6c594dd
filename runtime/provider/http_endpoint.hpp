#pragma once
// The base URL of a model server (`api_endpoint`), split into what a
// connection needs.

#include <optional>
#include <string>

namespace agent_runtime {

/// Where a model server listens: `http[s]://host[:port][/path]`.
struct http_endpoint {
  bool tls = false;
  std::string host;
  std::string port;
  /// The path prefix without a trailing slash; empty for the root.
  std::string path;

  /// `scheme://host:port`, for log lines and error messages.
  std::string origin() const;

  /// Whether `path` ends in `segment` (as "/v1"), so that it is not added twice.
  bool path_ends_with(const std::string& segment) const;

  /// Reads `url`; nothing when it is not an http:// or https:// URL with a host.
  static std::optional<http_endpoint> parse(const std::string& url);
};

} // namespace agent_runtime

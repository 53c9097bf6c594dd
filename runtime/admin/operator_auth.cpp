#include "admin/operator_auth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace agent_runtime {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

/// Compares without stopping at the first difference.
bool same(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

} // namespace

operator_auth operator_auth::from_environment(const std::string& file) {
  operator_auth auth;
  std::string path = file;
  if (path.empty()) {
    if (const char* env = std::getenv("AGENT_RUNTIME_OPERATORS_FILE"))
      path = env;
  }
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in)
      throw std::runtime_error("cannot read the operators file " + path);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      line = trim(line);
      if (line.empty() || line[0] == '#')
        continue;
      const auto colon = line.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == line.size())
        throw std::runtime_error(path + ":" + std::to_string(number) +
                                 ": expected 'operator-name:token'");
      auth.add(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
  }
  if (const char* token = std::getenv("AGENT_RUNTIME_ADMIN_TOKEN"); token && *token)
    auth.add("admin", token);
  return auth;
}

void operator_auth::add(const std::string& name, const std::string& token) {
  tokens_[token] = name;
}

std::optional<std::string> operator_auth::identify(const std::string& presented) const {
  std::string token = trim(presented);
  // The scheme's name is case-insensitive (RFC 9110).
  constexpr std::size_t scheme = 6;
  if (token.size() > scheme && (token[scheme] == ' ' || token[scheme] == '\t') &&
      std::equal(token.begin(), token.begin() + scheme, "bearer",
                 [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
    token = trim(token.substr(scheme + 1));
  if (token.empty())
    return std::nullopt;
  std::optional<std::string> who;
  for (const auto& [known, name] : tokens_) {
    if (same(known, token))
      who = name;
  }
  return who;
}

} // namespace agent_runtime

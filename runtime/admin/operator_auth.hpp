#pragma once
// Who may steer the fleet: operators and their tokens, from a file
// (`name:token` per line) or the environment. Tokens never reach a log.

#include <map>
#include <optional>
#include <string>

namespace agent_runtime {

/// The operators the runtime accepts admin requests from.
class operator_auth {
public:
  /// Reads `file` if given (else $AGENT_RUNTIME_OPERATORS_FILE), and adds
  /// $AGENT_RUNTIME_ADMIN_TOKEN as operator "admin". Throws std::runtime_error
  /// for a file that cannot be read or a malformed line.
  static operator_auth from_environment(const std::string& file);

  void add(const std::string& name, const std::string& token);

  /// The operator whose token `presented` is ("Bearer <token>", the scheme
  /// in any case, or the bare token), if any.
  std::optional<std::string> identify(const std::string& presented) const;

  std::size_t size() const {
    return tokens_.size();
  }

private:
  /// Operator name by token.
  std::map<std::string, std::string> tokens_;
};

} // namespace agent_runtime

#pragma once
// How the runtime and agentctl prove who they are to NATS: user/password,
// token, nkey seed or .creds file, taken from files named on the command line
// or from the environment, never from a value that `ps` shows. Shared by
// both programs; no CAF here.

#include <functional>
#include <stdexcept>
#include <string>

struct __natsOptions;

namespace agent_runtime {

/// A credential cannot be used; the message names the file or variable.
class credential_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The kinds of NATS credential.
enum class credential_kind { none, user_password, token, nkey_seed, creds_file };

/// A NATS credential, ready to apply. Secret fields never reach a log:
/// `describe` says what is used without them.
struct nats_credentials {
  credential_kind kind = credential_kind::none;
  /// Where it came from: a file path or an environment variable's name.
  std::string source;
  std::string user;
  std::string password;
  std::string token;
  /// The nkey's public key, derived from the seed (not secret).
  std::string nkey_public;
  /// The seed file or .creds file, which nats.c reads when it signs.
  std::string file;
  /// Set when the file holding the secret is readable by other users.
  std::string warning;
};

/// Files named on the command line, one per kind of credential; each holds
/// the secret, so that the command line itself holds none.
struct credential_files {
  /// `--nats-creds`: a .creds file (user JWT and nkey seed).
  std::string creds;
  /// `--nats-nkey`: a file holding a user nkey seed (`SU...`).
  std::string nkey_seed;
  /// `--nats-user-file`: a file whose first line is `user:password`.
  std::string user_password;
  /// `--nats-token-file`: a file whose first line is the token.
  std::string token;
};

/// Reads an environment variable; null when unset.
using environment_lookup = std::function<const char*(const char*)>;

/// The credential to use: the one file given in `files`, else the one the
/// environment names (NATS_CREDS, NATS_NKEY, NATS_USER_FILE, NATS_USER and
/// NATS_PASSWORD, NATS_TOKEN_FILE, NATS_TOKEN), else none. Reads and checks
/// the files now, so that a missing or malformed one stops start-up; throws
/// `credential_error` for that, and for more than one credential given.
nats_credentials resolve_nats_credentials(const credential_files& files,
                                          const environment_lookup& env);

/// As above, with the process environment.
nats_credentials resolve_nats_credentials(const credential_files& files);

/// What is used, without any secret: `kind=user-password user=client
/// source=NATS_USER_FILE`.
std::string describe(const nats_credentials& credentials);

/// The kind's name as logs and errors show it (`user-password`, ...).
const char* kind_name(credential_kind kind);

/// Sets `credentials` on nats.c's options; throws `credential_error`.
void apply(const nats_credentials& credentials, __natsOptions* options);

/// `url` with any password or token in it replaced by `***`, for logs.
std::string redact_url(const std::string& url);

/// Whether `url` carries a password or token (which `ps` would show).
bool url_has_secret(const std::string& url);

/// The public key (`U...`) of the user nkey `seed` (`SU...`); throws
/// `credential_error` when `seed` is not a valid user seed.
std::string nkey_public_key(const std::string& seed);

} // namespace agent_runtime

#pragma once
// The command-line options that name NATS credential files, the same for
// agent-runtime and agentctl. Only file names: a secret on the command line
// would show in `ps`.

#include <CLI/CLI.hpp>

#include "bridge/nats_credentials.hpp"

namespace agent_runtime {

/// Adds --nats-creds, --nats-nkey, --nats-user-file and --nats-token-file to
/// `app`, filling `files`.
inline void add_credential_options(CLI::App& app, credential_files& files) {
  app.add_option("--nats-creds", files.creds, "NATS .creds file (also $NATS_CREDS)");
  app.add_option("--nats-nkey", files.nkey_seed,
                 "file holding a NATS user nkey seed (also $NATS_NKEY)");
  app.add_option("--nats-user-file", files.user_password,
                 "file whose first line is user:password for NATS (also $NATS_USER_FILE, or "
                 "$NATS_USER with $NATS_PASSWORD)");
  app.add_option("--nats-token-file", files.token,
                 "file whose first line is the NATS token (also $NATS_TOKEN_FILE or $NATS_TOKEN)");
}

} // namespace agent_runtime

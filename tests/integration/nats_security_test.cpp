// Who may do what on NATS, against a real nats-server running the shipped
// deploy/nats-server.conf: the runtime serves as its own user, clients talk
// to agents but cannot steer the fleet, operators can; credentials come from
// files and the environment, and a wrong one stops start-up clearly.

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bridge/nats_bridge.hpp"
#include "embedded/nats_server_process.hpp"
#include "support/child_process.hpp"

using namespace agent_runtime;
using namespace agent_runtime::testing;

namespace {

namespace fs = std::filesystem;

const std::string config_file = AGENT_RUNTIME_SOURCE_DIR "/clusters.yaml";

/// bcrypt hashes (cost 4, for speed) of "runtime-pw", "operator-pw" and
/// "client-pw".
constexpr const char* local_conf_hashes =
  "RUNTIME_PASSWORD: \"$2b$04$MzI/M.mebGiYamEkFd2RKegDB9qbwSHJeMwqlZxm.Spbnn.7bHZfW\"\n"
  "OPERATOR_PASSWORD: \"$2b$04$QE5LbGdLgK9VECRJJH98MuJu5Rm8Fvv13FWsFWrnlJfeHmuXGq9w2\"\n"
  "CLIENT_PASSWORD: \"$2b$04$N.plzK7QqiFNJFVJM453k.Gkj99N6ypCZIxfS1h7uhdMTbsdKrVtO\"\n";

/// A user nkey pair made with the official nkeys tooling (test-only).
constexpr const char* test_seed = "SUAGCO4J4SOUOOGMA4PQ3OADFKNSV374O4SDKNAXLW4Z3VKCIIULQ5AJIY";
constexpr const char* test_public = "UDWP57JJXBDC4ZTULOXBB36XNPWRQP5SECMXLNEPVNPJWJDBEMFL7HSN";

/// A folder of the test's own: server configs, credential files, state.
struct secure_dir {
  fs::path dir = fs::temp_directory_path() / ("agent-runtime-secure-" + std::to_string(::getpid()));
  secure_dir() {
    fs::remove_all(dir);
    fs::create_directories(dir / "state");
  }
  ~secure_dir() {
    fs::remove_all(dir);
  }
  std::string write(const std::string& name, const std::string& content) const {
    auto path = (dir / name).string();
    std::ofstream(path) << content;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path;
  }
  std::string path(const std::string& name) const {
    return (dir / name).string();
  }
};

/// The shipped deploy/nats-server.conf, copied as it is beside a
/// nats-local.conf of test passwords and a temporary JetStream folder.
std::string shipped_config(const secure_dir& d) {
  fs::copy_file(AGENT_RUNTIME_SOURCE_DIR "/deploy/nats-server.conf", d.path("nats-server.conf"),
                fs::copy_options::overwrite_existing);
  d.write("nats-local.conf",
          "JETSTREAM_STORE_DIR: \"" + d.path("jetstream") + "\"\n" + local_conf_hashes);
  return d.path("nats-server.conf");
}

nats_server_process server_with(const std::string& config) {
  nats_server_options options;
  options.preferred_port = 0;
  options.config_file = config;
  return nats_server_process(options);
}

/// The runtime as a child process; its operator token and state folder
/// from the environment.
child_process runtime_as(const secure_dir& d, const std::string& url,
                         std::vector<std::string> extra_args, std::vector<std::string> env = {}) {
  std::vector<std::string> argv = {AGENT_RUNTIME_BINARY, "--config", config_file, "--nats", url};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  env.push_back("AGENT_RUNTIME_ADMIN_TOKEN=op-token");
  env.push_back("STATE_DIRECTORY=" + d.path("state"));
  return child_process(argv, env);
}

/// agentctl with `args`, its credentials from `env`; its exit code and output.
std::pair<int, std::string> agentctl(const std::string& url, std::vector<std::string> args,
                                     std::vector<std::string> env) {
  std::vector<std::string> argv = {AGENTCTL_BINARY, "--nats", url, "--timeout", "1500"};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process ctl(std::move(argv), std::move(env));
  const int code = ctl.wait();
  return {code, ctl.output()};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the shipped nats-server.conf: clients talk to agents but cannot steer, operators can") {
  secure_dir d;
  nats_server_process server = server_with(shipped_config(d));
  const std::string url = server.url();
  const std::string runtime_user = d.write("runtime.user", "agent-runtime:runtime-pw\n");
  const std::string operator_user = d.write("operator.user", "operator:operator-pw\n");
  const std::vector<std::string> client = {"NATS_USER=client", "NATS_PASSWORD=client-pw"};
  const std::vector<std::string> op = {"NATS_USER_FILE=" + operator_user};
  const std::vector<std::string> op_with_token = {"NATS_USER_FILE=" + operator_user,
                                                  "AGENT_RUNTIME_TOKEN=op-token"};

  child_process runtime = runtime_as(d, url, {"--nats-user-file", runtime_user});
  REQUIRE(runtime.wait_for_output("[runtime] ready"));
  CHECK(
    contains(runtime.output(),
             "[nats] credentials kind=user-password user=agent-runtime source=" + runtime_user));
  CHECK_FALSE(contains(runtime.output(), "runtime-pw"));

  SUBCASE("a client reaches an agent") {
    auto [code, out] = agentctl(url, {"ping", "sage"}, client);
    CHECK(code == 0);
  }
  SUBCASE("the server refuses a client's disable, even with a valid operator token") {
    std::vector<std::string> env = client;
    env.push_back("AGENT_RUNTIME_TOKEN=op-token");
    auto [code, out] = agentctl(url, {"disable", "ui-design"}, env);
    CHECK(code == 1);
    CHECK(contains(out, "Permissions Violation for Publish to \"agent.admin.disable\""));
    CHECK(agentctl(url, {"ping", "egui-ui-expert"}, client).first == 0);
    auto [status_code, status_out] = agentctl(url, {"status"}, client);
    CHECK(status_code == 1);
    CHECK(contains(status_out, "Permissions Violation for Publish to \"agent.admin.status\""));
  }
  SUBCASE("an operator without the operator token is refused by the runtime") {
    auto [code, out] = agentctl(url, {"disable", "ui-design"}, op);
    CHECK(code == 1);
    CHECK(contains(out, "not authorised"));
    CHECK(agentctl(url, {"ping", "egui-ui-expert"}, client).first == 0);
  }
  SUBCASE("an operator with the token disables a cluster and enables it again") {
    CHECK(agentctl(url, {"disable", "ui-design"}, op_with_token).first == 0);
    auto [refused, refused_out] = agentctl(url, {"ping", "egui-ui-expert"}, client);
    CHECK(refused == 1);
    CHECK(contains(refused_out, "cluster ui-design is disabled"));
    CHECK(runtime.wait_for_output("[cluster ui-design] disabled by operator=admin"));
    CHECK(agentctl(url, {"enable", "ui-design"}, op_with_token).first == 0);
    CHECK(agentctl(url, {"ping", "egui-ui-expert"}, client).first == 0);
    auto [status_code, status_out] = agentctl(url, {"status"}, op);
    CHECK(status_code == 0);
    CHECK(contains(status_out, "10 clusters, 31 agents"));
  }
  CHECK(runtime.stop(SIGTERM) == 0);
}

TEST_CASE("when the server lets a client publish on admin subjects, the runtime still refuses") {
  secure_dir d;
  // Test-only: two users with every permission.
  // JetStream on, as the runtime needs it for the agents' events.
  const std::string config =
    d.write("permissive.conf", "jetstream { store_dir: \"" + d.path("jetstream") +
                                 "\" }\n"
                                 "authorization { users = [\n"
                                 "  { user: agent-runtime, password: runtime-pw }\n"
                                 "  { user: client, password: client-pw }\n"
                                 "] }\n");
  nats_server_process server = server_with(config);
  child_process runtime =
    runtime_as(d, server.url(), {}, {"NATS_USER=agent-runtime", "NATS_PASSWORD=runtime-pw"});
  REQUIRE(runtime.wait_for_output("[runtime] ready"));
  const std::vector<std::string> client = {"NATS_USER=client", "NATS_PASSWORD=client-pw"};

  auto [code, out] = agentctl(server.url(), {"disable", "ui-design"}, client);
  CHECK(code == 1);
  CHECK(contains(out, "not authorised: steering the fleet needs an operator token"));
  std::vector<std::string> guessing = client;
  guessing.push_back("AGENT_RUNTIME_TOKEN=guess");
  CHECK(contains(agentctl(server.url(), {"disable", "ui-design"}, guessing).second,
                 "not authorised: the operator token is not valid"));
  CHECK(agentctl(server.url(), {"ping", "egui-ui-expert"}, client).first == 0);
  CHECK(runtime.wait_for_output("[admin] refused subject=agent.admin.disable"));
  CHECK(runtime.stop(SIGTERM) == 0);
}

TEST_CASE("a wrong or missing NATS credential stops start-up with one clear error") {
  secure_dir d;
  nats_server_process server = server_with(shipped_config(d));

  SUBCASE("a wrong password: exit code 4, naming the user but not the password") {
    const std::string wrong = d.write("wrong.user", "agent-runtime:not-the-password\n");
    child_process runtime = runtime_as(d, server.url(), {"--nats-user-file", wrong});
    CHECK(runtime.wait() == 4);
    const std::string out = runtime.output();
    CHECK(contains(
      out, "refused the credentials (kind=user-password user=agent-runtime source=" + wrong + ")"));
    CHECK(contains(out, "Authorization Violation"));
    CHECK_FALSE(contains(out, "not-the-password"));

    auto [code, ctl_out] = agentctl(server.url(), {"ping", "sage"},
                                    {"NATS_USER=client", "NATS_PASSWORD=not-the-password"});
    CHECK(code == 4);
    CHECK(contains(ctl_out, "Authorization Violation"));
    CHECK_FALSE(contains(ctl_out, "not-the-password"));
  }
  SUBCASE("no credential at all is refused too") {
    child_process runtime = runtime_as(d, server.url(), {});
    CHECK(runtime.wait() == 4);
    CHECK(contains(runtime.output(), "refused the credentials (kind=none)"));
  }
  SUBCASE("a missing file: exit code 3, naming the file") {
    child_process runtime = runtime_as(d, server.url(), {}, {"NATS_CREDS=" + d.path("nowhere")});
    CHECK(runtime.wait() == 3);
    CHECK(contains(runtime.output(), "cannot read the NATS creds file " + d.path("nowhere") +
                                       " (missing or not readable)"));
    auto [code, out] = agentctl(server.url(), {"status"}, {"NATS_TOKEN_FILE=" + d.path("nowhere")});
    CHECK(code == 2);
    CHECK(contains(out, "cannot read the NATS token file " + d.path("nowhere")));
  }
}

TEST_CASE("nkey seed, token and .creds credentials reach servers that ask for them") {
  secure_dir d;
  SUBCASE("nkey: the public key derived from the seed file passes the server's check") {
    nats_server_process server = server_with(d.write(
      "nkey.conf", std::string("authorization { users = [ { nkey: ") + test_public + " } ] }\n"));
    bridge_options options{server.url()};
    options.credentials = resolve_nats_credentials(
      {}, [&, seed = d.write("user.nk", std::string(test_seed) + "\n")](const char* name) {
        return std::string(name) == "NATS_NKEY" ? seed.c_str() : nullptr;
      });
    nats_bridge bridge(options);
    CHECK(bridge.link().connected);
  }
  SUBCASE("token: right and wrong") {
    nats_server_process server =
      server_with(d.write("token.conf", "authorization { token: \"s3cret-token\" }\n"));
    credential_files files;
    files.token = d.write("token", "s3cret-token\n");
    bridge_options options{server.url()};
    options.credentials = resolve_nats_credentials(files);
    nats_bridge bridge(options);
    CHECK(bridge.link().connected);

    files.token = d.write("wrong-token", "guess\n");
    options.credentials = resolve_nats_credentials(files);
    CHECK_THROWS_WITH_AS(nats_bridge{options},
                         doctest::Contains("refused the credentials (kind=token source="),
                         bridge_error);
  }
  SUBCASE(".creds: a server in operator mode takes the user JWT signed with the seed") {
    // Fixtures made by tests/fixtures/creds/make_fixtures.cjs.
    const std::string fixtures = AGENT_RUNTIME_SOURCE_DIR "/tests/fixtures/creds/";
    nats_server_process server = server_with(fixtures + "server.conf");
    bridge_options options{server.url()};
    CHECK_THROWS_WITH_AS(nats_bridge{options},
                         doctest::Contains("refused the credentials (kind=none)"), bridge_error);
    credential_files files;
    files.creds = fixtures + "user.creds";
    options.credentials = resolve_nats_credentials(files);
    nats_bridge bridge(options);
    CHECK(bridge.link().connected);
  }
}

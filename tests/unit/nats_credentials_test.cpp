#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include "bridge/nats_credentials.hpp"

using namespace agent_runtime;

namespace {

/// A user nkey pair made with the official nkeys tooling (test-only).
constexpr const char* test_seed = "SUAGCO4J4SOUOOGMA4PQ3OADFKNSV374O4SDKNAXLW4Z3VKCIIULQ5AJIY";
constexpr const char* test_public = "UDWP57JJXBDC4ZTULOXBB36XNPWRQP5SECMXLNEPVNPJWJDBEMFL7HSN";

/// A folder of credential files of the test's own.
struct credential_dir {
  std::filesystem::path dir =
    std::filesystem::temp_directory_path() / ("agent-runtime-creds-" + std::to_string(::getpid()));
  credential_dir() {
    std::filesystem::create_directories(dir);
  }
  ~credential_dir() {
    std::filesystem::remove_all(dir);
  }
  std::string write(const std::string& name, const std::string& content) const {
    auto path = (dir / name).string();
    std::ofstream(path) << content;
    return path;
  }
};

/// An environment of the test's own.
environment_lookup environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

std::string error_of(const credential_files& files, const environment_lookup& env) {
  try {
    resolve_nats_credentials(files, env);
  } catch (const credential_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("with nothing given the connection has no credential") {
  auto c = resolve_nats_credentials({}, environment({}));
  CHECK(c.kind == credential_kind::none);
  CHECK(describe(c) == "kind=none");
}

TEST_CASE("a user file holds user:password on its first line") {
  credential_dir d;
  credential_files files;
  files.user_password = d.write("user", "# the runtime's NATS user\n\nagent-runtime:s3cr:et\n");
  auto c = resolve_nats_credentials(files, environment({}));
  CHECK(c.kind == credential_kind::user_password);
  CHECK(c.user == "agent-runtime");
  CHECK(c.password == "s3cr:et");
  CHECK(describe(c) == "kind=user-password user=agent-runtime source=" + files.user_password);
  CHECK(describe(c).find("s3cr") == std::string::npos);

  SUBCASE("a line without a colon is refused, naming the file") {
    files.user_password = d.write("bad", "just-a-user\n");
    CHECK(error_of(files, environment({})) == "the NATS user file " + files.user_password +
                                                " must hold one line 'user:password' (found none)");
  }
}

TEST_CASE("a credential file that every user can read gets a warning") {
  credential_dir d;
  credential_files files;
  files.token = d.write("token", "t0k\n");
  std::filesystem::permissions(files.token, std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);
  CHECK(resolve_nats_credentials(files, environment({})).warning.empty());
  std::filesystem::permissions(files.token, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  CHECK(resolve_nats_credentials(files, environment({})).warning ==
        "the NATS credential file " + files.token + " is readable by every user (chmod o-r it)");
  CHECK(resolve_nats_credentials({}, environment({{"NATS_TOKEN", "t"}})).warning.empty());
}

TEST_CASE("a missing file is one clear error naming it") {
  credential_files files;
  files.token = "/nonexistent/agent-runtime/token";
  CHECK(error_of(files, environment({})) ==
        "cannot read the NATS token file /nonexistent/agent-runtime/token (missing or not "
        "readable)");
  CHECK(error_of({}, environment({{"NATS_CREDS", "/nonexistent/x.creds"}})) ==
        "cannot read the NATS creds file /nonexistent/x.creds (missing or not readable)");
}

TEST_CASE("the environment names one credential") {
  credential_dir d;
  SUBCASE("user and password") {
    auto c =
      resolve_nats_credentials({}, environment({{"NATS_USER", "client"}, {"NATS_PASSWORD", "pw"}}));
    CHECK(c.kind == credential_kind::user_password);
    CHECK(c.user == "client");
    CHECK(c.password == "pw");
    CHECK(c.source == "NATS_USER/NATS_PASSWORD");
  }
  SUBCASE("a user without a password is refused") {
    CHECK(error_of({}, environment({{"NATS_USER", "client"}})) ==
          "NATS_USER and NATS_PASSWORD go together: one of them is unset");
  }
  SUBCASE("a token, directly or from a file") {
    auto c = resolve_nats_credentials({}, environment({{"NATS_TOKEN", "t0k"}}));
    CHECK(c.kind == credential_kind::token);
    CHECK(c.token == "t0k");
    CHECK(describe(c) == "kind=token source=NATS_TOKEN");
    auto f = resolve_nats_credentials(
      {}, environment({{"NATS_TOKEN_FILE", d.write("token", "  from-file  \n")}}));
    CHECK(f.token == "from-file");
  }
  SUBCASE("an nkey seed file; its public key is derived from the seed") {
    const std::string seed = d.write("seed", std::string(test_seed) + "\n");
    auto c = resolve_nats_credentials({}, environment({{"NATS_NKEY", seed}}));
    CHECK(c.kind == credential_kind::nkey_seed);
    CHECK(c.nkey_public == test_public);
    CHECK(c.file == seed);
    CHECK(describe(c) == std::string("kind=nkey nkey=") + test_public + " source=" + seed);
  }
  SUBCASE("a .creds file") {
    const std::string creds =
      d.write("user.creds", "-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER "
                            "JWT------\n-----BEGIN USER NKEY SEED-----\n" +
                              std::string(test_seed) + "\n------END USER NKEY SEED------\n");
    auto c = resolve_nats_credentials({}, environment({{"NATS_CREDS", creds}}));
    CHECK(c.kind == credential_kind::creds_file);
    CHECK(c.file == creds);
    CHECK(error_of({}, environment({{"NATS_CREDS", d.write("not.creds", "hello\n")}})) ==
          "the NATS creds file " + (d.dir / "not.creds").string() +
            " is not a .creds file (no 'BEGIN NATS USER JWT' block)");
  }
  SUBCASE("two at once are refused, naming both") {
    CHECK(error_of(
            {}, environment({{"NATS_TOKEN", "t"}, {"NATS_USER", "u"}, {"NATS_PASSWORD", "p"}})) ==
          "more than one NATS credential in the environment (NATS_USER/NATS_PASSWORD, "
          "NATS_TOKEN): give one");
  }
}

TEST_CASE("a file named on the command line wins over the environment") {
  credential_dir d;
  credential_files files;
  files.token = d.write("token", "flag-token\n");
  auto c =
    resolve_nats_credentials(files, environment({{"NATS_USER", "u"}, {"NATS_PASSWORD", "p"}}));
  CHECK(c.kind == credential_kind::token);
  CHECK(c.token == "flag-token");
  files.user_password = d.write("user", "u:p\n");
  CHECK(error_of(files, environment({})) ==
        "more than one NATS credential in the command line (--nats-user-file, "
        "--nats-token-file): give one");
}

TEST_CASE("nkey seeds: the public key matches the nkeys tooling and bad seeds are refused") {
  CHECK(nkey_public_key(test_seed) == test_public);
  std::string flipped = test_seed;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  CHECK_THROWS_WITH_AS(nkey_public_key(flipped), "the seed's checksum does not match",
                       credential_error);
  CHECK_THROWS_WITH_AS(nkey_public_key(test_public), "the seed has the wrong length",
                       credential_error);
  CHECK_THROWS_WITH_AS(nkey_public_key("SU1!"), "the seed is not base32", credential_error);

  credential_dir d;
  credential_files files;
  files.nkey_seed = d.write("marked", "-----BEGIN USER NKEY SEED-----\n" + std::string(test_seed) +
                                        "\n------END USER NKEY SEED------\n");
  CHECK(resolve_nats_credentials(files, environment({})).nkey_public == test_public);
  files.nkey_seed = d.write("empty", "\n");
  CHECK(error_of(files, environment({})) ==
        "the NATS nkey seed file " + files.nkey_seed + " holds no user seed (SU...)");
}

TEST_CASE("secrets in a NATS URL are masked for logs") {
  CHECK(redact_url("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222");
  CHECK(redact_url("nats://client:pw@127.0.0.1:4222") == "nats://client:***@127.0.0.1:4222");
  CHECK(redact_url("nats://s3cret@host:4222,nats://a:b@other:4222") ==
        "nats://***@host:4222,nats://a:***@other:4222");
  CHECK(url_has_secret("nats://s3cret@host"));
  CHECK_FALSE(url_has_secret("nats://host:4222"));
}

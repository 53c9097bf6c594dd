#include "bridge/nats_credentials.hpp"

#include <nats/nats.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace agent_runtime {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

/// The whole of `path`; throws naming `what` and the file when unreadable.
std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in)
    throw credential_error("cannot read the NATS " + what + " file " + path +
                           " (missing or not readable)");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A warning when `path` is readable by users other than its owner and group.
std::string exposure_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & S_IROTH) == 0)
    return "";
  return "the NATS credential file " + path + " is readable by every user (chmod o-r it)";
}

/// The first line that is neither blank nor a `#` comment, trimmed.
std::string first_line(const std::string& content) {
  std::istringstream in(content);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (!line.empty() && line[0] != '#')
      return line;
  }
  return "";
}

nats_credentials user_password_from_file(const std::string& path) {
  const std::string line = first_line(read_file(path, "user"));
  const auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == line.size())
    throw credential_error("the NATS user file " + path +
                           " must hold one line 'user:password' (found none)");
  nats_credentials c;
  c.kind = credential_kind::user_password;
  c.source = path;
  c.warning = exposure_of(path);
  c.user = line.substr(0, colon);
  c.password = line.substr(colon + 1);
  return c;
}

nats_credentials token_from_file(const std::string& path) {
  const std::string token = first_line(read_file(path, "token"));
  if (token.empty())
    throw credential_error("the NATS token file " + path + " holds no token");
  nats_credentials c;
  c.kind = credential_kind::token;
  c.source = path;
  c.warning = exposure_of(path);
  c.token = token;
  return c;
}

/// The user seed in a seed file: the line after a `BEGIN USER NKEY SEED`
/// marker, else the first line starting with `SU`.
std::string seed_in(const std::string& content) {
  std::istringstream in(content);
  bool after_marker = false;
  std::string first_su;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.find("BEGIN USER NKEY SEED") != std::string::npos) {
      after_marker = true;
      continue;
    }
    if (after_marker && !line.empty())
      return line;
    if (first_su.empty() && line.rfind("SU", 0) == 0)
      first_su = line;
  }
  return first_su;
}

nats_credentials nkey_from_file(const std::string& path) {
  const std::string seed = seed_in(read_file(path, "nkey seed"));
  if (seed.empty())
    throw credential_error("the NATS nkey seed file " + path + " holds no user seed (SU...)");
  nats_credentials c;
  c.kind = credential_kind::nkey_seed;
  c.source = path;
  c.warning = exposure_of(path);
  c.file = path;
  try {
    c.nkey_public = nkey_public_key(seed);
  } catch (const credential_error& e) {
    throw credential_error("the NATS nkey seed file " + path + ": " + e.what());
  }
  return c;
}

nats_credentials creds_from_file(const std::string& path) {
  const std::string content = read_file(path, "creds");
  if (content.find("BEGIN NATS USER JWT") == std::string::npos)
    throw credential_error("the NATS creds file " + path +
                           " is not a .creds file (no 'BEGIN NATS USER JWT' block)");
  nats_credentials c;
  c.kind = credential_kind::creds_file;
  c.source = path;
  c.warning = exposure_of(path);
  c.file = path;
  return c;
}

/// One credential named by the command line or by the environment.
struct candidate {
  std::string name;
  std::function<nats_credentials()> load;
};

nats_credentials pick(const std::vector<candidate>& found, const char* where) {
  if (found.empty())
    return {};
  if (found.size() > 1) {
    std::string names;
    for (const candidate& c : found)
      names += (names.empty() ? "" : ", ") + c.name;
    throw credential_error(std::string("more than one NATS credential in the ") + where + " (" +
                           names + "): give one");
  }
  return found.front().load();
}

std::vector<candidate> from_flags(const credential_files& files) {
  std::vector<candidate> found;
  if (!files.creds.empty())
    found.push_back({"--nats-creds", [f = files.creds] {
                       return creds_from_file(f);
                     }});
  if (!files.nkey_seed.empty())
    found.push_back({"--nats-nkey", [f = files.nkey_seed] {
                       return nkey_from_file(f);
                     }});
  if (!files.user_password.empty())
    found.push_back({"--nats-user-file", [f = files.user_password] {
                       return user_password_from_file(f);
                     }});
  if (!files.token.empty())
    found.push_back({"--nats-token-file", [f = files.token] {
                       return token_from_file(f);
                     }});
  return found;
}

std::vector<candidate> from_environment(const environment_lookup& env) {
  auto get = [&](const char* name) -> std::string {
    const char* value = env(name);
    return value ? value : "";
  };
  std::vector<candidate> found;
  if (auto f = get("NATS_CREDS"); !f.empty())
    found.push_back({"NATS_CREDS", [f] {
                       return creds_from_file(f);
                     }});
  if (auto f = get("NATS_NKEY"); !f.empty())
    found.push_back({"NATS_NKEY", [f] {
                       return nkey_from_file(f);
                     }});
  if (auto f = get("NATS_USER_FILE"); !f.empty())
    found.push_back({"NATS_USER_FILE", [f] {
                       return user_password_from_file(f);
                     }});
  const std::string user = get("NATS_USER");
  const std::string password = get("NATS_PASSWORD");
  if (!user.empty() || !password.empty()) {
    found.push_back({"NATS_USER/NATS_PASSWORD", [user, password] {
                       if (user.empty() || password.empty())
                         throw credential_error(
                           "NATS_USER and NATS_PASSWORD go together: one of them is unset");
                       nats_credentials c;
                       c.kind = credential_kind::user_password;
                       c.source = "NATS_USER/NATS_PASSWORD";
                       c.user = user;
                       c.password = password;
                       return c;
                     }});
  }
  if (auto f = get("NATS_TOKEN_FILE"); !f.empty())
    found.push_back({"NATS_TOKEN_FILE", [f] {
                       return token_from_file(f);
                     }});
  if (auto token = get("NATS_TOKEN"); !token.empty()) {
    found.push_back({"NATS_TOKEN", [token] {
                       nats_credentials c;
                       c.kind = credential_kind::token;
                       c.source = "NATS_TOKEN";
                       c.token = token;
                       return c;
                     }});
  }
  return found;
}

// nkeys: base32 (RFC 4648, no padding) of prefix bytes, key and CRC-16.
constexpr const char* base32_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::uint8_t prefix_seed = 18 << 3;
constexpr std::uint8_t prefix_user = 20 << 3;

std::vector<std::uint8_t> base32_decode(const std::string& text) {
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    const char* at = std::strchr(base32_alphabet, ch);
    if (!at || ch == '\0')
      throw credential_error("the seed is not base32");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(at - base32_alphabet);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  return out;
}

std::string base32_encode(const std::vector<std::uint8_t>& data) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += base32_alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0)
    out += base32_alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/// CRC-16/XMODEM, as nkeys use it.
std::uint16_t crc16(const std::uint8_t* data, std::size_t size) {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= static_cast<std::uint16_t>(data[i] << 8);
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
  }
  return crc;
}

} // namespace

std::string nkey_public_key(const std::string& seed) {
  const std::vector<std::uint8_t> raw = base32_decode(seed);
  if (raw.size() != 36)
    throw credential_error("the seed has the wrong length");
  const std::uint16_t crc = crc16(raw.data(), 34);
  if ((raw[34] | (raw[35] << 8)) != crc)
    throw credential_error("the seed's checksum does not match");
  const std::uint8_t kind = static_cast<std::uint8_t>(((raw[0] & 7) << 5) | ((raw[1] & 248) >> 3));
  if ((raw[0] & 248) != prefix_seed || kind != prefix_user)
    throw credential_error("the seed is not a user seed (SU...)");

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
    EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw.data() + 2, 32), EVP_PKEY_free);
  std::array<std::uint8_t, 32> public_key{};
  std::size_t length = public_key.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &length) != 1 ||
      length != 32)
    throw credential_error("cannot derive the public key from the seed");

  std::vector<std::uint8_t> encoded{prefix_user};
  encoded.insert(encoded.end(), public_key.begin(), public_key.end());
  const std::uint16_t check = crc16(encoded.data(), encoded.size());
  encoded.push_back(static_cast<std::uint8_t>(check & 0xff));
  encoded.push_back(static_cast<std::uint8_t>(check >> 8));
  return base32_encode(encoded);
}

nats_credentials resolve_nats_credentials(const credential_files& files,
                                          const environment_lookup& env) {
  auto flagged = from_flags(files);
  return flagged.empty() ? pick(from_environment(env), "environment")
                         : pick(flagged, "command line");
}

nats_credentials resolve_nats_credentials(const credential_files& files) {
  return resolve_nats_credentials(files, [](const char* name) { return std::getenv(name); });
}

const char* kind_name(credential_kind kind) {
  switch (kind) {
    case credential_kind::none:
      return "none";
    case credential_kind::user_password:
      return "user-password";
    case credential_kind::token:
      return "token";
    case credential_kind::nkey_seed:
      return "nkey";
    case credential_kind::creds_file:
      return "creds";
  }
  return "unknown";
}

std::string describe(const nats_credentials& c) {
  std::string text = std::string("kind=") + kind_name(c.kind);
  if (c.kind == credential_kind::user_password)
    text += " user=" + c.user;
  if (c.kind == credential_kind::nkey_seed)
    text += " nkey=" + c.nkey_public;
  if (!c.source.empty())
    text += " source=" + c.source;
  return text;
}

void apply(const nats_credentials& c, natsOptions* options) {
  natsStatus status = NATS_OK;
  switch (c.kind) {
    case credential_kind::none:
      return;
    case credential_kind::user_password:
      status = natsOptions_SetUserInfo(options, c.user.c_str(), c.password.c_str());
      break;
    case credential_kind::token:
      status = natsOptions_SetToken(options, c.token.c_str());
      break;
    case credential_kind::nkey_seed:
      status = natsOptions_SetNKeyFromSeed(options, c.nkey_public.c_str(), c.file.c_str());
      break;
    case credential_kind::creds_file:
      status = natsOptions_SetUserCredentialsFromFiles(options, c.file.c_str(), nullptr);
      break;
  }
  if (status != NATS_OK)
    throw credential_error(std::string("cannot use the NATS ") + kind_name(c.kind) +
                           " credential from " + c.source + ": " + natsStatus_GetText(status));
}

bool url_has_secret(const std::string& url) {
  return redact_url(url) != url;
}

std::string redact_url(const std::string& url) {
  // Each comma-separated URL may carry `user:password@` or `token@`.
  std::string out;
  std::size_t start = 0;
  while (start <= url.size()) {
    auto comma = url.find(',', start);
    if (comma == std::string::npos)
      comma = url.size();
    std::string one = url.substr(start, comma - start);
    const auto scheme = one.find("://");
    const auto from = scheme == std::string::npos ? 0 : scheme + 3;
    const auto at = one.find('@', from);
    const auto slash = one.find('/', from);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const std::string userinfo = one.substr(from, at - from);
      const auto colon = userinfo.find(':');
      const std::string shown =
        colon == std::string::npos ? "***" : userinfo.substr(0, colon) + ":***";
      one = one.substr(0, from).append(shown).append(one, at, std::string::npos);
    }
    out += one;
    if (comma < url.size())
      out += ',';
    start = comma + 1;
  }
  return out;
}

} // namespace agent_runtime

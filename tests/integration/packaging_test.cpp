// The deployment packaging, judged against the real artefacts: the Dockerfile's runtime stage
// against the shared libraries the built binary actually loads (ldd + dpkg), its HEALTHCHECK
// against a running agent, and the systemd unit against systemd's own security analyzer. No
// Docker daemon or systemd instance is needed: the image cannot be built here, so these are
// the checks that stop a missing library or a broken healthcheck before a deploy does.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/agent_process.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/run_binary.hpp"

namespace opsagent::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kSourceDir = OPSAGENT_SOURCE_DIR;
const std::string kDockerfile = kSourceDir + "/Dockerfile";
const std::string kUnit = kSourceDir + "/systemd/opsagent.service";

// Packages every debian:12-slim image has, because apt (Priority: required, and so in the
// minbase the image is built from) depends on them: apt -> libc6, libgcc-s1, libstdc++6,
// libsystemd0, libgnutls30; libapt-pkg6.0 -> zlib1g, libzstd1, liblzma5, liblz4-1, libgcrypt20;
// libsystemd0 -> libcap2; libgcrypt20 -> libgpg-error0; libgnutls30 -> libgmp10, libhogweed6,
// libnettle8, libidn2-0, libunistring2, libtasn1-6, libp11-kit0 -> libffi8. (Read off
// `dpkg -s` on Debian 12.) Only these may be left out of the runtime stage's install list;
// anything else ldd shows must be installed there explicitly. libsystemd0 is installed
// explicitly all the same, because the binary links it directly.
const std::set<std::string> kBaseImagePackages = {
    "libc6",         "libgcc-s1",     "libstdc++6",  "zlib1g",      "libzstd1",
    "liblzma5",      "liblz4-1",      "libgcrypt20", "libsystemd0", "libcap2",
    "libgpg-error0", "libgnutls30",   "libgmp10",    "libhogweed6", "libnettle8",
    "libidn2-0",     "libunistring2", "libtasn1-6",  "libp11-kit0", "libffi8",
};

// What a SANITIZE=address or SANITIZE=thread build (scripts/test.sh) links besides the real
// dependencies. The image is a Release build without them, so they are ignored.
const std::set<std::string> kSanitizerRuntimes = {"libasan8", "libubsan1", "libtsan2", "liblsan0"};

// Packages the runtime stage may install although the binary does not load them.
const std::set<std::string> kRuntimeExtras = {"ca-certificates"};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string upper(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// True if `name` is an executable in one of PATH's directories (or a path to one).
bool have_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// ---- Dockerfile -------------------------------------------------------------------------

struct Instruction {
  std::string keyword;  // upper case: FROM, RUN, ...
  std::string args;     // the rest, continuation lines joined with spaces
};

struct Stage {
  std::string from;  // the FROM line's arguments
  std::vector<Instruction> instructions;
};

// Splits a Dockerfile into stages the way the builder does for what these tests look at:
// backslash continuations are joined, and comment lines (also inside a continuation, which
// Docker allows) are dropped. Heredocs are not supported; this Dockerfile has none.
std::vector<Stage> parse_dockerfile(const std::string& text) {
  std::vector<Stage> stages;
  std::istringstream in(text);
  std::string logical;
  auto flush = [&] {
    const auto line = trim(logical);
    logical.clear();
    if (line.empty()) return;
    const auto space = line.find_first_of(" \t");
    Instruction ins{upper(line.substr(0, space)),
                    space == std::string::npos ? "" : trim(line.substr(space))};
    if (ins.keyword == "FROM") stages.push_back({ins.args, {}});
    if (!stages.empty()) stages.back().instructions.push_back(ins);
  };
  for (std::string raw; std::getline(in, raw);) {
    const auto line = trim(raw);
    if (line.starts_with("#")) continue;
    if (line.ends_with("\\")) {
      logical += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    logical += line;
    flush();
  }
  flush();
  return stages;
}

// The packages named by every `apt-get install` in the stage's RUN instructions: the words
// after `install` up to the end of that shell command, options and version pins removed.
std::set<std::string> apt_installed(const Stage& stage) {
  std::set<std::string> packages;
  for (const auto& ins : stage.instructions) {
    if (ins.keyword != "RUN") continue;
    const auto w = words(ins.args);
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
      if (!(w[i].ends_with("apt-get") || w[i] == "apt") || w[i + 1] != "install") continue;
      for (std::size_t j = i + 2; j < w.size(); ++j) {
        auto word = w[j];
        if (word == "&&" || word == "||" || word == ";" || word == "|") break;
        const bool last = word.ends_with(";");
        if (last) word.pop_back();
        if (!word.empty() && !word.starts_with("-"))
          packages.insert(word.substr(0, word.find('=')));
        if (last) break;
      }
    }
  }
  return packages;
}

std::vector<std::string> instruction_args(const Stage& stage, const std::string& keyword) {
  std::vector<std::string> out;
  for (const auto& ins : stage.instructions) {
    if (ins.keyword == keyword) out.push_back(ins.args);
  }
  return out;
}

// The final image is the last stage (nothing here passes --target).
Stage runtime_stage() {
  const auto text = read_text(kDockerfile);
  if (text.empty()) throw std::runtime_error("cannot read " + kDockerfile);
  auto stages = parse_dockerfile(text);
  if (stages.size() < 2) throw std::runtime_error(kDockerfile + " is not multi-stage");
  return stages.back();
}

// ---- ldd + dpkg -------------------------------------------------------------------------

struct Library {
  std::string soname;  // libpq.so.5
  std::string path;    // /lib/x86_64-linux-gnu/libpq.so.5, as the loader resolved it
};

// Every shared object the loader maps for the binary, direct and indirect. The vDSO has no
// file and is skipped; "not found" is returned with an empty path so the caller can fail.
std::vector<Library> ldd(const std::string& binary) {
  const auto r = run_process({"ldd", binary}, {}, 20s);
  if (r.exit_code != 0) throw std::runtime_error("ldd " + binary + " failed: " + r.err);
  std::vector<Library> libs;
  static const std::regex arrow(R"(^\s*(\S+)\s+=>\s+(\S+))");
  static const std::regex bare(R"(^\s*(/\S+)\s+\(0x)");
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, arrow)) {
      libs.push_back({m[1], m[2] == "not" ? "" : m[2].str()});
    } else if (std::regex_search(line, m, bare)) {
      libs.push_back({fs::path(m[1].str()).filename(), m[1]});
    }
  }
  return libs;
}

// The paths dpkg may have recorded for a file the loader found at `path`: the path itself,
// its target if it is a symlink (libpq.so.5 -> libpq.so.5.15), and for each of those the other
// side of the merged /usr (Debian 12 ships libraries under /usr/lib but the loader finds them
// through the /lib symlink, and some packages still record /lib paths).
std::vector<std::string> dpkg_candidates(const std::string& path) {
  std::vector<std::string> bases{path};
  std::error_code ec;
  const auto real = fs::canonical(path, ec);
  if (!ec && real.string() != path) bases.push_back(real.string());
  std::vector<std::string> out;
  for (const auto& p : bases) {
    out.push_back(p);
    out.push_back(p.starts_with("/usr/") ? p.substr(4) : "/usr" + p);
  }
  return out;
}

// path -> owning package (arch qualifier dropped), from one `dpkg-query -S` over all paths.
// Paths no package owns are simply absent: dpkg-query exits 1 for them and that is expected.
std::map<std::string, std::string> dpkg_owners(const std::vector<std::string>& paths) {
  std::vector<std::string> argv{"dpkg-query", "-S"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  const auto r = run_process(argv, {{"LC_ALL", "C"}}, 60s);
  if (r.exit_code != 0 && r.exit_code != 1) {
    throw std::runtime_error("dpkg-query -S failed (" + std::to_string(r.exit_code) +
                             "): " + r.err);
  }
  std::map<std::string, std::string> owners;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("diversion ")) continue;
    const auto sep = line.find(": /");
    if (sep == std::string::npos) continue;
    auto package = line.substr(0, sep);
    package = package.substr(0, package.find(','));  // "a, b: /path": shared; a is enough
    package = package.substr(0, package.find(':'));  // "libc6:amd64"
    owners[line.substr(sep + 2)] = trim(package);
  }
  return owners;
}

struct NeededPackage {
  std::string package;
  std::string soname;
  std::string path;
};

// Every library the binary loads with the package that ships it. A library no package owns
// (built by hand into /usr/local, say) is a failure: the image could not install it.
std::vector<NeededPackage> packages_the_binary_needs() {
  const auto libs = ldd(OPSAGENT_BINARY);
  EXPECT_GT(libs.size(), 5u) << "ldd found suspiciously few libraries";
  std::vector<std::string> all;
  for (const auto& lib : libs) {
    EXPECT_FALSE(lib.path.empty()) << lib.soname << ": not found by the loader on this machine";
    if (lib.path.empty()) continue;
    for (const auto& c : dpkg_candidates(lib.path)) all.push_back(c);
  }
  const auto owners = dpkg_owners(all);
  std::vector<NeededPackage> needed;
  for (const auto& lib : libs) {
    if (lib.path.empty()) continue;
    std::string package;
    for (const auto& c : dpkg_candidates(lib.path)) {
      if (auto it = owners.find(c); it != owners.end()) {
        package = it->second;
        break;
      }
    }
    EXPECT_FALSE(package.empty()) << lib.soname << " (" << lib.path
                                  << ") belongs to no Debian package; the image cannot get it";
    if (!package.empty() && !kSanitizerRuntimes.contains(package)) {
      needed.push_back({package, lib.soname, lib.path});
    }
  }
  return needed;
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out;
}

// The binary under test is built on Debian 12 from the same packages as the image's build
// stage, so what it loads here is what it loads in the image.
TEST(PackagingTest, RuntimeStageInstallsEveryLibraryTheBinaryNeeds) {
  if (!have_program("ldd") || !have_program("dpkg-query")) {
    GTEST_SKIP() << "needs ldd and dpkg-query (a Debian host)";
  }
  const auto installed = apt_installed(runtime_stage());
  ASSERT_FALSE(installed.empty()) << "no apt-get install in the runtime stage of " << kDockerfile;
  for (const auto& need : packages_the_binary_needs()) {
    if (kBaseImagePackages.contains(need.package)) continue;
    EXPECT_TRUE(installed.contains(need.package))
        << "the binary loads " << need.soname << " (" << need.path << ", package " << need.package
        << ") but the Dockerfile's runtime stage does not install " << need.package
        << "; it installs: " << joined(installed);
  }
}

// "ONLY the runtime libraries": a package left behind after a dependency was dropped, or a
// debugging tool added for a moment, is caught here.
TEST(PackagingTest, RuntimeStageInstallsNothingTheBinaryDoesNotNeed) {
  if (!have_program("ldd") || !have_program("dpkg-query")) {
    GTEST_SKIP() << "needs ldd and dpkg-query (a Debian host)";
  }
  std::set<std::string> needed;
  for (const auto& need : packages_the_binary_needs()) needed.insert(need.package);
  for (const auto& p : apt_installed(runtime_stage())) {
    EXPECT_TRUE(needed.contains(p) || kRuntimeExtras.contains(p))
        << "the runtime stage installs " << p
        << ", which the binary does not load (ldd) and which is not an allowed extra";
  }
}

TEST(PackagingTest, RuntimeStageIsNonRootStoppableAndHealthChecked) {
  const auto stage = runtime_stage();
  EXPECT_TRUE(stage.from.starts_with("debian:12-slim") ||
              stage.from.starts_with("debian:bookworm-slim"))
      << stage.from;

  const auto users = instruction_args(stage, "USER");
  ASSERT_FALSE(users.empty()) << "the runtime stage never sets USER: the agent would run as root";
  const auto user = users.back().substr(0, users.back().find(':'));
  EXPECT_NE(user, "root");
  EXPECT_NE(user, "0");

  const auto health = instruction_args(stage, "HEALTHCHECK");
  ASSERT_EQ(health.size(), 1u);
  EXPECT_NE(upper(health[0]), "NONE");
  EXPECT_NE(health[0].find("opsagent"), std::string::npos) << "the binary should check itself";

  const auto stop = instruction_args(stage, "STOPSIGNAL");
  ASSERT_FALSE(stop.empty());
  EXPECT_EQ(stop.back(), "SIGTERM") << "SIGTERM is what starts the drain";

  const auto expose = instruction_args(stage, "EXPOSE");
  ASSERT_FALSE(expose.empty());
  EXPECT_NE(expose.back().find("8080"), std::string::npos);

  const auto entry = instruction_args(stage, "ENTRYPOINT");
  ASSERT_FALSE(entry.empty());
  EXPECT_NE(entry.back().find("/usr/local/bin/opsagent"), std::string::npos);

  // The healthcheck uses the binary so that no HTTP client has to be in the image.
  const auto installed = apt_installed(stage);
  for (const char* tool : {"curl", "wget"}) {
    EXPECT_FALSE(installed.contains(tool)) << "the runtime stage installs " << tool;
  }
}

// The build stage copies source directories one by one (for the build cache), so a new module
// directory would be missing from the image build while every local build still passes.
TEST(PackagingTest, BuildStageCopiesEverySourceDirectory) {
  const auto stages = parse_dockerfile(read_text(kDockerfile));
  ASSERT_GE(stages.size(), 2u);
  std::set<std::string> copied;
  for (const auto& args : instruction_args(stages.front(), "COPY")) {
    const auto w = words(args);
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {  // the last word is the destination
      if (w[i].starts_with("--")) continue;
      auto source = w[i];
      while (source.ends_with("/")) source.pop_back();
      copied.insert(source);
    }
  }
  if (copied.contains(".")) return;  // COPY . . takes everything
  EXPECT_TRUE(copied.contains("CMakeLists.txt"));
  for (const auto& dir : fs::directory_iterator(kSourceDir)) {
    const auto name = dir.path().filename().string();
    if (!dir.is_directory() || name.starts_with(".") || name.starts_with("build")) continue;
    bool has_sources = false;
    for (const auto& f : fs::recursive_directory_iterator(dir.path())) {
      const auto ext = f.path().extension();
      has_sources = has_sources || ext == ".cpp" || ext == ".hpp" || ext == ".in";
    }
    EXPECT_TRUE(!has_sources || copied.contains(name))
        << name << "/ has C++ sources but the Dockerfile's build stage does not COPY it";
  }
}

// The HEALTHCHECK's command as Docker would run it: `CMD <shell words>` goes to /bin/sh -c.
// The options before CMD (--interval ...) are dropped.
std::string healthcheck_shell_command() {
  const auto health = instruction_args(runtime_stage(), "HEALTHCHECK");
  if (health.size() != 1) throw std::runtime_error("expected one HEALTHCHECK");
  const auto cmd = health[0].find("CMD ");
  if (cmd == std::string::npos) throw std::runtime_error("HEALTHCHECK without CMD");
  auto command = trim(health[0].substr(cmd + 4));
  if (command.starts_with("[")) throw std::runtime_error("exec-form HEALTHCHECK not handled");
  // Run the binary under test where the image has /usr/local/bin/opsagent.
  for (std::string::size_type at = 0;
       (at = command.find("/usr/local/bin/opsagent")) != std::string::npos;) {
    command.replace(at, std::string("/usr/local/bin/opsagent").size(), OPSAGENT_BINARY);
  }
  return command;
}

// The subcommand the HEALTHCHECK runs exists in this binary (`opsagent <cmd>`).
TEST(PackagingTest, HealthcheckUsesASubcommandTheBinaryHas) {
  const auto w = words(healthcheck_shell_command());
  const auto at = std::ranges::find(w, std::string(OPSAGENT_BINARY));
  ASSERT_NE(at, w.end());
  ASSERT_NE(std::next(at), w.end()) << "no subcommand after the binary";
  const auto sub = *std::next(at);
  const auto help = run_agent_cli({"--help"}, {}, 10s);
  ASSERT_EQ(help.exit_code, 0);
  EXPECT_TRUE(std::regex_search(help.out, std::regex("\\n\\s+" + sub + "\\s")))
      << "opsagent --help lists no subcommand '" << sub << "':\n"
      << help.out;
}

// The container's environment as the HEALTHCHECK sees it: the image's OPSAGENT_CONFIG, plus
// what the operator passes (PORT, the token variable).
std::map<std::string, std::string> container_env(const AgentProcess& agent,
                                                 std::map<std::string, std::string> extra = {}) {
  extra["OPSAGENT_CONFIG"] = agent.config_path();
  extra["PORT"] = std::to_string(agent.port());
  return extra;
}

// No database is needed: the check is about the agent serving, and an unreachable DSN
// (connection refused on a closed port) only makes it not ready.
std::string unreachable_dsn() {
  return "postgresql://nobody@127.0.0.1:" + std::to_string(free_tcp_port()) +
         "/nothing?connect_timeout=1";
}

// Short timings so the agent is up (and down) quickly; `agent_extra` goes under [agent].
std::string agent_config(const std::string& agent_extra = "") {
  return "[agent]\nlisten = \"0.0.0.0:1\"\ninterval = \"500ms\"\ndrain = \"0s\"\n" + agent_extra +
         "[database]\nconnect_timeout = \"500ms\"\nstatement_timeout = \"500ms\"\n"
         "lock_timeout = \"100ms\"\nfresh_connect_interval = \"0s\"\n";
}

TEST(PackagingTest, HealthcheckPassesWhileTheAgentServesAndFailsWhenItDoesNot) {
  const auto command = healthcheck_shell_command();
  AgentProcess agent({.config_toml = agent_config(), .env = {{"DATABASE_URL", unreachable_dsn()}}});
  ASSERT_TRUE(agent.wait_for_status("/health/live", 200, 10s)) << agent.log();
  // Not ready (no database), and still healthy: the check must not depend on Postgres.
  EXPECT_EQ(agent.get("/health/ready").status, 503);

  auto ok = run_process({"/bin/sh", "-c", command}, container_env(agent), 20s);
  EXPECT_EQ(ok.exit_code, 0) << command << "\nstderr: " << ok.err << "\nagent log:\n"
                             << agent.log();

  agent.signal(SIGTERM);
  ASSERT_TRUE(agent.wait_exit(10s).has_value());
  auto down = run_process({"/bin/sh", "-c", command}, container_env(agent), 20s);
  // Exactly 1: Docker reserves every other non-zero code.
  EXPECT_EQ(down.exit_code, 1) << command << "\nstderr: " << down.err;
}

// With a token configured, /status needs it; the check runs in the container's environment,
// so it finds the token through the same agent.token_env the agent uses.
TEST(PackagingTest, HealthcheckSendsTheTokenFromTheContainerEnvironment) {
  const auto command = healthcheck_shell_command();
  const std::map<std::string, std::string> token{{"OPSAGENT_TOKEN", "s3cret-healthcheck-token"}};
  auto env = token;
  env["DATABASE_URL"] = unreachable_dsn();
  AgentProcess agent({.config_toml = agent_config("token_env = \"OPSAGENT_TOKEN\"\n"), .env = env});
  ASSERT_TRUE(agent.wait_for_status("/health/live", 200, 10s)) << agent.log();
  ASSERT_EQ(agent.get("/status").status, 401) << "the token does not protect /status";

  auto with = run_process({"/bin/sh", "-c", command}, container_env(agent, token), 20s);
  EXPECT_EQ(with.exit_code, 0) << "stderr: " << with.err;
  auto without =
      run_process({"/bin/sh", "-c", command}, container_env(agent, {{"OPSAGENT_TOKEN", ""}}), 20s);
  EXPECT_EQ(without.exit_code, 1) << "a check without the token passed: /status is not protected";
}

// ---- systemd ----------------------------------------------------------------------------

// `Key=value` lines of the unit, in order (a key may repeat).
std::vector<std::pair<std::string, std::string>> unit_settings(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line.starts_with("#") || line.starts_with(";") || line.starts_with("[")) {
      continue;
    }
    const auto eq = line.find('=');
    if (eq != std::string::npos)
      out.emplace_back(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
  }
  return out;
}

std::string unit_value(const std::vector<std::pair<std::string, std::string>>& settings,
                       const std::string& key) {
  std::string value;
  for (const auto& [k, v] : settings) {
    if (k == key) value = v;  // the last one wins, as in systemd
  }
  return value;
}

TEST(PackagingTest, SystemdUnitRatesOkInSystemdAnalyzeSecurity) {
  const auto text = read_text(kUnit);
  ASSERT_FALSE(text.empty()) << "cannot read " << kUnit;
  const auto settings = unit_settings(text);
  EXPECT_EQ(unit_value(settings, "Type"), "notify") << "the agent sends READY=1 once it listens";
  EXPECT_FALSE(unit_value(settings, "WatchdogSec").empty()) << "the agent sends WATCHDOG=1";
  EXPECT_NE(unit_value(settings, "ExecReload").find("-HUP"), std::string::npos)
      << "SIGHUP reloads the config";
  EXPECT_NE(unit_value(settings, "ExecStart").find("/usr/local/bin/opsagent run"),
            std::string::npos);

  if (!have_program("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  const auto r = run_process({"systemd-analyze", "security", "--offline=true", "--no-pager", kUnit},
                             {{"LC_ALL", "C"}}, 60s);
  std::smatch m;
  static const std::regex overall(
      R"(Overall exposure level for opsagent\.service:\s*([0-9]+\.[0-9]+)\s+(\S+))");
  ASSERT_TRUE(std::regex_search(r.out, m, overall)) << "exit " << r.exit_code << "\nstdout:\n"
                                                    << r.out << "\nstderr:\n"
                                                    << r.err;
  const double exposure = std::stod(m[1]);
  // Only the settings that cost exposure, so a failure says what to harden. Under LC_ALL=C
  // systemd-analyze marks them "- " (a UTF-8 locale would show a cross instead).
  std::string exposed;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("- ")) exposed += line + "\n";
  }
  EXPECT_LE(exposure, 2.0) << "systemd-analyze rates the unit " << m[1] << " " << m[2]
                           << "; exposed:\n"
                           << exposed;
  // systemd's words for 0.0-4.9: PERFECT (0), SAFE (< 1.0), OK (< 5.0).
  EXPECT_TRUE(m[2] == "OK" || m[2] == "SAFE" || m[2] == "PERFECT") << m[2];
}

}  // namespace
}  // namespace opsagent::testing

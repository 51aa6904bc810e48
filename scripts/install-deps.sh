#!/usr/bin/env bash
# Installs what opsagent needs, from Debian 12 packages only, in groups so that each command
# installs only what it uses:
#   build      compile the agent (and its tests: CMake finds GoogleTest when it configures)
#   demo       build + Postgres 15 (scripts/demo.sh starts a throwaway cluster)
#   test       demo + what the integration tests drive: Prometheus (promtool), Alertmanager,
#              headless Chromium, PgBouncer; ccache for its repeated builds (scripts/test.sh)
#   hardening  test + clang-16 (libFuzzer, its sanitizer runtimes) and clang-tidy-16: the
#              default clang 14 cannot parse C++23            (scripts/test.sh hardening)
# Usage: scripts/install-deps.sh [GROUP...]   (no group: all of them)
# Idempotent: skips apt entirely when everything asked for is already there.
set -euo pipefail

group_packages() {
  case "$1" in
    build)
      echo build-essential cmake pkg-config git ca-certificates curl procps \
        libcpp-httplib-dev libpq-dev libtomlplusplus-dev libspdlog-dev libfmt-dev \
        nlohmann-json3-dev libcli11-dev prometheus-cpp-dev libssl-dev libsystemd-dev libgtest-dev
      ;;
    demo) group_packages build && echo postgresql-15 postgresql-client-15 ;;
    test) group_packages demo && echo prometheus prometheus-alertmanager chromium pgbouncer ccache ;;
    hardening) group_packages test && echo clang-16 clang-tidy-16 libclang-rt-16-dev ;;
    *)
      echo "install-deps.sh: unknown group '$1' (build, demo, test, hardening)" >&2
      return 2
      ;;
  esac
}

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(hardening)
packages=()
for g in "${groups[@]}"; do
  list=$(group_packages "$g") || exit 2
  read -ra more <<<"$(tr '\n' ' ' <<<"$list")"
  packages+=("${more[@]}")
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: missing packages: ${missing[*]}; run as root (or sudo) to install them" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

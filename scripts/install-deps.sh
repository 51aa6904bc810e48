#!/usr/bin/env bash
# Installs what building, running and testing opsagent needs, from Debian 12 packages only.
# Idempotent: skips apt entirely when everything is already there. clang-16 (libFuzzer) and
# clang-tidy-16 serve scripts/fuzz.sh and scripts/tidy.sh: the default clang 14 cannot parse C++23.
set -euo pipefail
packages=(
  build-essential cmake pkg-config git ca-certificates curl procps
  libcpp-httplib-dev libpq-dev libtomlplusplus-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libcli11-dev prometheus-cpp-dev libssl-dev libsystemd-dev libgtest-dev
  postgresql-15 postgresql-client-15 prometheus prometheus-alertmanager chromium
  clang-16 clang-tidy-16 libclang-rt-16-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

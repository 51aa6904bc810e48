# syntax=docker/dockerfile:1
#
# opsagent container image: build on Debian 12, run on debian:12-slim with only the shared
# libraries the binary loads. tests/integration/packaging_test.cpp checks the runtime package
# list below against `ldd build/opsagent` + `dpkg -S`, so a new library dependency fails the
# test suite, not a deploy.
#
#   docker build -t opsagent .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgresql://app:secret@db:5432/app \
#     -v "$PWD/opsagent.toml:/etc/opsagent/opsagent.toml:ro" opsagent

# ---------------------------------------------------------------------------------------------
# Build stage: the same Debian 12 packages scripts/install-deps.sh installs, minus what only
# the tests and the demo use (postgresql-15, prometheus, chromium, curl, git, procps).
FROM debian:12 AS build

# libgtest-dev is not needed to build the binary, but CMakeLists.txt calls
# find_package(GTest REQUIRED) unconditionally, so configuring fails without it. It stays in
# this stage only.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libcpp-httplib-dev libpq-dev libtomlplusplus-dev libspdlog-dev libfmt-dev \
      nlohmann-json3-dev libcli11-dev prometheus-cpp-dev libssl-dev libsystemd-dev \
      libgtest-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what CMake reads, so that editing the README or a script does not invalidate the build
# cache. tests/ is needed because CMakeLists.txt defines the test targets (they are not built).
COPY CMakeLists.txt ./
COPY common/ common/
COPY agent/ agent/
COPY config/ config/
COPY probes/ probes/
COPY tests/ tests/

# Release: optimized, no debug info. Only the `opsagent` target: the test binaries would double
# the build time and are run by CI (.ci/run), not here.
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target opsagent \
 && strip --strip-unneeded build/opsagent \
 && build/opsagent --version \
 && build/opsagent validate --config config/example.toml

# ---------------------------------------------------------------------------------------------
# Runtime stage: debian:12-slim already has libc6, libgcc-s1, libstdc++6 and what apt itself
# links (libsystemd0's and libgnutls30's dependencies, zlib1g, ...). Everything else the binary
# loads is listed here; no curl, no shell tools beyond the base image's.
FROM debian:12-slim AS runtime

# The first line is what the binary links directly (readelf -d: NEEDED); the second what those
# libraries load in turn (ldd) that the slim base lacks. apt would pull the second line in as
# dependencies anyway; it is spelled out so the packaging test can match the image against ldd.
# ca-certificates: the CA bundle for https (alert webhooks) and for Postgres TLS with
# `sslrootcert=/etc/ssl/certs/ca-certificates.crt` in the DSN (libpq 15 has no
# sslrootcert=system).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpq5 libcpp-httplib0.11 libspdlog1.10 libfmt9 libtomlplusplus3 libsystemd0 \
      libprometheus-cpp-core1.0 libssl3 \
      libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1 libcom-err2 \
      libldap-2.5-0 libsasl2-2 libbrotli1 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric uid/gid, so that file ownership on mounted volumes is predictable and
# Kubernetes' runAsNonRoot can verify the user (it cannot for a user *name*). No home, no shell.
RUN groupadd --system --gid 10001 opsagent \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin opsagent \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/opsagent
# Alert state (alerts.state_file): mount a volume here so a restart resumes open alerts.
VOLUME /var/lib/opsagent

COPY --from=build /src/build/opsagent /usr/local/bin/opsagent
# The example documents every key, but its [readiness] section describes the reference app
# (permits, contacts, ... and an Alembic revision): mount your own file over it, or the agent
# stays not ready. Root-owned and read-only for the agent: it never writes its config.
COPY --from=build --chmod=0644 /src/config/example.toml /etc/opsagent/opsagent.toml
# Fails the image build, not the first deploy, if a shared library is missing.
RUN ["/usr/local/bin/opsagent", "--version"]

# The config is found through the environment rather than `--config` in CMD, so that the
# HEALTHCHECK below (a second opsagent process) reads the same file, and with it the same
# listen port and token variable. Point OPSAGENT_CONFIG elsewhere if you mount the file
# somewhere else; PORT (e.g. on Railway) overrides the port for both processes.
ENV OPSAGENT_CONFIG=/etc/opsagent/opsagent.toml

EXPOSE 8080

# SIGTERM starts the drain: /health/ready turns 503 at once, the endpoints keep answering for
# agent.drain (5s by default), then the agent exits 0. Docker's default stop timeout is 10s;
# with a longer drain use `docker stop -t` / `stop_grace_period` (Compose) /
# terminationGracePeriodSeconds (Kubernetes) greater than agent.drain.
STOPSIGNAL SIGTERM

# The binary checks itself: no curl in the image. `opsagent status` asks the running agent for
# /status at the address in its config (0.0.0.0 -> 127.0.0.1, $PORT applied) and exits 0 on
# HTTP 200, 2 on no answer or an HTTP error. /status answers 200 whether or not the database is
# reachable, so this is a liveness check: "unhealthy" means the agent itself is not serving,
# never that Postgres is down (use /health/ready for that, e.g. as the Kubernetes
# readinessProbe). With agent.token_env set, /status needs the bearer token; the check sends it
# because it runs with the container's environment, which holds the token variable. It fails
# (HTTP 401) only if the token reaches the agent some other way than the container
# environment, or if the agent was started with a `--config` naming another file than
# $OPSAGENT_CONFIG. `|| exit 1`: Docker reserves exit codes other than 0 and 1. stdout (the
# whole status page) is dropped; the reason of a failure goes to stderr, which
# `docker inspect` shows.
HEALTHCHECK --interval=30s --timeout=10s --start-period=15s --retries=3 \
  CMD /usr/local/bin/opsagent status > /dev/null || exit 1

USER 10001:10001
ENTRYPOINT ["/usr/local/bin/opsagent"]
CMD ["run"]

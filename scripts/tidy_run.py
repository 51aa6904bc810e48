#!/usr/bin/env python3
"""Runs clang-tidy over FILES in parallel and remembers which ones were clean.

Called by scripts/tidy.sh (which picks the files and installs clang-tidy); not meant to be run
on its own. A file found clean is remembered under a key made of everything clang-tidy's verdict
depends on: clang-tidy's version, .clang-tidy, the file's compile command (with the checkout's
path taken out, so that every clone shares the cache) and the content of every file the
translation unit includes (its own headers and the system's, listed by `clang++ -M`). The next
run skips a file whose key is remembered: a change to the file, to any header it includes, to
the flags or to the checks makes a new key, and the file is checked again. Only clean results
are remembered, so a finding is reported on every run until it is fixed.

Usage: tidy_run.py BUILD_DIR FILE...   (environment: TIDY_JOBS, OPSAGENT_TIDY_CACHE)
"""
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys

TIDY = "clang-tidy-16"
CLANG = "clang++-16"
FINDING = re.compile(r"^/.+:[0-9]+:[0-9]+: (warning|error): ", re.MULTILINE)
# clang-tidy's own chatter: "N warnings generated." (nearly all in system headers, not checked).
CHATTER = re.compile(r"^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extra_args(root: str) -> list[str]:
    """The ExtraArgs list of .clang-tidy (clang-tidy adds them; so must the dependency scan)."""
    args, inside = [], False
    with open(os.path.join(root, ".clang-tidy"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("ExtraArgs:"):
                inside = True
            elif inside and re.match(r"^\s+- ", line):
                args.append(line.split("- ", 1)[1].strip().strip("'\""))
            elif inside and not line.lstrip().startswith("#") and line.strip():
                inside = False
    return args


def dependency_scan(entry: dict, extra: list[str]) -> list[str] | None:
    """The files the translation unit includes (from `clang++ -M`), or None if that fails."""
    argv = shlex.split(entry["command"])
    scan, skip = [CLANG], False
    for arg in argv[1:]:
        if skip:
            skip = False
        elif arg == "-o":
            skip = True
        elif arg != "-c" and arg != entry["file"]:
            scan.append(arg)
    scan += extra + ["-M", "-MT", "x", entry["file"]]
    try:
        done = subprocess.run(scan, cwd=entry["directory"], capture_output=True, text=True,
                              timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.replace("\\\n", " ").split(":", 1)[1].split()


def cache_key(entry: dict, extra: list[str], salt: str, root: str) -> str | None:
    deps = dependency_scan(entry, extra)
    if deps is None:
        return None
    parts = [salt, entry["command"].replace(root, "."), entry["file"].replace(root, ".")]
    for dep in sorted(set(deps)):
        path = os.path.normpath(os.path.join(entry["directory"], dep))
        try:
            with open(path, "rb") as f:
                content = f.read()
        except OSError:
            return None
        parts.append(path.replace(root, ".") + "\0" + sha256(content))
    return sha256("\n".join(parts).encode())


def check(entry: dict, build_dir: str, extra: list[str], salt: str, root: str,
          cache: str) -> tuple[str, str, bool]:
    """(file, clang-tidy's output without chatter, clean?); ("", "", True) output when cached."""
    key = cache_key(entry, extra, salt, root)
    marker = os.path.join(cache, key) if key else None
    if marker and os.path.exists(marker):
        return entry["file"], "cached", True
    done = subprocess.run([TIDY, "-p", build_dir, "-quiet", entry["file"]], capture_output=True,
                          text=True, check=False)
    output = "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                       if not CHATTER.match(line))
    clean = done.returncode == 0 and not FINDING.search(output)
    if clean and marker:
        with open(marker, "w", encoding="utf-8"):
            pass
    return entry["file"], output, clean


def main() -> int:
    build_dir, files = sys.argv[1], sys.argv[2:]
    root = os.getcwd()
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        database = {e["file"]: e for e in json.load(f)}
    cache = os.environ.get("OPSAGENT_TIDY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "opsagent-tidy")
    os.makedirs(cache, exist_ok=True)
    version = subprocess.run([TIDY, "--version"], capture_output=True, check=True).stdout
    with open(os.path.join(root, ".clang-tidy"), "rb") as f:
        salt = sha256(version + f.read())
    extra = extra_args(root)
    jobs = int(os.environ.get("TIDY_JOBS") or os.cpu_count() or 1)

    findings, failed, cached = set(), [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(check, database[f], build_dir, extra, salt, root, cache)
                   for f in files]
        for future in concurrent.futures.as_completed(futures):
            path, output, clean = future.result()
            if output == "cached":
                cached += 1
                continue
            if output.strip():
                print(output, flush=True)
            if not clean:
                failed.append(path)
            # A finding in a header is reported once per file that includes it: count it once.
            findings.update(line for line in output.splitlines() if FINDING.match(line))
    print(f"clang-tidy: {len(files)} files ({cached} unchanged since found clean), "
          f"{len(findings)} findings")
    if failed and not findings:
        print("clang-tidy failed without a finding on: " + " ".join(sorted(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

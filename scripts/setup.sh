#!/usr/bin/env bash
# Installs everything coro-fix needs to build and test: Debian packages and the pinned npm
# sources of tree-sitter. Idempotent; safe to run before every build.
set -euo pipefail
cd "$(dirname "$0")/.."

# libclang-rt-16-dev: clang's ASan/UBSan runtimes, which the C++ fixtures link; clang-16 does not pull it in.
# libzstd-dev: LLVM's CMake package names zstd, which coro-fix links with LLVM's static libraries.
debian_packages=(cmake ninja-build g++ git python3 clang-16 llvm-16-dev libclang-16-dev libclang-cpp16-dev
                 libclang-rt-16-dev libzstd-dev libspdlog-dev googletest libgtest-dev valgrind
                 libasio-dev libasio-doc)  # asio's headers, and its C++20 coroutine examples for realworld.asio
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v rustc >/dev/null || { echo "setup: rustc is required (rustup) for the fixture tests" >&2; exit 1; }

# tree-sitter runtime and grammar: versions pinned by deps/package-lock.json, no install scripts.
stamp=deps/node_modules/.installed-from-lock
if ! cmp -s deps/package-lock.json "$stamp" 2>/dev/null; then
  echo "setup: fetching tree-sitter sources from npm"
  (cd deps && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp deps/package-lock.json "$stamp"
fi

#!/usr/bin/env bash
# Sets up, builds coro-fix and runs it on samples/: the findings, then the fixes as a diff
# (nothing is written; add --apply to a copy to rewrite it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" coro-fix
# The C++ sample's compile commands (CMake exports compile_commands.json); nothing is built.
cmake -S samples/telemetry-pipeline -B "$build/samples/telemetry-pipeline" -G Ninja >/dev/null
status=0
"$build/coro-fix" --diff -p "$build/samples/telemetry-pipeline" samples/ || status=$?
# 1 means "findings remain": expected on samples written in the before state.
[ "$status" -le 1 ]

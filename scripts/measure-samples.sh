#!/usr/bin/env bash
# Measures what `coro-fix --apply` buys on the sample cargo workspaces under samples/.
#
# For each sample: copies it to a temporary directory, builds it in release with panic=abort at
# opt-level 3 and "z", runs it, and records the bytes of the workspace crates' own code (nm symbols
# whose demangled name belongs to a workspace crate; std, core and alloc excluded, with the drop
# glue core generates for the crates' types counted on its own row) and the async state machines
# (-Zprint-type-sizes). Then runs `coro-fix --apply --format json` on the copy, rebuilds, fails
# loudly if the program prints anything different, and prints a before/after table and the
# findings per check.
#
# Usage: scripts/measure-samples.sh [SAMPLE_DIR...]     (default: every samples/*/ with a Cargo.toml)
#   CORO_FIX=path   the coro-fix binary (default: build/coro-fix)
#   KEEP=1          keep the work directory (copies, build logs, coro-fix JSON, the diff)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
coro_fix=${CORO_FIX:-$repo/build/coro-fix}
[[ $coro_fix == /* ]] || coro_fix=$PWD/$coro_fix

die() { echo "measure-samples: $*" >&2; exit 1; }
[ -x "$coro_fix" ] || die "no coro-fix binary at $coro_fix (build it, or set CORO_FIX)"
for tool in cargo nm python3; do command -v "$tool" >/dev/null || die "$tool is required"; done

samples=("$@")
if ((${#samples[@]} == 0)); then
  for manifest in "$repo"/samples/*/Cargo.toml; do samples+=("$(dirname "$manifest")"); done
fi
((${#samples[@]})) || die "no samples found under $repo/samples"

work=$(mktemp -d "${TMPDIR:-/tmp}/measure-samples.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then echo "measure-samples: work directory $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

# The parsing and the tables (shared with bench/savings.sh); bash below only runs the tools.
helper=$repo/scripts/measure_lib.py
# shellcheck source=measure-lib.sh
. "$repo/scripts/measure-lib.sh"

# build DIR TAG OPT: builds the workspace at DIR with opt-level OPT into $work/target-TAG-OPT and
# prints its executables, colon-separated.
build() {
  local dir=$1 tag=$2 opt=$3 log=$work/build-$2-$3.log
  if ! CARGO_TARGET_DIR=$work/target-$tag-$opt CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt CARGO_PROFILE_RELEASE_PANIC=abort \
      cargo build --release --offline --manifest-path "$dir/Cargo.toml" --message-format=json >"$log.json" 2>"$log"; then
    echo "measure-samples: $tag build (opt-level=$opt) of $dir FAILED:" >&2
    cat "$log" >&2
    return 1
  fi
  executables "$log.json"
}

# type_sizes DIR TAG: -Zprint-type-sizes of every lib and bin target of the workspace.
type_sizes() {
  local dir=$1 tag=$2 log=$work/type-sizes-$2.log package kind name target
  : >"$log"
  while read -r package kind name; do
    if [ "$kind" = lib ]; then target=(--lib); else target=(--bin "$name"); fi
    echo "### crate ${name//-/_}" >>"$log"
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$work/target-$tag-sizes CARGO_PROFILE_RELEASE_PANIC=abort \
      cargo rustc --release --offline --quiet --manifest-path "$dir/Cargo.toml" -p "$package" \
      "${target[@]}" -- -Zprint-type-sizes >>"$log" 2>>"$work/type-sizes-$tag.err" ||
      { cat "$work/type-sizes-$tag.err" >&2; return 1; }
  done < <(cargo metadata --offline --no-deps --format-version 1 --manifest-path "$dir/Cargo.toml" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        kind = "lib" if {"lib", "rlib"} & set(t["kind"]) else "bin" if "bin" in t["kind"] else None
        if kind: print(p["name"], kind, t["name"])')
  echo "$log"
}

# measure DIR TAG: builds, runs and measures; leaves $work/TAG.json and $work/output-TAG-{3,z}.txt.
measure() {
  local dir=$1 tag=$2 exes3 exesz sizes
  exes3=$(build "$dir" "$tag" 3) || return 1
  exesz=$(build "$dir" "$tag" z) || return 1
  [ -n "$exes3" ] || { echo "measure-samples: $dir builds no executable" >&2; return 1; }
  run_all "$exes3" >"$work/output-$tag-3.txt"
  run_all "$exesz" >"$work/output-$tag-z.txt"
  sizes=$(type_sizes "$dir" "$tag") || return 1
  python3 "$helper" measure "$dir/Cargo.toml" "$exes3" "$exesz" "$sizes" "$work/$tag.json"
}

# measure_sample DIR: the whole before/apply/after cycle for one sample; non-zero on any failure.
measure_sample() {
  local sample name rc diff_stat opt failed=0
  sample=$(cd "$1" && pwd)
  name=$(basename "$sample")
  echo "measure-samples: $name: building and measuring before/after (this takes a minute)" >&2
  mkdir "$work/$name" || return 1
  # cargo's own output directories stay out of the copies, so coro-fix scans sources only
  tar -C "$sample" --exclude=./target -cf - . | tar -C "$work/$name" -xf - || return 1
  cp -r "$work/$name" "$work/$name.before" || return 1

  measure "$work/$name.before" "$name-before" || return 1
  same_output "$work/output-$name-before-3.txt" "$work/output-$name-before-z.txt" \
    "$name prints differently at opt-level 3 and z before any fix" || return 1

  "$coro_fix" --apply --format json --color=never "$work/$name" >"$work/coro-fix-$name.json" \
    2>"$work/coro-fix-$name.err" && rc=0 || rc=$?
  if ((rc > 1)) || ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/coro-fix-$name.json" 2>/dev/null; then
    echo "measure-samples: FAIL: coro-fix --apply exited $rc on $name:" >&2
    cat "$work/coro-fix-$name.err" "$work/coro-fix-$name.json" >&2
    return 1
  fi
  diff -ru "$work/$name.before" "$work/$name" >"$work/$name.diff" || true
  diff_stat="$(grep -v '^+++ ' "$work/$name.diff" | grep -c '^+') lines added, $(grep -v '^--- ' "$work/$name.diff" | grep -c '^-') removed"

  if ! measure "$work/$name" "$name-after"; then
    echo "measure-samples: FAIL: $name does not build after coro-fix --apply; the fixes:" >&2
    cat "$work/$name.diff" >&2
    return 1
  fi
  for opt in 3 z; do
    same_output "$work/output-$name-before-$opt.txt" "$work/output-$name-after-$opt.txt" \
      "$name prints differently after coro-fix --apply (opt-level=$opt)" || failed=1
  done
  if ((failed)); then
    echo "measure-samples: the fixes:" >&2
    cat "$work/$name.diff" >&2
    return 1
  fi

  python3 "$helper" report "samples/$name" "$work/$name-before.json" "$work/$name-after.json" \
    "$work/coro-fix-$name.json" "$diff_stat"
  echo
  echo "Output identical before and after at opt-level 3 and z ($(wc -l <"$work/output-$name-before-3.txt") lines)."
}

status=0
for sample in "${samples[@]}"; do
  measure_sample "$sample" || status=1
done
exit $status

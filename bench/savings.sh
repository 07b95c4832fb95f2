#!/usr/bin/env bash
# Measures what `coro-fix --apply` buys on real applications: bench/savings/embassy-app (embassy
# executor on its std platform) and bench/savings/tokio-app (tokio, current-thread runtime).
#
# For each application, in bench/work/savings/APP/:
#   before/   a copy of the application, built against its dependencies from crates.io;
#   patched/  copies of its async dependencies' sources from the cargo registry (the packages
#             matching the app's PATCH pattern below), each rewritten by `coro-fix --apply` as its
#             own Cargo root (lib sources, src/ only);
#   after/    a copy of the application pointed at patched/ with [patch.crates-io], then rewritten
#             by `coro-fix --apply` (its dependency index then reads the patched copies);
#   deps-only/ the original application pointed at patched/ (what the dependencies' fixes buy alone).
# All three are built in release with panic=abort at opt-level 3 and "z" (default profile
# otherwise: 16 codegen units, no LTO), run (the outputs must be identical, or the script fails),
# and measured:
#   - code bytes (nm --size-sort -C, text and weak symbols): the app crate's own functions; the
#     patched dependencies' functions (generic ones included, wherever instantiated); all
#     non-std code: functions of any crate in the dependency graph, i.e. everything but std, core,
#     alloc and symbols without a crate path (libc, the start-up code); `core::ptr::drop_in_place`
#     for those crates' types is counted on its own row;
#   - .text of the whole binary (size -A);
#   - async state machines: the `{async fn body ..}` / `{async block ..}` types of the binary crate's
#     `RUSTC_BOOTSTRAP=1 cargo rustc --bin APP -- -Zprint-type-sizes` (dependencies' generic futures
#     are laid out there, with the app's tasks);
#   - MIR lines: `--emit=mir` added (by a rustc wrapper, in a separate build) to the app crate and
#     the patched crates; "async items" are the functions whose signature names an async fn body
#     or block (the constructors and the state machines' resume functions).
# Prints, per application, a before/after/delta table (with the delta of deps-only), the ten
# largest futures before and after, and coro-fix's findings and fixes per crate.
#
# Usage: bench/savings.sh [APP...]        (default: embassy-app tokio-app)
#   CORO_FIX=path      the coro-fix binary (default: build/coro-fix)
#   OFFLINE=1          never touch the network (the first run fetches the pinned dependencies)
#   CARGO_BUILD_JOBS   default 2
#   LTO=1              build as firmware usually is: lto = "fat", codegen-units = 1 (the opt-level
#                      builds only; type sizes and MIR do not depend on it)
# Build directories are kept in bench/work/savings/target/APP-{3,z,sizes,mir} between runs.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
coro_fix=${CORO_FIX:-$repo/build/coro-fix}
[[ $coro_fix == /* ]] || coro_fix=$PWD/$coro_fix
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
profile=(CARGO_PROFILE_RELEASE_PANIC=abort)
lto_suffix=
if [ "${LTO:-0}" = 1 ]; then
  profile+=(CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1)
  lto_suffix=-lto
fi

die() { echo "savings: $*" >&2; exit 1; }
[ -x "$coro_fix" ] || die "no coro-fix binary at $coro_fix (build it, or set CORO_FIX)"
for tool in cargo nm size python3; do command -v "$tool" >/dev/null || die "$tool is required"; done

helper=$repo/scripts/measure_lib.py
# shellcheck source=../scripts/measure-lib.sh
. "$repo/scripts/measure-lib.sh"

# The async dependencies that get patched copies, per application (cargo package names, a regex).
declare -A PATCH=(
  [embassy-app]='^(embassy-(executor|time|sync|futures)|embedded-io-async)$'
  [tokio-app]='^(tokio|tokio-util|futures-util)$'
)

apps=("$@")
((${#apps[@]})) || apps=(embassy-app tokio-app)
work=$repo/bench/work/savings
mkdir -p "$work/target"
offline=()
[ "${OFFLINE:-0}" = 1 ] && offline=(--offline)

# The rustc wrapper of the MIR build: adds --emit=mir for the crates named in $MIR_CRATES and
# copies the file to $MIR_OUT/CRATE.mir.
mir_wrapper=$work/mir-wrapper.sh
cat >"$mir_wrapper" <<'SH'
#!/bin/sh
rustc=$1; shift
name=; out=; extra=; prev=
for a in "$@"; do
  case $prev in
    --crate-name) name=$a ;;
    --out-dir) out=$a ;;
    -C) case $a in extra-filename=*) extra=${a#extra-filename=} ;; esac ;;
  esac
  prev=$a
done
case " $MIR_CRATES " in
  *" $name "*)
    "$rustc" "$@" --emit=mir || exit $?
    cp "$out/$name$extra.mir" "$MIR_OUT/$name.mir" ;;
  *) exec "$rustc" "$@" ;;
esac
SH
chmod +x "$mir_wrapper"

# forget TARGET_DIR PACKAGE..: removes the packages' fingerprints, so cargo rebuilds them. The
# copies of an app (before/, deps-only/, after/) are each their own workspace root at the same
# relative path, so cargo gives the app crate of two copies with the same dependencies the same
# unit hash, and would take the second for fresh after building the first.
forget() {
  local target=$1 package
  shift
  for package; do rm -rf "$target"/release/.fingerprint/"$package"-*; done
}

# build DIR APP OPT TAG: release build of DIR at opt-level OPT in the app's shared target directory;
# copies the executable to $W/APP-TAG-OPT and prints that path.
build() {
  local dir=$1 app=$2 opt=$3 tag=$4 log=$W/build-$4-$3.log exe
  forget "$work/target/$app-$opt$lto_suffix" "$app"
  if ! env "${profile[@]}" CARGO_TARGET_DIR=$work/target/$app-$opt$lto_suffix CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt \
      cargo build --release --offline --manifest-path "$dir/Cargo.toml" --message-format=json >"$log.json" 2>"$log"; then
    echo "savings: $app $tag build (opt-level=$opt) FAILED:" >&2
    grep -v '^ *Compiling\|^ *Finished' "$log" >&2
    return 1
  fi
  exe=$(executables "$log.json")
  [ -n "$exe" ] && [[ $exe != *:* ]] || { echo "savings: $app should build one executable, built '$exe'" >&2; return 1; }
  cp "$exe" "$W/$app-$tag-$opt"
  echo "$W/$app-$tag-$opt"
}

# type_sizes DIR APP TAG: -Zprint-type-sizes of the app's binary crate into $W/type-sizes-TAG.log.
type_sizes() {
  local dir=$1 app=$2 tag=$3 log=$W/type-sizes-$3.log
  forget "$work/target/$app-sizes" "$app"
  echo "### crate ${app//-/_}" >"$log"
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$work/target/$app-sizes CARGO_PROFILE_RELEASE_PANIC=abort \
    cargo rustc --release --offline --quiet --manifest-path "$dir/Cargo.toml" --bin "$app" \
    -- -Zprint-type-sizes >>"$log" 2>"$W/type-sizes-$tag.err" ||
    { cat "$W/type-sizes-$tag.err" >&2; return 1; }
}

# mir DIR APP TAG CRATES: MIR of the app crate and CRATES (crate names) into $W/mir-TAG/.
mir() {
  local dir=$1 app=$2 tag=$3 crates="${app//-/_} $4" target=$work/target/$2-mir crate
  rm -rf "$W/mir-$tag" && mkdir "$W/mir-$tag"
  # the wrapper only sees the crates cargo rebuilds: make it rebuild these
  for crate in $crates; do forget "$target" "${crate//_/-}"; done
  MIR_CRATES=$crates MIR_OUT=$W/mir-$tag RUSTC_WRAPPER=$mir_wrapper CARGO_TARGET_DIR=$target \
    CARGO_PROFILE_RELEASE_PANIC=abort cargo build --release --offline --quiet \
    --manifest-path "$dir/Cargo.toml" 2>"$W/mir-$tag.err" || { cat "$W/mir-$tag.err" >&2; return 1; }
}

# measure DIR APP TAG CRATES: builds, runs, measures; leaves $W/TAG.json and $W/output-TAG-{3,z}.txt.
measure() {
  local dir=$1 app=$2 tag=$3 crates=$4 exe3 exez
  echo "savings: $app: $tag: building at opt-level 3 and z, type sizes, MIR" >&2
  exe3=$(build "$dir" "$app" 3 "$tag") || return 1
  exez=$(build "$dir" "$app" z "$tag") || return 1
  timeout 120 "$exe3" >"$W/output-$tag-3.txt" 2>&1 || { echo "savings: $app $tag (opt-level=3) exited $?" >&2; return 1; }
  timeout 120 "$exez" >"$W/output-$tag-z.txt" 2>&1 || { echo "savings: $app $tag (opt-level=z) exited $?" >&2; return 1; }
  type_sizes "$dir" "$app" "$tag" || return 1
  mir "$dir" "$app" "$tag" "$crates" || return 1
  python3 "$helper" savings-measure "$dir/Cargo.toml" "${crates// /,}" "$exe3" "$exez" \
    "$W/type-sizes-$tag.log" "$W/mir-$tag" "$W/$tag.json"
}

# apply_coro_fix NAME ROOT INPUT: `coro-fix --apply` on INPUT (in the Cargo root ROOT); the JSON in
# $W/coro-fix-NAME.json, the diff against the untouched copy in $W/NAME.diff.
apply_coro_fix() {
  local name=$1 root=$2 input=$3 rc
  cp -r "$root" "$W/pristine-$name"
  (cd "$root" && "$coro_fix" --apply --offline --format json --color=never "$input") \
    >"$W/coro-fix-$name.json" 2>"$W/coro-fix-$name.err" && rc=0 || rc=$?
  if ((rc > 1)) || ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$W/coro-fix-$name.json" 2>/dev/null; then
    echo "savings: FAIL: coro-fix --apply exited $rc on $name:" >&2
    cat "$W/coro-fix-$name.err" >&2
    return 1
  fi
  diff -ru -x Cargo.lock -x target "$W/pristine-$name" "$root" >"$W/$name.diff" || true
  rm -rf "$W/pristine-$name"
}

measure_app() {
  local app=$1 src=$repo/bench/savings/$1 pkgs crates="" runs=() name version dir opt failed=0
  [ -f "$src/Cargo.toml" ] || { echo "savings: no application at $src" >&2; return 1; }
  W=$work/$app
  rm -rf "$W" && mkdir -p "$W"
  mkdir "$W/before"
  tar -C "$src" --exclude=./target -cf - . | tar -C "$W/before" -xf -
  find "$W/before" -type f -exec touch {} + # new mtimes: cargo rebuilds the copy (tar kept the old ones)
  cargo fetch --locked "${offline[@]}" --manifest-path "$W/before/Cargo.toml" >&2 ||
    { echo "savings: cargo fetch failed for $app (set OFFLINE=0 for the first run)" >&2; return 1; }
  cp -r "$W/before" "$W/after"

  # the packages to patch: name, version, source directory
  pkgs=$(cargo metadata --offline --format-version 1 --manifest-path "$W/before/Cargo.toml" | python3 -c '
import json, os, re, sys
meta, pattern = json.load(sys.stdin), re.compile(sys.argv[1])
for p in sorted(meta["packages"], key=lambda p: p["name"]):
    if p["source"] and pattern.match(p["name"]):
        print(p["name"], p["version"], os.path.dirname(p["manifest_path"]))' "${PATCH[$app]:-^$}")
  echo "[patch.crates-io]" >>"$W/after/Cargo.toml"
  mkdir "$W/patched"
  while read -r name version dir; do
    [ -n "$name" ] || continue
    cp -r "$dir" "$W/patched/$name-$version"
    # each copy is its own workspace root (bench/bench.sh makes bench/work/ one, which cargo would
    # otherwise take the copies to belong to)
    grep -q '^\[workspace\]' "$W/patched/$name-$version/Cargo.toml" ||
      printf '\n[workspace]\n' >>"$W/patched/$name-$version/Cargo.toml"
    echo "$name = { path = \"../patched/$name-$version\" }" >>"$W/after/Cargo.toml"
    crates+=" ${name//-/_}"
  done <<<"$pkgs"
  crates=${crates# }
  # deps-only/: the original application against the patched dependencies (what their fixes buy alone)
  cp -r "$W/after" "$W/deps-only"

  # coro-fix on each patched dependency (its lib sources, the crate its own Cargo root), then the app
  while read -r name version dir; do
    [ -n "$name" ] || continue
    echo "savings: $app: coro-fix --apply on $name-$version" >&2
    apply_coro_fix "$name" "$W/patched/$name-$version" src || return 1
    runs+=("$name=$W/coro-fix-$name.json=$W/$name.diff")
  done <<<"$pkgs"
  echo "savings: $app: coro-fix --apply on the application" >&2
  apply_coro_fix "$app" "$W/after" . || return 1
  runs+=("$app=$W/coro-fix-$app.json=$W/$app.diff")

  measure "$W/before" "$app" before "$crates" || return 1
  same_output "$W/output-before-3.txt" "$W/output-before-z.txt" "$app prints differently at opt-level 3 and z before any fix" || return 1
  for tag in deps-only after; do
    if ! measure "$W/$tag" "$app" "$tag" "$crates"; then
      echo "savings: FAIL: $app ($tag) does not build or run after coro-fix --apply; the diffs are in $W/*.diff" >&2
      return 1
    fi
    for opt in 3 z; do
      same_output "$W/output-before-$opt.txt" "$W/output-$tag-$opt.txt" \
        "$app ($tag) prints differently after coro-fix --apply (opt-level=$opt); the diffs are in $W/*.diff" || failed=1
    done
  done
  ((failed == 0)) || return 1
  python3 "$helper" savings-report "bench/savings/$app" "$W/before.json" "$W/deps-only.json" "$W/after.json" \
    "$(wc -l <"$W/output-before-3.txt")" "${runs[@]}"
}

echo "Measured on $(date -u +%Y-%m-%d) with $(rustc --version); coro-fix at $coro_fix; release profile," \
  "panic=abort$([ -n "$lto_suffix" ] && echo ', lto="fat", codegen-units=1' || echo ', 16 codegen units, no LTO')."
status=0
for app in "${apps[@]}"; do
  measure_app "$app" || status=1
done
exit $status

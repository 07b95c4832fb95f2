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

# The parsing and the table; bash below only runs the tools.
helper=$work/helper.py
cat >"$helper" <<'PY'
import json, re, subprocess, sys

def crate_names(manifest):
    meta = json.loads(subprocess.run(["cargo", "metadata", "--offline", "--no-deps", "--format-version", "1",
                                      "--manifest-path", manifest], check=True, capture_output=True, text=True).stdout)
    names = set()
    for package in meta["packages"]:
        for target in package["targets"]:
            if {"lib", "rlib", "bin"} & set(target["kind"]):
                names.add(target["name"].replace("-", "_"))
    return sorted(names)

def owned_by(crates):
    """Whether a demangled name is a workspace crate's: its path starts with a crate, possibly
    inside `<..>` (trait impls for the crate's types, `<T as crate::Trait>` included)."""
    pattern = re.compile(r"^<*(?:[^<>]* as )?(%s)::" % "|".join(map(re.escape, crates)))
    return lambda name: bool(pattern.match(name))

def code_bytes(crates, binaries):
    """(bytes of the crates' own code, bytes of the drop glue core generates for their types)."""
    owned = owned_by(crates)
    glue = re.compile(r"^core::ptr::drop_in_place<(%s)::" % "|".join(map(re.escape, crates)))
    own_total = glue_total = 0
    for binary in binaries:
        out = subprocess.run(["nm", "--size-sort", "-C", "--defined-only", binary], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split(" ", 2)
            if len(parts) != 3 or parts[1] not in "tTwW":
                continue
            if owned(parts[2]):
                own_total += int(parts[0], 16)
            elif glue.match(parts[2]):
                glue_total += int(parts[0], 16)
    return own_total, glue_total

def text_bytes(binaries):
    total = 0
    for binary in binaries:
        out = subprocess.run(["size", "-A", binary], check=True, capture_output=True, text=True).stdout
        total += sum(int(line.split()[1]) for line in out.splitlines() if line.startswith(".text "))
    return total

TYPE = re.compile(r"^print-type-size type: `\{async (fn body of |block@)(.*)\}`: (\d+) bytes")
CRATE_MARK = re.compile(r"^### crate (\S+)$")
EXTERNAL = {"std", "core", "alloc"}  # samples have no dependencies

def futures(crates, type_sizes_log):
    """The workspace's async state machines: {name: bytes}. rustc names the compiled crate's own
    items without the crate (`tasks::f`), so those are qualified with the crate that `### crate
    NAME` lines in the log say was being compiled; and one item laid out in two crates' builds may
    be named through different paths (`bus::I2cBus`, `hub_hal::I2cBus`), so names are merged on
    their form without module paths."""
    by_key, current = {}, None
    for line in open(type_sizes_log, errors="replace"):
        if m := CRATE_MARK.match(line):
            current = m.group(1)
            continue
        m = TYPE.match(line)
        if not m:
            continue
        form, path, size = m.group(1), m.group(2), int(m.group(3))
        if form == "block@":
            # named by its file; cargo passes workspace files as relative paths
            if path.startswith("/"):
                continue
        else:
            opening = len(path) - len(path.lstrip("<"))
            first = re.match(r"[A-Za-z_]\w*", path[opening:])  # none for `&mut T`, `(A, B)`, ...
            first = first.group() if first else ""
            if first in EXTERNAL:
                continue
            if first and first not in crates and first != "dyn":
                path = path[:opening] + f"{current}::" + path[opening:]
        name = "{async " + form + path + "}"
        key = re.sub(r"\b[a-z_][a-z0-9_]*::", "", name)
        seen_name, seen_size = by_key.get(key, (name, 0))
        by_key[key] = (max(seen_name, name, key=len), max(seen_size, size))
    return dict(by_key.values())

def measure(manifest, binaries3, binariesz, sizes_log, out):
    crates = crate_names(manifest)
    b3, bz = binaries3.split(":"), binariesz.split(":")
    (code3, glue3), (codez, gluez) = code_bytes(crates, b3), code_bytes(crates, bz)
    result = {"crates": crates, "code3": code3, "codez": codez, "glue3": glue3, "gluez": gluez,
              "text3": text_bytes(b3), "textz": text_bytes(bz), "futures": futures(crates, sizes_log)}
    json.dump(result, open(out, "w"))

def findings(coro_fix_json):
    doc = json.load(open(coro_fix_json))
    per_check = {}
    for finding in doc["findings"]:
        row = per_check.setdefault(finding["check"], {})
        row[finding["outcome"]] = row.get(finding["outcome"], 0) + 1
    passes = max((f.get("passes", 1) for f in doc["files"]), default=0)
    return per_check, doc["summary"], passes

def delta(before, after):
    if before == 0:
        return f"{after - before:+d}"
    return f"{after - before:+d} ({100.0 * (after - before) / before:+.1f}%)"

def report(sample, before_json, after_json, coro_fix_json, diff_stat):
    before, after = json.load(open(before_json)), json.load(open(after_json))
    fb, fa = before["futures"], after["futures"]
    rows = [
        ("crate-code bytes, opt-level=3", before["code3"], after["code3"]),
        ('crate-code bytes, opt-level="z"', before["codez"], after["codez"]),
        ("drop glue of crate types, opt-level=3", before["glue3"], after["glue3"]),
        ('drop glue of crate types, opt-level="z"', before["gluez"], after["gluez"]),
        (".text bytes (whole binary), opt-level=3", before["text3"], after["text3"]),
        ('.text bytes (whole binary), opt-level="z"', before["textz"], after["textz"]),
        ("async state machines (types)", len(fb), len(fa)),
        ("largest future (bytes)", max(fb.values(), default=0), max(fa.values(), default=0)),
        ("sum of future sizes (bytes)", sum(fb.values()), sum(fa.values())),
    ]
    print(f"\n## {sample}  (crates: {', '.join(before['crates'])}; panic=abort)\n")
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | {'before':>8} | {'after':>8} | {'delta':>17} |")
    print(f"|{'-' * (width + 2)}|{'-' * 9}:|{'-' * 9}:|{'-' * 18}:|")
    for label, b, a in rows:
        print(f"| {label:<{width}} | {b:>8} | {a:>8} | {delta(b, a):>17} |")

    print("\nLargest futures (bytes):")
    top_b = sorted(fb.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    top_a = sorted(fa.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    for label, top in (("before", top_b), ("after", top_a)):
        for name, size in top:
            print(f"  {label:<6} {size:>6}  {name}")

    per_check, summary, passes = findings(coro_fix_json)
    outcomes = sorted({o for row in per_check.values() for o in row} - {"applied"})
    print(f"\ncoro-fix --apply: {summary['findings']} findings, {summary['fixesApplied']} fixes applied "
          f"in {passes} pass(es), {summary['filesChanged']} of {summary['filesScanned']} files changed; {diff_stat}\n")
    header = ["check", "findings", "applied"] + outcomes
    table = [[c, str(sum(r.values())), str(r.get("applied", 0))] + [str(r.get(o, 0)) for o in outcomes]
             for c, r in sorted(per_check.items())]
    total = ["total"] + [str(sum(int(row[i]) for row in table)) for i in range(1, len(header))]
    widths = [max(len(x) for x in col) for col in zip(header, *table, total)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                           for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
    for row in table + [total]:
        print(line(row))

if __name__ == "__main__":
    {"measure": measure, "report": report}[sys.argv[1]](*sys.argv[2:])
PY

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
  python3 -c '
import json, sys
exes = [m["executable"] for m in map(json.loads, open(sys.argv[1])) if m.get("reason") == "compiler-artifact" and m.get("executable")]
print(":".join(sorted(exes)))' "$log.json"
}

# run_all EXES: runs each executable, output prefixed by its name.
run_all() {
  local exe
  IFS=: read -ra exes <<<"$1"
  for exe in "${exes[@]}"; do
    echo "== $(basename "$exe")"
    "$exe" 2>&1 && rc=0 || rc=$?
    echo "== exit $rc"
  done
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

# same_output A B WHAT: fails loudly, with the diff, when two runs printed differently.
same_output() {
  if ! cmp -s "$1" "$2"; then
    echo "measure-samples: FAIL: $3" >&2
    diff -u "$1" "$2" >&2 || true
    return 1
  fi
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

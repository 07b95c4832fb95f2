#!/usr/bin/env bash
# Measures what `coro-fix --apply` buys on the C++20 coroutine samples under samples/.
#
# For each sample (a CMake project building one program): copies it to a temporary directory,
# configures the copy to get its compile_commands.json, runs `coro-fix --apply -p` on the copy, and
# builds both states with clang++-16 and g++-12 at -O2 and -Os. For each build it records:
#   - the bytes of the program's own functions: nm's defined text symbols (t, T, w, W) whose mangled
#     name lies in a namespace the sample's sources declare, or in main(). That keeps what the
#     sample's source compiles to, its coroutines' split parts (clang's .resume/.destroy/.cleanup,
#     g++'s .actor/.destroy) and its instances of its own templates included, and leaves out what
#     does not change with the source: std:: and __gnu_cxx:: template instances (also those
#     instantiated for the sample's types: their code is the library's), the C runtime's
#     _start/_init/frame_dummy and other reserved `_`/`__` names, and the replaced operator new;
#   - heap allocations per operation, which the program reports itself (see the contract below);
#   - instructions per operation from `valgrind --tool=callgrind`: the difference between a run of
#     OPS operations and one of OPS/10, divided by the difference in operations, so that start-up
#     and exit (the dynamic loader, stdio) drop out.
# It fails loudly when any build prints differently from the before build of clang++-16 -O2, and
# also builds both states with -fsanitize=address,undefined (stack-use-after-return detection on)
# and requires the same output and no report: a fix that dangles shows there.
#
# The program's contract: `PROGRAM OPS --stats` runs OPS top-level operations, prints its result
# on stdout, and on stderr `operations N` and `heap allocations A` (the allocations made inside
# those operations), each on its own line.
#
# Usage: scripts/measure-cpp-sample.sh [SAMPLE_DIR...]  (default: every samples/*/ with a CMakeLists.txt)
#   CORO_FIX=path   the coro-fix binary (default: build/coro-fix)
#   OPS=n           operations for the measured runs (default 20000)
#   UNSAFE=1        apply the fixes that need --unsafe-fixes too
#   KEEP=1          keep the work directory (copies, build logs, outputs, coro-fix JSON, the diff)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=measure-lib.sh
. "$repo/scripts/measure-lib.sh"  # same_output; measure_lib.py has the findings table
export MEASURE_LIB_DIR=$repo/scripts
coro_fix=${CORO_FIX:-$repo/build/coro-fix}
[[ $coro_fix == /* ]] || coro_fix=$PWD/$coro_fix
ops=${OPS:-20000}
fix_mode=(--apply)
[ "${UNSAFE:-0}" = 1 ] && fix_mode+=(--unsafe-fixes)
compilers=(clang++-16 g++-12)
levels=(O2 Os)

die() { echo "measure-cpp-sample: $*" >&2; exit 1; }
[ -x "$coro_fix" ] || die "no coro-fix binary at $coro_fix (build it, or set CORO_FIX)"
for tool in cmake ninja nm valgrind python3 "${compilers[@]}"; do
  command -v "$tool" >/dev/null || die "$tool is required (scripts/setup.sh installs it)"
done
((ops >= 100)) || die "OPS must be at least 100"

samples=("$@")
if ((${#samples[@]} == 0)); then
  for lists in "$repo"/samples/*/CMakeLists.txt; do samples+=("$(dirname "$lists")"); done
fi
((${#samples[@]})) || die "no C++ samples (CMakeLists.txt) found under $repo/samples"

work=$(mktemp -d "${TMPDIR:-/tmp}/measure-cpp-sample.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then echo "measure-cpp-sample: work directory $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

# The parsing and the table; bash below only runs the tools.
helper=$work/helper.py
cat >"$helper" <<'PY'
import json, os, re, subprocess, sys
sys.path.insert(0, os.environ["MEASURE_LIB_DIR"])
from measure_lib import findings, findings_table

def namespaces(source_dir):
    """The namespaces the sample's sources open at the start of a line (`namespace a::b {` counts
    as a). A nested one found this way is harmless: a mangled name's outermost scope must match."""
    found = set()
    for root, _, files in os.walk(source_dir):
        for name in files:
            if name.endswith((".h", ".hh", ".hpp", ".cc", ".cpp", ".cxx", ".ipp")):
                text = open(os.path.join(root, name), errors="replace").read()
                found.update(re.findall(r"^namespace\s+([A-Za-z_]\w*)", text, re.M))
    return sorted(found)

def owned_by(spaces):
    """Whether a mangled name is the sample's: an entity, or a local entity of a function, in one
    of its namespaces (`_ZN9telemetry...`, `_ZNK9telemetry...` for const members, `_ZZN...` for
    local classes and lambdas), or main and its locals. A suffix like `.resume` or `.actor` is
    the compiler's split of a coroutine and belongs to the same function."""
    alternatives = "|".join(f"{len(s)}{re.escape(s)}" for s in spaces)
    pattern = re.compile(r"^(?:_ZZ?N[rVKRO]*(?:%s)|_ZZ4main|main$)" % alternatives)
    return lambda mangled: bool(pattern.match(mangled))

def own_functions(binary, spaces):
    """{mangled name: bytes} of the sample's own functions in the binary."""
    owned = owned_by(spaces)
    out = subprocess.run(["nm", "--size-sort", "--defined-only", binary], check=True,
                         capture_output=True, text=True).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW" and owned(parts[2]):
            sizes[parts[2]] = sizes.get(parts[2], 0) + int(parts[0], 16)
    return sizes

def instructions(callgrind_out):
    for line in open(callgrind_out):
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit(f"no instruction total in {callgrind_out}")

def stats(stderr_file):
    values = dict(re.findall(r"^(operations|heap allocations) (\d+)$", open(stderr_file).read(), re.M))
    if len(values) != 2:
        raise SystemExit(f"{stderr_file}: the program did not print `operations N` and `heap allocations A`")
    return int(values["operations"]), int(values["heap allocations"])

def measure(source_dir, binary, stats_stderr, small_out, large_out, small_ops, large_ops, out):
    """One build's figures, as JSON in `out`."""
    functions = own_functions(binary, namespaces(source_dir))
    operations, allocations = stats(stats_stderr)
    per_op = (instructions(large_out) - instructions(small_out)) / (int(large_ops) - int(small_ops))
    json.dump({"code": sum(functions.values()), "functions": functions, "allocations": allocations / operations,
               "instructions": per_op, "operations": operations}, open(out, "w"))

def change(before, after, digits=0):
    text = f"{before:.{digits}f} → {after:.{digits}f}"
    if before:
        text += f" ({100.0 * (after - before) / before:+.1f}%)"
    return text

def demangled(names):
    out = subprocess.run(["c++filt"], input="\n".join(names), check=True, capture_output=True, text=True).stdout
    return dict(zip(names, out.splitlines()))

def report(sample, work, builds, coro_fix_json, fix_mode, diff_stat):
    builds = [tuple(b.split(":")) for b in builds.split()]  # (compiler, level)
    figures = {(b, state): json.load(open(f"{work}/{b[0]}-{b[1]}-{state}.json"))
               for b in builds for state in ("before", "after")}
    ops = figures[(builds[0], "before")]["operations"]
    print(f"\n## {sample}  (per operation: averages over {ops} operations)\n")
    rows = [["build", "own code bytes", "heap allocations per op", "instructions per op"]]
    for b in builds:
        before, after = figures[(b, "before")], figures[(b, "after")]
        rows.append([f"{b[0]} -{b[1]}",
                     change(before["code"], after["code"]) + f", {len(before['functions'])} → {len(after['functions'])} functions",
                     change(before["allocations"], after["allocations"], 2),
                     change(before["instructions"], after["instructions"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                           for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    print(line(rows[0]))
    print("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
    for row in rows[1:]:
        print(line(row))

    # Where the bytes went, in the first build: the functions that disappeared or changed size most.
    before, after = figures[(builds[0], "before")]["functions"], figures[(builds[0], "after")]["functions"]
    changed = sorted((after.get(n, 0) - before.get(n, 0), n) for n in set(before) | set(after)
                     if after.get(n, 0) != before.get(n, 0))
    if changed:
        shown = changed[:8] + [c for c in changed[-3:] if c[0] > 0 and c not in changed[:8]]
        names = demangled([n for _, n in shown])
        print(f"\nLargest changes of own functions ({builds[0][0]} -{builds[0][1]}, bytes):")
        for delta, name in shown:
            print(f"  {delta:+6d}  {names[name]}")

    per_check, summary, _ = findings(coro_fix_json)
    print(f"\ncoro-fix {fix_mode}: {summary['findings']} findings, {summary['fixesApplied']} fixes applied, "
          f"{summary['filesChanged']} of {summary['filesScanned']} files changed; {diff_stat}\n")
    findings_table(per_check)

if __name__ == "__main__":
    {"measure": measure, "report": report}[sys.argv[1]](*sys.argv[2:])
PY

# build SOURCE BUILD_DIR CXX FLAGS: configures and builds the sample; prints its one executable.
build() {
  local source=$1 dir=$2 cxx=$3 flags=$4 log=$2.log program
  if ! { cmake -S "$source" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Measure \
           -DCMAKE_CXX_FLAGS_MEASURE="$flags" && ninja -C "$dir"; } >"$log" 2>&1; then
    echo "measure-cpp-sample: build of $source with $cxx $flags FAILED:" >&2
    cat "$log" >&2
    return 1
  fi
  program=$(find "$dir" -maxdepth 1 -type f -perm -u+x)
  if [ -z "$program" ] || [ "$(wc -l <<<"$program")" != 1 ]; then
    echo "measure-cpp-sample: $source must build exactly one program, found: ${program:-none}" >&2
    return 1
  fi
  echo "$program"
}

# Every function below works in one sample's directory DIR ($work/NAME): the copies DIR/before
# and DIR/after (which coro-fix fixes), and beside them the builds, outputs and figures.

# measure_build DIR STATE CXX LEVEL: builds one state with one compiler and level, checks its
# output against the reference, and leaves its figures in DIR/CXX-LEVEL-STATE.json.
measure_build() {
  local dir=$1 state=$2 cxx=$3 level=$4 tag=$3-$4-$2 program run small=$((ops / 10))
  program=$(build "$dir/$state" "$dir/build-$tag" "$cxx" "-$level -DNDEBUG") || return 1
  "$program" "$ops" --stats >"$dir/output-$tag.txt" 2>"$dir/stats-$tag.txt" ||
    { echo "measure-cpp-sample: FAIL: $tag exited $?" >&2; cat "$dir/stats-$tag.txt" >&2; return 1; }
  # the first build's output is the reference every other one must print
  [ -e "$dir/output-reference.txt" ] || cp "$dir/output-$tag.txt" "$dir/output-reference.txt"
  same_output "$dir/output-reference.txt" "$dir/output-$tag.txt" \
    "the $state build with $cxx -$level prints differently than before the fixes with ${compilers[0]} -${levels[0]}" ||
    return 1
  for run in "$small" "$ops"; do
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind-$tag-$run.out" "$program" "$run" \
      >/dev/null 2>"$dir/callgrind-$tag-$run.log" ||
      { echo "measure-cpp-sample: callgrind run of $tag failed:" >&2; cat "$dir/callgrind-$tag-$run.log" >&2; return 1; }
  done
  python3 "$helper" measure "$dir/$state" "$program" "$dir/stats-$tag.txt" "$dir/callgrind-$tag-$small.out" \
    "$dir/callgrind-$tag-$ops.out" "$small" "$ops" "$dir/$tag.json"
}

# sanitized DIR STATE CXX: builds the state with the sanitizers, runs it on OPS/10 operations and
# prints the file holding its output.
sanitized() {
  local dir=$1 state=$2 cxx=$3 tag=sanitized-$3-$2 program
  program=$(build "$dir/$state" "$dir/build-$tag" "$cxx" "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all") ||
    return 1
  ASAN_OPTIONS=detect_stack_use_after_return=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$program" $((ops / 10)) >"$dir/output-$tag.txt" 2>"$dir/sanitizer-$tag.txt" ||
    { echo "measure-cpp-sample: FAIL: the $state build fails under the sanitizers with $cxx:" >&2
      cat "$dir/sanitizer-$tag.txt" >&2; return 1; }
  echo "$dir/output-$tag.txt"
}

show_fixes() {
  echo "measure-cpp-sample: the fixes coro-fix applied:" >&2
  cat "$1/fixes.diff" >&2
}

# measure_sample SAMPLE: the whole before/apply/after cycle for one sample; non-zero on any failure.
measure_sample() {
  local sample name dir rc diff_stat cxx level builds=() output_before output_after
  sample=$(cd "$1" && pwd)
  name=$(basename "$sample")
  dir=$work/$name
  echo "measure-cpp-sample: $name: applying coro-fix, then 12 builds and 16 callgrind runs (a few minutes)" >&2
  mkdir -p "$dir/after" || return 1
  # build directories stay out of the copies, so coro-fix scans sources only
  tar -C "$sample" --exclude='./build*' -cf - . | tar -C "$dir/after" -xf - || return 1
  cp -r "$dir/after" "$dir/before" || return 1

  # The compile database of the copy that is fixed: configuring is enough.
  cmake -S "$dir/after" -B "$dir/compile-db" -G Ninja -DCMAKE_CXX_COMPILER="${compilers[0]}" \
    >"$dir/compile-db.log" 2>&1 || { cat "$dir/compile-db.log" >&2; return 1; }
  "$coro_fix" "${fix_mode[@]}" --format json --color=never -p "$dir/compile-db" "$dir/after" \
    >"$dir/coro-fix.json" 2>"$dir/coro-fix.err" && rc=0 || rc=$?
  if ((rc > 1)) || ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/coro-fix.json" 2>/dev/null; then
    echo "measure-cpp-sample: FAIL: coro-fix ${fix_mode[*]} exited $rc on $name:" >&2
    cat "$dir/coro-fix.err" "$dir/coro-fix.json" >&2
    return 1
  fi
  (cd "$dir" && diff -ru before after) >"$dir/fixes.diff" || true
  diff_stat="$(grep -v '^+++ ' "$dir/fixes.diff" | grep -c '^+') lines added, $(grep -v '^--- ' "$dir/fixes.diff" | grep -c '^-') removed"

  for cxx in "${compilers[@]}"; do
    output_before=$(sanitized "$dir" before "$cxx") || return 1
    output_after=$(sanitized "$dir" after "$cxx") || { show_fixes "$dir"; return 1; }
    same_output "$output_before" "$output_after" "$name prints differently after coro-fix --apply under the sanitizers ($cxx)" ||
      { show_fixes "$dir"; return 1; }
    for level in "${levels[@]}"; do
      measure_build "$dir" before "$cxx" "$level" || return 1
      measure_build "$dir" after "$cxx" "$level" || { show_fixes "$dir"; return 1; }
      builds+=("$cxx:$level")
    done
  done

  python3 "$helper" report "samples/$name" "$dir" "${builds[*]}" "$dir/coro-fix.json" "${fix_mode[*]}" "$diff_stat"
  echo
  echo "Output identical before and after in all ${#builds[@]} builds and under the sanitizers ($(wc -l <"$dir/output-reference.txt") lines)."
}

status=0
for sample in "${samples[@]}"; do
  measure_sample "$sample" || status=1
done
exit $status

# Shell helpers shared by scripts/measure-samples.sh and bench/savings.sh (sourced; the parsing is
# in scripts/measure_lib.py).

# run_all EXES: runs each executable (colon-separated), its output prefixed by its name.
run_all() {
  local exe rc
  IFS=: read -ra exes <<<"$1"
  for exe in "${exes[@]}"; do
    echo "== $(basename "$exe")"
    "$exe" 2>&1 && rc=0 || rc=$?
    echo "== exit $rc"
  done
}

# same_output A B WHAT: fails loudly, with the diff, when two runs printed differently.
same_output() {
  if ! cmp -s "$1" "$2"; then
    echo "${0##*/}: FAIL: $3" >&2
    diff -u "$1" "$2" >&2 || true
    return 1
  fi
}

# executables BUILD_JSON: the executables a `cargo build --message-format=json` built, colon-separated.
executables() {
  python3 -c '
import json, sys
exes = [m["executable"] for m in map(json.loads, open(sys.argv[1])) if m.get("reason") == "compiler-artifact" and m.get("executable")]
print(":".join(sorted(exes)))' "$1"
}

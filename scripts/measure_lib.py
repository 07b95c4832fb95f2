"""Parsing and tables for scripts/measure-samples.sh and bench/savings.sh: crate-code bytes from
`nm`, `.text` from `size`, async state machines from `-Zprint-type-sizes`, MIR lines, coro-fix's
JSON findings. The scripts only run the tools; `python3 measure_lib.py SUBCOMMAND ARGS..`."""
import glob, json, os, re, subprocess, sys

def crate_names(manifest, deps=False):
    """The lib and bin crate names of the workspace at `manifest` (with `deps`, of every package
    in its dependency graph too)."""
    meta = json.loads(subprocess.run(["cargo", "metadata", "--offline", "--format-version", "1"]
                                     + ([] if deps else ["--no-deps"]) + ["--manifest-path", manifest],
                                     check=True, capture_output=True, text=True).stdout)
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

def futures(crates, type_sizes_log, dependency_blocks=False):
    """The workspace's async state machines: {name: bytes}. rustc names the compiled crate's own
    items without the crate (`tasks::f`), so those are qualified with the crate that `### crate
    NAME` lines in the log say was being compiled; and one item laid out in two crates' builds may
    be named through different paths (`bus::I2cBus`, `hub_hal::I2cBus`), so names are merged on
    their form without module paths. With `dependency_blocks`, async blocks in files outside the
    workspace are kept too, named from the package directory on (`tokio-1.54.1/src/..`)."""
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
                if not dependency_blocks:
                    continue
                package_dir = re.search(r"/([A-Za-z0-9_-]+-\d+\.\d+\.\d+[^/]*/.*)$", path)
                path = package_dir.group(1) if package_dir else path
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
    print(f"\ncoro-fix --apply: {summary['findings']} findings, {summary['fixesApplied']} fixes applied "
          f"in {passes} pass(es), {summary['filesChanged']} of {summary['filesScanned']} files changed; {diff_stat}\n")
    findings_table(per_check)

def findings_table(per_check):
    """Findings per check and outcome, with a total row (per_check as `findings` returns it)."""
    outcomes = sorted({o for row in per_check.values() for o in row} - {"applied"})
    header = ["check", "findings", "applied"] + outcomes
    rows = [[c, sum(r.values()), r.get("applied", 0)] + [r.get(o, 0) for o in outcomes]
            for c, r in sorted(per_check.items())]
    table(header, rows + [["total"] + [sum(row[i] for row in rows) for i in range(1, len(header))]])


# ---- bench/savings.sh: an application and patched copies of its async dependencies ----

ASYNC_ITEM = re.compile(r"\{async (fn body of |block@)")

def mir_lines(mir_file):
    """(all lines, lines of the items whose signature names an async fn body or async block: the
    `async fn`s' constructors and their state machines' resume functions)."""
    total = async_total = 0
    in_async = False
    for line in open(mir_file, errors="replace"):
        total += 1
        if line.startswith("fn ") or line.startswith("const ") or line.startswith("static "):
            in_async = bool(ASYNC_ITEM.search(line))
        if in_async:
            async_total += 1
        if line.startswith("}"):
            in_async = False
    return total, async_total

def savings_measure(manifest, patched, binary3, binaryz, sizes_log, mir_dir, out):
    """Measures one build of an application: `patched` is the comma-separated names of the
    dependencies coro-fix was run on (the same names before, when they come from the registry)."""
    app = crate_names(manifest)
    every = crate_names(manifest, deps=True)
    patched = sorted({p.replace("-", "_") for p in patched.split(",") if p})
    non_std = sorted(set(every) - EXTERNAL)
    result = {"app": app, "patched": patched}
    for opt, binary in (("3", binary3), ("z", binaryz)):
        result["app" + opt] = code_bytes(app, [binary])[0]
        result["patched" + opt] = code_bytes(patched, [binary])[0]
        result["nonstd" + opt], result["glue" + opt] = code_bytes(non_std, [binary])
        result["text" + opt] = text_bytes([binary])
    result["futures"] = futures(every, sizes_log, dependency_blocks=True)
    result["mir"] = {}
    for crate in app + patched:
        path = os.path.join(mir_dir, crate + ".mir")
        result["mir"][crate] = mir_lines(path) if os.path.exists(path) else None
    json.dump(result, open(out, "w"))

def table(header, rows, left=(0,)):
    """Prints a markdown table: the columns whose index is in `left` left-aligned, the others
    right-aligned."""
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) if i in left else c.rjust(w)
                                           for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) if i in left else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
    for row in rows:
        print(line(row))

def savings_report(app_name, before_json, deps_json, after_json, output_lines, *coro_fix_runs):
    """The before/after table of one application (with the delta of the build that only has the
    patched dependencies), its ten largest futures before and after, and coro-fix's findings per
    crate (`coro_fix_runs`: CRATE=JSON_FILE=DIFF_FILE)."""
    before, deps, after = json.load(open(before_json)), json.load(open(deps_json)), json.load(open(after_json))
    fb, fa = before["futures"], after["futures"]
    sum_mir = lambda r, crates, i: sum((r["mir"].get(c) or (0, 0))[i] for c in crates)
    app, patched = before["app"], before["patched"]
    measures = [
        ("app crate code bytes, opt-level=3", lambda r: r["app3"]),
        ('app crate code bytes, opt-level="z"', lambda r: r["appz"]),
        ("patched dependencies' code bytes, opt-level=3", lambda r: r["patched3"]),
        ('patched dependencies\' code bytes, opt-level="z"', lambda r: r["patchedz"]),
        ("all non-std code bytes, opt-level=3", lambda r: r["nonstd3"]),
        ('all non-std code bytes, opt-level="z"', lambda r: r["nonstdz"]),
        ("drop glue of non-std types, opt-level=3", lambda r: r["glue3"]),
        ('drop glue of non-std types, opt-level="z"', lambda r: r["gluez"]),
        (".text bytes (whole binary), opt-level=3", lambda r: r["text3"]),
        ('.text bytes (whole binary), opt-level="z"', lambda r: r["textz"]),
        ("async state machines in the binary (types)", lambda r: len(r["futures"])),
        ("largest future (bytes)", lambda r: max(r["futures"].values(), default=0)),
        ("sum of future sizes (bytes)", lambda r: sum(r["futures"].values())),
        ("MIR lines, app crate", lambda r: sum_mir(r, app, 0)),
        ("MIR lines of async items, app crate", lambda r: sum_mir(r, app, 1)),
        ("MIR lines, patched dependencies", lambda r: sum_mir(r, patched, 0)),
        ("MIR lines of async items, patched dependencies", lambda r: sum_mir(r, patched, 1)),
    ]
    print(f"\n## {app_name}  (patched: {', '.join(patched)}; panic=abort)\n")
    table(["measure", "before", "after", "delta", "deps only: delta"],
          [(label, f(before), f(after), delta(f(before), f(after)), delta(f(before), f(deps)))
           for label, f in measures])

    print("\nTen largest futures (bytes):")
    for label, fut in (("before", fb), ("after", fa)):
        for name, size in sorted(fut.items(), key=lambda kv: (-kv[1], kv[0]))[:10]:
            print(f"  {label:<6} {size:>6}  {name}")

    print(f"\ncoro-fix --apply per crate (each its own Cargo root; the program printed the same "
          f"{output_lines} lines before and after at both opt-levels):\n")
    checks = ["forward-await", "hoist-await", "redundant-async-block", "ready-future"]
    rows, totals = [], [0] * (4 + len(checks))
    for run in coro_fix_runs:
        crate, doc_path, diff_path = run.split("=", 2)
        doc = json.load(open(doc_path))
        summary = doc["summary"]
        applied = {c: 0 for c in checks}
        for finding in doc["findings"]:
            if finding["outcome"] == "applied":
                applied[finding["check"]] = applied.get(finding["check"], 0) + 1
        diff = open(diff_path, errors="replace").read().splitlines()
        changed = sum(1 for l in diff if l.startswith("+") and not l.startswith("+++")) + \
                  sum(1 for l in diff if l.startswith("-") and not l.startswith("---"))
        cells = [summary["findings"], summary["fixesApplied"], summary["filesChanged"], changed] + [applied[c] for c in checks]
        totals = [t + c for t, c in zip(totals, cells)]
        rows.append([crate] + cells)
    rows.append(["total"] + totals)
    table(["crate", "findings", "fixes applied", "files changed", "diff lines"] + [f"applied {c}" for c in checks], rows)

if __name__ == "__main__":
    {"measure": measure, "report": report, "savings-measure": savings_measure,
     "savings-report": savings_report}[sys.argv[1]](*sys.argv[2:])

#!/usr/bin/env python3
"""Runs the fixture cases of one check. Each case folder holds:
  input.rs     a complete std-only program (it may use the `rt` crate: tests/fixtures/rust/rt.rs)
  expected.rs  what `coro-fix --apply` makes of it (a copy of input.rs when nothing may change)
  wrong.rs     optional: the tempting rewrite by hand; it must fail to build or print differently,
               which proves the case guards a real hazard
  args         optional: extra coro-fix arguments, one per line (e.g. --unsafe-fixes)
  edition      optional: the crate's edition (default 2021), written to a Cargo.toml beside it
  package      optional: more [package] keys for that Cargo.toml (`rust-version = "1.70"`)
  diagnostics  optional: lines that must each appear in coro-fix's check output
  deps/NAME.rs optional: library crates the program depends on (a Cargo path dependency `NAME`,
               built with rustc and passed with --extern), for calls into another crate
For every case: the fix must produce expected.rs, a second --apply must change nothing, and the
program before and after must build with rustc and print the same stdout."""
import argparse, concurrent.futures, os, pathlib, shutil, subprocess, sys, tempfile

HERE = pathlib.Path(__file__).resolve().parent
RT = HERE / "fixtures" / "rust" / "rt.rs"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build_and_run(source, edition, rt_dir, work, name, externs=()):
    exe = work / name
    built = run(["rustc", "--edition", edition, "-A", "warnings", "--extern", f"rt={rt_dir / 'librt.rlib'}",
                 *externs, "-L", str(rt_dir), "-o", str(exe), str(source)])
    if built.returncode != 0:
        return None, built.stderr
    ran = run([str(exe)], timeout=60)
    return ran.stdout + f"[exit {ran.returncode}]", ran.stderr


def add_dependencies(case, edition, rt_dir, work, crate):
    """Lays out and builds the case's deps/*.rs as path dependencies of `crate`. Returns rustc's
    --extern arguments for them, and a failure message (None when they built)."""
    externs, manifest = [], ["", "[dependencies]"]
    for source in sorted(case.glob("deps/*.rs")):
        name = source.stem
        dep = work / "deps" / name
        (dep / "src").mkdir(parents=True)
        (dep / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "{edition}"\n')
        shutil.copy(source, dep / "src" / "lib.rs")
        rlib = work / "deps" / f"lib{name}.rlib"
        built = run(["rustc", "--edition", edition, "-A", "warnings", "--crate-type", "rlib", "--crate-name", name,
                     "--extern", f"rt={rt_dir / 'librt.rlib'}", "-L", str(rt_dir), "-o", str(rlib), str(source)])
        if built.returncode != 0:
            return [], f"deps/{source.name} does not build:\n{built.stderr}"
        externs += ["--extern", f"{name}={rlib}"]
        manifest.append(f'{name} = {{ path = "../deps/{name}" }}')
    with open(crate / "Cargo.toml", "a") as toml:
        toml.write("\n".join(manifest) + "\n")
    return externs, None


def check_case(case, coro_fix, rt_dir):
    """Returns a list of failure messages (empty when the case passes)."""
    failures = []
    edition = (case / "edition").read_text().strip() if (case / "edition").exists() else "2021"
    extra = (case / "args").read_text().split() if (case / "args").exists() else []
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        crate = work / "crate"
        (crate / "src").mkdir(parents=True)
        package = (case / "package").read_text() if (case / "package").exists() else ""
        (crate / "Cargo.toml").write_text(f'[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "{edition}"\n{package}')
        target = crate / "src" / "main.rs"
        shutil.copy(case / "input.rs", target)
        externs, failure = add_dependencies(case, edition, rt_dir, work, crate)
        if failure:
            return [failure]

        checked = run([coro_fix, "--color=never", *extra, str(crate)])
        if checked.returncode not in (0, 1):
            failures.append(f"check exited {checked.returncode}:\n{checked.stdout}{checked.stderr}")
        if (case / "diagnostics").exists():
            for line in (case / "diagnostics").read_text().splitlines():
                if line.strip() and line.strip() not in checked.stdout:
                    failures.append(f"diagnostic not reported: {line.strip()!r}\n--- output:\n{checked.stdout}")

        applied = run([coro_fix, "--apply", "--color=never", *extra, str(crate)])
        if applied.returncode not in (0, 1):
            failures.append(f"--apply exited {applied.returncode}:\n{applied.stdout}{applied.stderr}")
        result = target.read_text()
        expected = (case / "expected.rs").read_text()
        if result != expected:
            diff = run(["diff", "-u", str(case / "expected.rs"), str(target)]).stdout
            failures.append(f"output differs from expected.rs:\n{diff}")
        again = run([coro_fix, "--apply", "--color=never", *extra, str(crate)])
        if target.read_text() != result:
            failures.append("a second --apply changed the file again")

        before, before_err = build_and_run(case / "input.rs", edition, rt_dir, work, "before", externs)
        after, after_err = build_and_run(target, edition, rt_dir, work, "after", externs)
        if before is None:
            failures.append(f"input.rs does not build:\n{before_err}")
        if after is None:
            failures.append(f"the rewritten program does not build:\n{after_err}")
        if before is not None and after is not None and before != after:
            failures.append(f"output changed:\n--- before\n{before}--- after\n{after}")
        if (case / "wrong.rs").exists() and before is not None:
            wrong, _ = build_and_run(case / "wrong.rs", edition, rt_dir, work, "wrong", externs)
            if wrong == before:
                failures.append("wrong.rs builds and prints the same as input.rs: the case guards nothing")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coro-fix", required=True)
    parser.add_argument("check_dirs", nargs="+", type=pathlib.Path)
    args = parser.parse_args()
    cases = sorted(c for d in args.check_dirs for c in d.iterdir() if (c / "input.rs").exists())
    with tempfile.TemporaryDirectory() as rt_tmp:
        rt_dir = pathlib.Path(rt_tmp)
        built = run(["rustc", "--edition", "2021", "--crate-type", "rlib", "--crate-name", "rt", "-o",
                     str(rt_dir / "librt.rlib"), str(RT)])
        if built.returncode != 0:
            sys.exit(f"rt.rs does not build:\n{built.stderr}")
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(lambda c: (c, check_case(c, os.path.abspath(args.coro_fix), rt_dir)), cases))
    failed = 0
    for case, failures in results:
        status = "FAIL" if failures else "ok"
        print(f"{status:4} {case.parent.name}/{case.name}")
        for f in failures:
            print("     " + f.replace("\n", "\n     "))
        failed += bool(failures)
    print(f"{len(cases) - failed} passed, {failed} failed")
    sys.exit(1 if failed or not cases else 0)


if __name__ == "__main__":
    main()

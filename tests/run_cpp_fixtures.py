#!/usr/bin/env python3
"""Runs the C++ fixture cases of one check. Each case folder holds:
  input.cpp    a complete program (#include "task.h": tests/fixtures/cpp/task.h) printing to stdout
  expected.cpp what `coro-fix --apply` makes of it (a copy of input.cpp when nothing may change)
  wrong.cpp    optional: the tempting rewrite by hand; it must fail to compile, print differently, or
               fail under the sanitizers with clang++-16 or g++-12, which proves the case guards a
               real hazard
  args         optional: extra coro-fix arguments, one per line (e.g. --unsafe-fixes)
  diagnostics  optional: lines that must each appear in coro-fix's check output
  other files  (headers, .coro-fix.yaml) are copied beside input.cpp
coro-fix finds the program's compile command in a compile_commands.json (given with -p). For every
case: the fix must produce expected.cpp, a second --apply must change nothing, and the program before
and after must build with clang++-16 and g++-12 under -fsanitize=address,undefined, exit 0, print
the same stdout and report nothing."""
import argparse, concurrent.futures, json, os, pathlib, shutil, subprocess, sys, tempfile

HERE = pathlib.Path(__file__).resolve().parent
RUNTIME = HERE / "fixtures" / "cpp"
COMPILERS = ["clang++-16", "g++-12"]
FLAGS = ["-std=c++20", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", f"-I{RUNTIME}"]
SANITIZER_ENV = dict(os.environ, ASAN_OPTIONS="detect_stack_use_after_return=1:detect_leaks=1",
                     UBSAN_OPTIONS="print_stacktrace=1")
CASE_FILES = {"input.cpp", "expected.cpp", "wrong.cpp", "args", "diagnostics"}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def program_dir(case, work, name, main_source):
    """A folder holding `main_source` as main.cpp and the case's other files beside it."""
    folder = work / name
    folder.mkdir()
    for extra in case.iterdir():
        if extra.name not in CASE_FILES and extra.is_file():
            shutil.copy(extra, folder / extra.name)
    shutil.copy(main_source, folder / "main.cpp")
    return folder


def build_and_run(folder, compiler):
    """(stdout and exit status, None) when it built, ran cleanly and printed; else (None, what failed)."""
    exe = folder / f"prog-{compiler}"
    built = run([compiler, *FLAGS, f"-I{folder}", "-o", str(exe), str(folder / "main.cpp")])
    if built.returncode != 0:
        return None, f"does not compile with {compiler}:\n{built.stderr[-3000:]}"
    ran = run([str(exe)], timeout=60, env=SANITIZER_ENV)
    if "Sanitizer" in ran.stderr or "runtime error" in ran.stderr:
        return None, f"sanitizer report with {compiler}:\n{ran.stderr[-3000:]}"
    if ran.returncode != 0:
        return None, f"exits {ran.returncode} with {compiler}:\n{ran.stderr[-3000:]}"
    return ran.stdout, None


def write_database(project, build):
    build.mkdir()
    command = {"directory": str(project), "file": "main.cpp",
               "arguments": ["clang++-16", "-std=c++20", f"-I{RUNTIME}", "-c", "main.cpp", "-o", "main.o"]}
    (build / "compile_commands.json").write_text(json.dumps([command]))


def check_case(case, coro_fix):
    """Returns a list of failure messages (empty when the case passes)."""
    failures = []
    extra = (case / "args").read_text().split() if (case / "args").exists() else []
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        project = program_dir(case, work, "project", case / "input.cpp")
        target = project / "main.cpp"
        write_database(project, work / "build")
        coro = [coro_fix, "--color=never", "-p", str(work / "build"), *extra]

        checked = run([*coro, str(project)])
        if checked.returncode not in (0, 1):
            failures.append(f"check exited {checked.returncode}:\n{checked.stdout}{checked.stderr}")
        if (case / "diagnostics").exists():
            for line in (case / "diagnostics").read_text().splitlines():
                if line.strip() and line.strip() not in checked.stdout:
                    failures.append(f"diagnostic not reported: {line.strip()!r}\n--- output:\n{checked.stdout}")

        applied = run([*coro, "--apply", str(project)])
        if applied.returncode not in (0, 1):
            failures.append(f"--apply exited {applied.returncode}:\n{applied.stdout}{applied.stderr}")
        result = target.read_text()
        if result != (case / "expected.cpp").read_text():
            diff = run(["diff", "-u", str(case / "expected.cpp"), str(target)]).stdout
            failures.append(f"output differs from expected.cpp:\n{diff}\n--- coro-fix said:\n{applied.stdout}")
        run([*coro, "--apply", str(project)])
        if target.read_text() != result:
            failures.append("a second --apply changed the file again")

        before_dir = program_dir(case, work, "before", case / "input.cpp")
        outputs = {}
        for compiler in COMPILERS:
            before, problem = build_and_run(before_dir, compiler)
            outputs[compiler] = before
            if before is None:
                failures.append(f"input.cpp {problem}")
                continue
            after, problem = build_and_run(project, compiler)
            if after is None:
                failures.append(f"the rewritten program {problem}")
            elif after != before:
                failures.append(f"output changed with {compiler}:\n--- before\n{before}--- after\n{after}")
        if (case / "wrong.cpp").exists() and not failures:
            wrong_dir = program_dir(case, work, "wrong", case / "wrong.cpp")
            if all(build_and_run(wrong_dir, c)[0] == outputs[c] for c in COMPILERS):
                failures.append("wrong.cpp builds, runs cleanly and prints the same as input.cpp with both "
                                "compilers: the case guards nothing")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coro-fix", required=True)
    parser.add_argument("check_dirs", nargs="+", type=pathlib.Path)
    args = parser.parse_args()
    cases = sorted(c for d in args.check_dirs for c in d.iterdir() if (c / "input.cpp").exists())
    coro_fix = os.path.abspath(args.coro_fix)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda c: (c, check_case(c, coro_fix)), cases))
    failed = 0
    for case, failures in results:
        print(f"{'FAIL' if failures else 'ok':4} {case.parent.name}/{case.name}")
        for f in failures:
            print("     " + f.replace("\n", "\n     "))
        failed += bool(failures)
    print(f"{len(cases) - failed} passed, {failed} failed")
    sys.exit(1 if failed or not cases else 0)


if __name__ == "__main__":
    main()

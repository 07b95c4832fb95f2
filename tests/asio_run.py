#!/usr/bin/env python3
"""coro-fix on coroutine code nobody here wrote: Debian's standalone asio (libasio-dev) and the C++20
coroutine examples of its documentation (libasio-doc). The examples and a copy of asio's headers go
to a temporary folder, with one more file that includes asio's coroutine headers (awaitable, co_spawn,
the experimental coro, promise, channel, awaitable operators); `coro-fix --apply` runs on that folder
with `-- <flags>`. Every file that compiled before (with g++-12 or clang++-16) must still compile with
the same compiler, and nothing outside the folder (the installed asio headers) may change. Prints
what coro-fix found and rewrote; passes whether or not it found anything."""
import argparse, hashlib, pathlib, shutil, subprocess, sys, tempfile

EXAMPLES = pathlib.Path("/usr/share/doc/libasio-dev/examples")
INSTALLED = pathlib.Path("/usr/include")
COMPILERS = ["g++-12", "clang++-16"]
# asio 1.22 does not detect Clang 16's coroutines (it tests the pre-C++20 __cpp_coroutines macro).
DEFINES = ["-DASIO_HAS_CO_AWAIT=1", "-DASIO_HAS_STD_COROUTINE=1"]
COROUTINE_HEADERS = ["asio.hpp", "asio/experimental/awaitable_operators.hpp", "asio/experimental/as_tuple.hpp",
                     "asio/experimental/channel.hpp", "asio/experimental/co_spawn.hpp", "asio/experimental/coro.hpp",
                     "asio/experimental/promise.hpp", "asio/experimental/use_coro.hpp",
                     "asio/experimental/parallel_group.hpp"]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def tree_digest(paths):
    """Content hash of every file under `paths`."""
    digest = hashlib.sha256()
    for root in paths:
        for path in sorted(p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def compiles(compiler, flags, source):
    result = run([compiler, *flags, "-fsyntax-only", str(source)])
    return result.returncode == 0, result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coro-fix", required=True)
    args = parser.parse_args()
    examples = sorted(p for p in EXAMPLES.rglob("*.cpp") if "co_await" in p.read_text(errors="replace"))
    if not examples or not (INSTALLED / "asio.hpp").exists():
        sys.exit("asio's headers or C++20 coroutine examples are missing: install libasio-dev and libasio-doc "
                 "(scripts/setup.sh)")
    installed = [INSTALLED / "asio", INSTALLED / "asio.hpp"]
    installed_before = tree_digest(installed)

    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        sources = work / "examples"
        sources.mkdir()
        for example in examples:
            shutil.copy(example, sources / f"{example.parent.name}_{example.name}")
        (sources / "asio_coroutine_headers.cpp").write_text(
            "".join(f'#include "{h}"\n' for h in COROUTINE_HEADERS) + "int main() {}\n")
        headers = work / "asio-include"
        shutil.copytree(INSTALLED / "asio", headers / "asio")
        shutil.copy(INSTALLED / "asio.hpp", headers / "asio.hpp")
        flags = ["-std=c++20", *DEFINES, f"-I{headers}"]
        units = sorted(sources.glob("*.cpp"))
        originals = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}

        compiled_before = {(u, c) for u in units for c in COMPILERS if compiles(c, flags, u)[0]}
        for unit in units:
            ok = [c for c in COMPILERS if (unit, c) in compiled_before]
            print(f"{unit.name}: compiles before with {', '.join(ok) or 'neither compiler'}")
        if not compiled_before:
            sys.exit("no example compiles before the rewrite: the flags are wrong, the test proves nothing")

        applied = run([args.coro_fix, "--apply", "--color=never", str(work), "--", *flags], timeout=1800)
        print(applied.stdout + applied.stderr)
        failures = []
        if applied.returncode not in (0, 1):
            failures.append(f"coro-fix --apply exited {applied.returncode}")
        if "not analysed" in applied.stdout:
            failures.append("coro-fix could not parse a file that compiles (see `not analysed` above)")

        changed = sorted(p for p, data in originals.items() if p.read_bytes() != data)
        print(f"rewritten: {len(changed)} file(s)")
        for path in changed:
            print(run(["diff", "-u", "--label", f"a/{path.relative_to(work)}", "--label", f"b/{path.relative_to(work)}",
                       "-", str(path)], input=originals[path].decode(errors="replace")).stdout)
        if changed:
            for unit, compiler in sorted(compiled_before):
                ok, errors = compiles(compiler, flags, unit)
                if not ok:
                    failures.append(f"{unit.name} no longer compiles with {compiler} after the rewrite:\n{errors[-4000:]}")
    if tree_digest(installed) != installed_before:
        failures.append("the installed asio headers changed")
    for failure in failures:
        print("FAIL " + failure)
    print("realworld.asio: " + ("FAIL" if failures else "ok"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

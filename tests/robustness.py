#!/usr/bin/env python3
"""Bad and unusual input: every case must end with a clear message, no lost bytes, and a second
--apply that changes nothing. Prints one line per case and 'N passed, N failed'."""
import argparse, os, pathlib, subprocess, sys, tempfile

WRAPPER = "async fn inner(x: u32) -> u32 {\n    x\n}\n\nasync fn outer(x: u32) -> u32 {\n    inner(x).await\n}\n"
MAIN = "fn main() {\n    let _ = outer(1);\n}\n"


def crate(root, files, edition="2021"):
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text(f'[package]\nname = "t"\nversion = "0.1.0"\nedition = "{edition}"\n')
    for name, data in files.items():
        path = root / "src" / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return root / "src"


class Runner:
    def __init__(self, binary):
        self.binary = binary
        self.failures = []
        self.passed = 0
        self.failed = 0

    def cli(self, *args):
        return subprocess.run([self.binary, "--color=never", *map(str, args)], capture_output=True, timeout=600)

    def case(self, name, check):
        try:
            problems = check() or []
        except Exception as error:  # a crash or timeout is a failure of the case, not of the runner
            problems = [f"raised {error!r}"]
        print(f"{'FAIL' if problems else 'ok':4} {name}")
        for p in problems:
            print("     " + p)
        self.failures += problems
        self.passed += not problems
        self.failed += bool(problems)

    def parses(self, path):
        dumped = self.cli("--dump-syntax", path).stdout.decode()
        return "ERROR" not in dumped and "MISSING" not in dumped

    def apply_twice(self, target):
        """--apply, then again: returns (first result, problems)."""
        first = self.cli("--apply", target)
        problems = [] if first.returncode in (0, 1) else [f"--apply exited {first.returncode}: {first.stderr.decode()}"]
        snapshot = {p: p.read_bytes() for p in pathlib.Path(target).rglob("*.rs") if os.access(p, os.R_OK)}
        second = self.cli("--apply", target)
        changed = [str(p) for p, data in snapshot.items() if p.read_bytes() != data]
        if changed:
            problems.append(f"second --apply changed {changed}")
        if second.returncode not in (0, 1):
            problems.append(f"second --apply exited {second.returncode}")
        return first, problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--coro-fix", required=True)
    r = Runner(os.path.abspath(parser.parse_args().coro_fix))
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="coro-fix-robustness-"))

    def crlf():
        src = crate(tmp / "crlf", {"main.rs": (WRAPPER + MAIN).replace("\n", "\r\n")})
        _, problems = r.apply_twice(src.parent)
        data = (src / "main.rs").read_bytes()
        if b"async fn outer" in data: problems.append("the wrapper was not rewritten")
        if data.count(b"\n") != data.count(b"\r\n"): problems.append("a line lost its CRLF ending")
        if not r.parses(src / "main.rs"): problems.append("the result does not parse")
        return problems

    def bom():
        src = crate(tmp / "bom", {"main.rs": "\ufeff" + WRAPPER + MAIN})
        _, problems = r.apply_twice(src.parent)
        data = (src / "main.rs").read_bytes()
        if not data.startswith(b"\xef\xbb\xbf"): problems.append("the BOM was lost")
        if b"async fn outer" in data: problems.append("the wrapper was not rewritten")
        return problems

    def syntax_error():
        broken = "async fn broken(x: u32) -> u32 {\n    inner(x).await\n    let = ;\n}\n"
        src = crate(tmp / "syntax", {"main.rs": WRAPPER + broken + MAIN})
        _, problems = r.apply_twice(src.parent)
        data = (src / "main.rs").read_text()
        if broken not in data: problems.append("the item with the syntax error was edited")
        if "async fn outer" in data: problems.append("the wrapper away from the error was not rewritten")
        return problems

    def binary():
        payload = b"async fn f() {}\x00\x01\x02"
        src = crate(tmp / "binary", {"blob.rs": payload, "main.rs": "fn main() {}\n"})
        first, problems = r.apply_twice(src.parent)
        if (src / "blob.rs").read_bytes() != payload: problems.append("the binary file was modified")
        if b"skipped" not in first.stderr + first.stdout: problems.append("no skip message for the binary file")
        return problems

    def invalid_utf8():
        payload = b"async fn f() -> u8 { 1 } // \xff\xfe\n"
        src = crate(tmp / "latin1", {"main.rs": payload})
        first, problems = r.apply_twice(src.parent)
        if (src / "main.rs").read_bytes() != payload: problems.append("the file was modified")
        if b"UTF-8" not in first.stderr + first.stdout: problems.append("no message about invalid UTF-8")
        return problems

    def read_only():
        src = crate(tmp / "readonly", {"main.rs": WRAPPER + MAIN})
        target = src / "main.rs"
        before = target.read_bytes()
        os.chmod(target, 0o444)
        first = r.cli("--apply", src.parent)
        problems = []
        if target.read_bytes() != before: problems.append("a read-only file was rewritten")
        if b"read-only" not in first.stderr + first.stdout: problems.append("no message about the read-only file")
        if first.returncode != 2: problems.append(f"exit status {first.returncode}, expected 2")
        if oct(os.stat(target).st_mode & 0o777) != oct(0o444): problems.append("permissions changed")
        return problems

    def permissions_kept():
        src = crate(tmp / "perms", {"main.rs": WRAPPER + MAIN})
        os.chmod(src / "main.rs", 0o640)
        _, problems = r.apply_twice(src.parent)
        if os.stat(src / "main.rs").st_mode & 0o777 != 0o640: problems.append("permissions were not kept")
        leftovers = [p.name for p in src.iterdir() if p.name != "main.rs"]
        if leftovers: problems.append(f"temporary files left behind: {leftovers}")
        return problems

    def empty():
        src = crate(tmp / "empty", {"main.rs": ""})
        first, problems = r.apply_twice(src.parent)
        if first.returncode != 0: problems.append(f"exit status {first.returncode} on an empty file")
        if (src / "main.rs").read_bytes() != b"": problems.append("the empty file was modified")
        return problems

    def large():
        units = []
        i = 0
        while sum(map(len, units)) < 1_000_000:
            units.append(f"async fn leaf{i}(x: u32) -> u32 {{\n    x + {i}\n}}\n\n"
                         f"async fn wrap{i}(x: u32) -> u32 {{\n    leaf{i}(x).await\n}}\n\n")
            i += 1
        src = crate(tmp / "large", {"main.rs": "".join(units) + "fn main() {}\n"})
        _, problems = r.apply_twice(src.parent)
        data = (src / "main.rs").read_text()
        if "async fn wrap" in data: problems.append("some wrappers were not rewritten")
        if not r.parses(src / "main.rs"): problems.append("the result does not parse")
        return problems

    def deep_nesting():
        depth = 5000
        body = "(" * depth + "1" + ")" * depth
        blocks = "{ " * depth + "1" + " }" * depth
        src = crate(tmp / "deep", {"main.rs": f"async fn deep() -> u32 {{\n    {body}\n}}\n\n"
                                              f"async fn blocks() -> u32 {{\n    {blocks}\n}}\n\n" + WRAPPER + MAIN})
        _, problems = r.apply_twice(src.parent)
        if "async fn outer" in (src / "main.rs").read_text(): problems.append("the wrapper was not rewritten")
        return problems

    def missing_path():
        first = r.cli(tmp / "does-not-exist")
        return [] if b"no such file" in first.stderr + first.stdout else ["no message for a missing path"]

    for name, check in [("crlf line endings survive", crlf), ("utf-8 bom survives", bom),
                        ("syntax error: not edited near it", syntax_error), ("binary file skipped", binary),
                        ("invalid utf-8 skipped", invalid_utf8), ("read-only file not written", read_only),
                        ("permissions kept, no temp files", permissions_kept), ("empty file", empty),
                        ("1 MB generated file", large), ("nesting 5000 deep", deep_nesting),
                        ("missing path reported", missing_path)]:
        r.case(name, check)
    print(f"{r.passed} passed, {r.failed} failed")
    sys.exit(1 if r.failures else 0)


if __name__ == "__main__":
    main()

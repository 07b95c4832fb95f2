// --verify: reading compiler output, and the loop that takes back what the check rejects, run on a
// crate with a scripted check (which fails on chosen rewrites) and with the real `cargo check`.
#include "rewriter/verify.h"

#include <gtest/gtest.h>

#include "tests/unit/temp_tree.h"

using namespace corofix;

namespace {

TEST(CheckOutput, CargoJsonMessages) {
  std::string output =
      R"({"reason":"compiler-artifact","package_id":"x"})"
      "\n"
      R"({"reason":"compiler-message","manifest_path":"/p/Cargo.toml","message":{"level":"error","message":"mismatched types","code":{"code":"E0308"},)"
      R"("spans":[{"file_name":"src/lib.rs","line_start":3,"line_end":4,"is_primary":true,"expansion":null},)"
      R"({"file_name":"src/lib.rs","line_start":1,"line_end":1,"is_primary":false,"expansion":{"span":{"file_name":"src/m.rs","line_start":9,"line_end":9,"is_primary":false}}}],"children":[]}})"
      "\n"
      R"({"reason":"compiler-message","manifest_path":"/p/Cargo.toml","message":{"level":"warning","message":"unused","spans":[{"file_name":"src/lib.rs","line_start":7,"line_end":7,"is_primary":true}],"children":[]}})"
      "\n"
      R"({"reason":"compiler-message","manifest_path":"/p/Cargo.toml","message":{"level":"error","message":"aborting due to 1 previous error","spans":[],"children":[]}})"
      "\n";
  auto errors = parseCheckOutput(output, "/p");
  ASSERT_EQ(errors.size(), 1u);  // the warning is not an error; the located error drops the summary one
  EXPECT_EQ(errors[0].message, "error[E0308]: mismatched types");
  ASSERT_EQ(errors[0].primary.size(), 1u);
  EXPECT_EQ(errors[0].primary[0].file, "/p/src/lib.rs");
  EXPECT_EQ(errors[0].primary[0].firstLine, 3u);
  EXPECT_EQ(errors[0].primary[0].lastLine, 4u);
  ASSERT_EQ(errors[0].related.size(), 2u);  // the label's span, and the macro invocation it came from
  EXPECT_EQ(errors[0].related[1].file, "/p/src/m.rs");
}

TEST(CheckOutput, RustcAndGccText) {
  std::string output =
      "warning: unused variable\n --> src/a.rs:2:5\n"
      "error[E0597]: `x` does not live long enough\n  --> src/a.rs:10:9\n   |\n  ::: src/b.rs:4:1\n"
      "error: could not compile `p` (lib) due to 1 previous error\n"
      "src/t.cpp:12:3: error: no matching function\n"
      "src/t.h:4:6: note: candidate function\n"
      "In file included from src/u.cpp:1:\n"
      "/abs/u.h:2:1: fatal error: 'x.h' file not found\n";
  auto errors = parseCheckOutput(output, "/p");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].message, "error[E0597]: `x` does not live long enough");
  EXPECT_EQ(errors[0].primary[0].file, "/p/src/a.rs");
  EXPECT_EQ(errors[0].primary[0].firstLine, 10u);
  EXPECT_EQ(errors[1].message, "error: no matching function");
  EXPECT_EQ(errors[1].primary[0].file, "/p/src/t.cpp");
  ASSERT_EQ(errors[1].related.size(), 1u);
  EXPECT_EQ(errors[1].related[0].file, "/p/src/t.h");
  EXPECT_EQ(errors[2].primary[0].file, "/abs/u.h");
}

TEST(CheckOutput, AnErrorWithoutLocationIsKeptAlone) {
  auto errors = parseCheckOutput("error: linking with `cc` failed\n", "/p");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].primary.empty());
}

/// Two wrappers forward-await rewrites safely; CRLF line ends, so a restore must be byte-exact.
const char* kLib =
    "mod other;\r\n"
    "pub async fn inner(x: u32) -> u32 { x }\r\n"
    "pub async fn first(x: u32) -> u32 {\r\n    inner(x).await\r\n}\r\n"
    "pub async fn second(x: u32) -> u32 {\r\n    inner(x).await\r\n}\r\n";

/// Fails, rustc-style, when a line of src/lib.rs starts with one of the given prefixes: pointing at
/// that line (`here`), at src/other.rs, which no fix touches (`elsewhere`), or nowhere (`nowhere`).
const char* kScriptedCheck = R"(import sys
where, prefixes = sys.argv[1], sys.argv[2:]
lines = open("src/lib.rs", newline="").read().split("\r\n")
hits = [n + 1 for n, line in enumerate(lines) if any(line.startswith(p) for p in prefixes)]
if not hits:
    sys.exit(0)
print("error[E0277]: scripted failure")
if where == "here":
    print(" --> src/lib.rs:%d:1" % hits[0])
elif where == "elsewhere":
    print(" --> src/other.rs:1:1")
sys.exit(1)
)";

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.write("Cargo.toml", "[package]\nname = \"verified\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    tree.write("src/lib.rs", kLib);
    tree.write("src/other.rs", "pub fn unrelated() {}\n");
    tree.write("check.py", kScriptedCheck);
  }

  VerifiedRun verify(const std::string& command, unsigned maxChecks = 40) {
    RunOptions options;
    options.mode = RunMode::Apply;
    options.checks = "-*,forward-await";
    return runVerified({tree.path("src")}, options, VerifyOptions{command, maxChecks});
  }

  /// The outcome of the forward-await finding on `fn name`.
  static const ReportedFinding& finding(const VerifiedRun& run, const std::string& name) {
    for (const FileResult& file : run.result.files)
      for (const ReportedFinding& f : file.findings)
        if (f.finding.message.find("fn `" + name + "`") != std::string::npos ||
            f.finding.message.find("fn " + name + "`") != std::string::npos)
          return f;
    static ReportedFinding none;
    ADD_FAILURE() << "no finding on " << name;
    return none;
  }

  TempTree tree;
};

TEST_F(Verify, AFixTheErrorPointsAtIsTakenBackAndTheOthersKept) {
  auto run = verify("python3 check.py here 'pub fn first'");
  EXPECT_EQ(run.error, "");
  EXPECT_EQ(finding(run, "first").outcome, Outcome::RejectedByCompiler);
  EXPECT_EQ(finding(run, "first").compilerError,
            "`python3 check.py here 'pub fn first'` rejected it: " + tree.path("src/lib.rs") +
                ":3: error[E0277]: scripted failure");
  EXPECT_EQ(finding(run, "second").outcome, Outcome::Applied);
  std::string lib = tree.read("src/lib.rs");
  EXPECT_NE(lib.find("pub async fn first"), std::string::npos);
  EXPECT_EQ(lib.find("pub async fn second"), std::string::npos);
}

TEST_F(Verify, AnErrorNoFixIsNearIsFoundByBisecting) {
  auto run = verify("python3 check.py elsewhere 'pub fn second'");
  EXPECT_EQ(run.error, "");
  EXPECT_EQ(finding(run, "first").outcome, Outcome::Applied);
  EXPECT_EQ(finding(run, "second").outcome, Outcome::RejectedByCompiler);
  EXPECT_NE(finding(run, "second").compilerError.find("found by taking fixes back in turn"), std::string::npos);
  EXPECT_NE(tree.read("src/lib.rs").find("pub async fn second"), std::string::npos);
}

TEST_F(Verify, ATreeThatStillFailsGetsItsOriginalBytesBack) {
  auto run = verify("python3 check.py nowhere 'pub fn'", /*maxChecks=*/1);
  EXPECT_NE(run.error.find("every file was restored to its original bytes"), std::string::npos) << run.error;
  EXPECT_EQ(tree.read("src/lib.rs"), kLib);
  EXPECT_EQ(finding(run, "first").outcome, Outcome::RejectedByCompiler);
  EXPECT_EQ(finding(run, "second").outcome, Outcome::RejectedByCompiler);
  for (const FileResult& file : run.result.files) EXPECT_FALSE(file.changed()) << file.path;
}

TEST_F(Verify, ABuildBrokenBeforehandIsNotTouched) {
  auto run = verify("echo 'error: it never built'; exit 1");
  EXPECT_NE(run.error.find("fails before any fix is applied (error: it never built)"), std::string::npos) << run.error;
  EXPECT_EQ(tree.read("src/lib.rs"), kLib);
}

TEST_F(Verify, CargoCheckRejectsAnUnsafeFixThatLosesSend) {
  // ready-future's fix is unsafe when it cannot see whether the output is Send: `Value` is not, so
  // `Ready<Value>` is not either, and `needs_send(make())` stops compiling (an error in another fn).
  tree.write("src/lib.rs",
             "mod value;\npub use value::Value;\n\npub async fn make() -> Value {\n    Value::new()\n}\n\n"
             "fn needs_send<T: Send>(_: T) {}\n\npub fn caller() {\n    needs_send(make());\n}\n");
  tree.write("src/value.rs",
             "pub struct Value(std::rc::Rc<u8>);\nimpl Value {\n    pub fn new() -> Self {\n"
             "        Value(std::rc::Rc::new(1))\n    }\n}\n");
  RunOptions options;
  options.mode = RunMode::Apply;
  options.unsafeFixes = true;
  options.checks = "-*,ready-future";
  auto run = runVerified({tree.path("src")}, options, VerifyOptions{});
  EXPECT_EQ(run.error, "");
  EXPECT_EQ(finding(run, "make").outcome, Outcome::RejectedByCompiler);
  EXPECT_NE(finding(run, "make").compilerError.find("`cargo check` rejected it: "), std::string::npos);
  EXPECT_NE(tree.read("src/lib.rs").find("pub async fn make"), std::string::npos);
}

/// A coroutine that only forwards (forward-await rewrites it), compiled by its database entry.
class VerifyCpp : public ::testing::Test {
 protected:
  void SetUp() override {
    auto task = llvm::MemoryBuffer::getFile(CORO_FIX_CPP_FIXTURES "/task.h");
    ASSERT_TRUE(bool(task));
    tree.write("task.h", (*task)->getBuffer().str());
    tree.write("src/a.cpp",
               "#include \"task.h\"\nfx::task<int> twice(int a) { co_return a * 2; }\n"
               "fx::task<int> wrapper(int a) { co_return co_await twice(a); }\n"
               "int main() { int unused = 0; return fx::sync_wait(wrapper(1)) - 2; }\n");
  }
  VerifiedRun verify(const std::string& flags) {
    tree.write("compile_commands.json", "[{\"directory\": \"" + tree.root() +
                                            "\", \"file\": \"src/a.cpp\", \"command\": \"g++ -std=c++20 -I. " +
                                            flags + " -c src/a.cpp -o a.o\"}]");
    RunOptions options;
    options.mode = RunMode::Apply;
    options.checks = "-*,forward-await";
    return runVerified({tree.path("src")}, options, VerifyOptions{});
  }
  TempTree tree;
};

TEST_F(VerifyCpp, TheTranslationUnitIsRecompiledWithItsOwnCommand) {
  auto run = verify("");
  EXPECT_EQ(run.error, "");
  EXPECT_NE(tree.read("src/a.cpp").find("return twice(a);"), std::string::npos) << tree.read("src/a.cpp");
  EXPECT_FALSE(llvm::sys::fs::exists(tree.path("a.o")));  // checked for errors only
}

TEST_F(VerifyCpp, ItsWarningsAsErrorsCountThoughCoroFixIgnoresThem) {
  auto run = verify("-Werror=unused-variable");
  EXPECT_NE(run.error.find("the compile command of " + tree.path("src/a.cpp") + " fails before any fix is applied (" +
                           tree.path("src/a.cpp") + ":4: error: unused variable"),
            std::string::npos)
      << run.error;
  EXPECT_EQ(tree.read("src/a.cpp").find("return twice(a);"), std::string::npos);
}

}  // namespace

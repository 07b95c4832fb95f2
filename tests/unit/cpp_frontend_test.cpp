// The C++ frontend with a test rule: where compile commands come from (database, walking up, the
// `--` flags), GCC-only flags, offsets in files with CRLF and a BOM, findings in macro expansions,
// a header reached from two translation units, and files outside the given paths.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "rewriter/compile_commands.h"
#include "rewriter/cpp_frontend.h"
#include "rewriter/discovery.h"
#include "tests/unit/temp_tree.h"

using namespace corofix;

namespace {

/// Finds every function named `target_*` and renames it `renamed_*` (a safe fix on its name).
class RenameTargets : public CppRule {
 public:
  std::string_view id() const override { return "test-rename"; }
  std::string_view summary() const override { return "test rule"; }
  std::vector<CppFinding> check(const CppRuleInput& input) const override {
    struct Visitor : clang::RecursiveASTVisitor<Visitor> {
      const clang::SourceManager* sources;
      std::vector<CppFinding> found;
      bool VisitFunctionDecl(clang::FunctionDecl* fn) {
        std::string name = fn->getNameAsString();
        if (name.rfind("target_", 0) != 0) return true;
        auto range = clang::CharSourceRange::getTokenRange(fn->getLocation());
        clang::tooling::Replacements edits;
        llvm::cantFail(edits.add(clang::tooling::Replacement(*sources, range, "renamed_" + name.substr(7))));
        found.push_back({"test-rename", "function " + name, range, {}, CppFix::safe("rename it", edits)});
        return true;
      }
    } visitor;
    visitor.sources = &input.ast.getSourceManager();
    visitor.TraverseDecl(input.ast.getTranslationUnitDecl());
    return std::move(visitor.found);
  }
};

class CppFrontend : public ::testing::Test {
 protected:
  std::string write(const std::string& relative, const std::string& text) { return tree.write(relative, text); }
  std::string read(const std::string& relative) { return tree.read(relative); }
  /// A compile_commands.json in `dir` with one entry per file: `flags` then the file.
  void database(const std::string& dir, const std::vector<std::string>& files, const std::string& flags) {
    std::string json = "[";
    for (const auto& file : files)
      json += std::string(json.size() > 1 ? "," : "") + "{\"directory\": \"" + root + "\", \"file\": \"" + file +
              "\", \"command\": \"g++ " + flags + " -c " + file + " -o x.o\"}";
    write(dir + "/compile_commands.json", json + "]");
  }

  std::vector<FileResult> run(const std::vector<std::string>& paths, RunOptions options = {}) {
    ConfigResolver configs("", "");
    return processCppFiles(discoverSources(paths).files, configs, options, {&rule});
  }
  static const FileResult& named(const std::vector<FileResult>& results, std::string_view suffix) {
    for (const auto& r : results)
      if (llvm::StringRef(r.path).endswith(suffix)) return r;
    static FileResult none;
    ADD_FAILURE() << "no result for " << suffix;
    return none;
  }

  TempTree tree;
  const std::string& root = tree.root();
  RenameTargets rule;
};

const char* kTarget = "#ifndef FROM_COMMAND\n#error the compile command was not used\n#endif\nint target_one() { return 1; }\n";

TEST_F(CppFrontend, CommandFromTheDatabaseWithGccOnlyFlagsStripped) {
  write("src/a.cpp", kTarget);
  database("build", {"src/a.cpp"}, "-std=c++20 -fcoroutines -fconcepts-diagnostics-depth=3 -DFROM_COMMAND");
  RunOptions options;
  options.buildPath = root + "/build";
  auto results = run({root + "/src"}, options);
  const FileResult& a = named(results, "src/a.cpp");
  EXPECT_FALSE(a.skipped) << *a.skipped;
  ASSERT_EQ(a.findings.size(), 1u);
  EXPECT_EQ(a.findings[0].finding.message, "function target_one");
  EXPECT_EQ(a.findings[0].line, 4u);
  EXPECT_EQ(a.findings[0].column, 5u);
  EXPECT_EQ(a.findings[0].outcome, Outcome::Fixable);
}

TEST_F(CppFrontend, DatabaseFoundWalkingUpFromTheFile) {
  write("src/deep/a.cpp", kTarget);
  database(".", {"src/deep/a.cpp"}, "-std=c++20 -DFROM_COMMAND");
  auto results = run({root + "/src"});
  ASSERT_EQ(named(results, "a.cpp").findings.size(), 1u);
}

TEST_F(CppFrontend, FlagsAfterDashDashWhenThereIsNoCommand) {
  write("src/a.cpp", kTarget);
  auto without = run({root + "/src"});
  ASSERT_TRUE(named(without, "a.cpp").skipped);
  EXPECT_NE(named(without, "a.cpp").skipped->find("no compile_commands.json found"), std::string::npos);

  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-std=c++20", "-DFROM_COMMAND"};
  auto with = run({root + "/src"}, options);
  EXPECT_EQ(named(with, "a.cpp").findings.size(), 1u);
}

TEST_F(CppFrontend, UnitMissingFromTheDatabaseUsesTheFlagsOrIsSkipped) {
  write("src/a.cpp", kTarget);
  write("src/b.cpp", kTarget);
  database(".", {"src/a.cpp"}, "-std=c++20 -DFROM_COMMAND");
  auto results = run({root + "/src"});
  EXPECT_EQ(named(results, "a.cpp").findings.size(), 1u);
  ASSERT_TRUE(named(results, "b.cpp").skipped);
  EXPECT_NE(named(results, "b.cpp").skipped->find("not in " + root + "/compile_commands.json"), std::string::npos);

  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-DFROM_COMMAND"};
  auto withFlags = run({root + "/src"}, options);
  EXPECT_EQ(named(withFlags, "b.cpp").findings.size(), 1u);
}

TEST_F(CppFrontend, UnitThatDoesNotCompileIsNotAnalysed) {
  write("src/a.cpp", "int target_one() { return missing; }\n");
  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-std=c++20"};
  auto results = run({root + "/src"}, options);
  const FileResult& a = named(results, "a.cpp");
  ASSERT_TRUE(a.skipped);
  EXPECT_NE(a.skipped->find("a.cpp:1: use of undeclared identifier 'missing'"), std::string::npos) << *a.skipped;
  EXPECT_TRUE(a.findings.empty());
}

TEST(CompileCommandAdjustment, ParsesWithThisClangOnly) {
  auto args = adjustForParsing({"g++", "-std=c++20", "-fcoroutines", "-fconcepts-diagnostics-depth=3", "-Iinc",
                                "-c", "a.cpp", "-o", "a.o", "-MD", "-MF", "a.d"},
                               "a.cpp");
  auto has = [&](std::string_view arg) { return std::find(args.begin(), args.end(), arg) != args.end(); };
  EXPECT_EQ(args.front(), "g++");
  EXPECT_TRUE(has("-std=c++20") && has("-Iinc") && has("a.cpp") && has("-fsyntax-only"));
  EXPECT_TRUE(has("-resource-dir=" CORO_FIX_CLANG_RESOURCE_DIR));
  EXPECT_FALSE(has("-fcoroutines") || has("-fconcepts-diagnostics-depth=3"));
  EXPECT_FALSE(has("-o") || has("a.o") || has("-MF") || has("a.d"));
}

TEST_F(CppFrontend, OffsetsInAFileWithBomAndCrlf) {
  write("src/a.cpp", "\xEF\xBB\xBF// first\r\nint x = 1;\r\nint target_two() { return 2; }\r\n");
  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-std=c++20"};
  options.mode = RunMode::Apply;
  auto results = run({root + "/src"}, options);
  const FileResult& a = named(results, "a.cpp");
  ASSERT_EQ(a.findings.size(), 1u);
  EXPECT_EQ(a.findings[0].line, 3u);
  EXPECT_EQ(a.findings[0].column, 5u);
  EXPECT_EQ(a.findings[0].sourceLine, "int target_two() { return 2; }");
  EXPECT_EQ(a.findings[0].outcome, Outcome::Applied);
  EXPECT_EQ(read("src/a.cpp"), "\xEF\xBB\xBF// first\r\nint x = 1;\r\nint renamed_two() { return 2; }\r\n");
}

TEST_F(CppFrontend, FindingsInMacroExpansionsAreDropped) {
  write("src/a.cpp", "#define DEFINE(name) int name() { return 3; }\nDEFINE(target_macro)\nint target_plain() { return 4; }\n");
  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-std=c++20"};
  auto results = run({root + "/src"}, options);
  const FileResult& a = named(results, "a.cpp");
  ASSERT_EQ(a.findings.size(), 1u);
  EXPECT_EQ(a.findings[0].finding.message, "function target_plain");
}

TEST_F(CppFrontend, HeaderReachedFromTwoUnitsIsReportedAndEditedOnce) {
  write("src/shared.h", "#pragma once\ninline int target_shared() { return 5; }\n");
  write("src/a.cpp", "#include \"shared.h\"\nint a() { return target_shared(); }\n");
  write("src/b.cpp", "#include \"shared.h\"\nint b() { return target_shared(); }\n");
  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-std=c++20"};
  options.mode = RunMode::Apply;
  auto results = run({root + "/src"}, options);
  const FileResult& header = named(results, "shared.h");
  ASSERT_EQ(header.findings.size(), 1u);
  EXPECT_EQ(header.findings[0].outcome, Outcome::Applied);
  EXPECT_EQ(header.fixesApplied, 1u);
  EXPECT_EQ(read("src/shared.h"), "#pragma once\ninline int renamed_shared() { return 5; }\n");
  EXPECT_TRUE(named(results, "a.cpp").findings.empty());
}

TEST_F(CppFrontend, FilesOutsideTheGivenPathsAreNeitherReportedNorEdited) {
  const std::string header = "#pragma once\ninline int target_outside() { return 6; }\n";
  write("include/outside.h", header);
  write("src/a.cpp", "#include \"outside.h\"\nint target_inside() { return target_outside(); }\n");
  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-std=c++20", "-I" + root + "/include"};
  options.mode = RunMode::Apply;
  auto results = run({root + "/src"}, options);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].findings.size(), 1u);
  EXPECT_EQ(results[0].findings[0].finding.message, "function target_inside");
  EXPECT_EQ(read("include/outside.h"), header);
  EXPECT_EQ(read("src/a.cpp"), "#include \"outside.h\"\nint renamed_inside() { return target_outside(); }\n");
}

TEST_F(CppFrontend, SuppressionCommentsAndChecksOfTheEditedFile) {
  write("src/a.cpp", "#include \"quiet/h.h\"\nint target_kept() { return 7; } // NOLINT(test-rename)\n");
  write("src/quiet/h.h", "#pragma once\ninline int target_in_header() { return 8; }\n");
  write("src/quiet/.coro-fix.yaml", "Checks: '-*'\n");
  RunOptions options;
  options.compilerFlags = std::vector<std::string>{"-std=c++20"};
  auto results = run({root + "/src"}, options);
  EXPECT_TRUE(named(results, "a.cpp").findings.empty());
  EXPECT_TRUE(named(results, "h.h").findings.empty());
}

TEST_F(CppFrontend, CommandLineTakesFlagsAfterDashDash) {
  std::string file = write("src/a.cpp", "#ifndef FROM_COMMAND\n#error no flags\n#endif\nint f() { return 1; }\n");
  std::string command = std::string(CORO_FIX_BINARY) + " --color=never " + root + "/src -- -std=c++20 -DFROM_COMMAND";
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  ASSERT_TRUE(pipe);
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 0) << output;
  EXPECT_EQ(output.find("not analysed"), std::string::npos) << output;
}

}  // namespace

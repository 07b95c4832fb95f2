// Runs one C++ rule on a snippet, the way the C++ frontend will: the snippet is the main file of a
// C++20 translation unit that can include the fixtures' "task.h"; findings outside the main file
// are ignored, and the fixes that --apply would apply are applied to give `fixed`.
#pragma once
#include <string>
#include <vector>

#include "clang/Tooling/Tooling.h"
#include "rewriter/cpp_rule.h"

namespace corofix::testing {

struct CppRuleRun {
  std::vector<CppFinding> findings;
  std::string fixed;  // the snippet with every safe fix (and unsafe ones when asked) applied
  std::string errors; // compiler errors, if the snippet did not compile
};

inline CppRuleRun runCppRule(std::string_view check, const std::string& code, bool unsafeFixes = false,
                             const CheckOptions& options = {}) {
  CppRuleRun run;
  run.fixed = code;
  std::vector<std::string> args = {"-std=c++20", "-resource-dir=" CORO_FIX_CLANG_RESOURCE_DIR,
                                   "-I" CORO_FIX_CPP_FIXTURES, "-fsyntax-only"};
  auto ast = clang::tooling::buildASTFromCodeWithArgs(code, args, "input.cpp");
  if (!ast || ast->getDiagnostics().hasErrorOccurred()) {
    run.errors = "the snippet does not compile";
    return run;
  }
  const CppRule* rule = findCppRule(check);
  if (!rule) {
    run.errors = "no C++ rule " + std::string(check);
    return run;
  }
  const auto& sources = ast->getSourceManager();
  clang::tooling::Replacements applied;
  for (CppFinding& f : rule->check({ast->getASTContext(), options})) {
    if (!sources.isWrittenInMainFile(f.range.getBegin())) continue;
    bool apply = f.fix.applicability == Applicability::Safe ||
                 (unsafeFixes && f.fix.applicability == Applicability::Unsafe);
    if (apply)
      for (const auto& edit : f.fix.edits)  // offsets in the snippet as written, like the frontend's
        if (auto error = applied.add(edit)) run.errors = llvm::toString(std::move(error));
    run.findings.push_back(std::move(f));
  }
  if (auto fixed = clang::tooling::applyAllReplacements(code, applied)) run.fixed = *fixed;
  else run.errors = llvm::toString(fixed.takeError());
  return run;
}

}  // namespace corofix::testing

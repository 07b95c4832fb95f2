// What a run found and did, per file: the input of every output format.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rewriter/rule.h"
#include "rewriter/source.h"

namespace corofix {

/// What happened to a finding's fix in this run.
enum class Outcome {
  Applied,           // written (or, with --diff, shown) by this run
  Fixable,           // check mode: --apply would apply it
  NeedsUnsafeFixes,  // an unsafe fix; --unsafe-fixes would apply it
  NoFix,             // diagnostic only; Fix::reason says why
  Conflict,          // overlapped another fix in the last pass
  Reverted,          // the fixed file no longer parsed, so its fixes were dropped
  NearParseError,    // the file has syntax errors near the finding, so it was not edited
  RejectedByCompiler,  // --verify: the project's check failed on it, so it was taken back
};

struct ReportedFinding {
  Finding finding;
  Outcome outcome = Outcome::NoFix;
  bool isError = false;  // WarningsAsErrors matched
  /// False for first-pass findings (offsets in the text as read); true for findings first seen in
  /// a later pass (offsets in FileResult::fixedText).
  bool inFixedText = false;
  uint32_t line = 0, column = 0;  // 1-based, in the text the finding was made on
  std::string sourceLine;         // that line's text
  std::string compilerError;      // RejectedByCompiler: what the project's check said
};

/// Where an applied fix's replacement text lies in FileResult::fixedText, so that a compiler
/// error in the fixed file can be traced back to the fix (--verify).
struct AppliedFix {
  std::string check, message;  // the finding's, as in fixKey
  TextRange range;
};

struct FileResult {
  std::string path;
  /// Set when the file was not processed: unreadable, binary, invalid UTF-8.
  std::optional<std::string> skipped;
  /// Set when something went wrong inside coro-fix for this file.
  std::optional<std::string> internalError;
  std::optional<SourceFile> source;  // as read
  /// Findings of the first pass (positions in the original text), then findings first seen in
  /// later passes that remain unfixed (positions in fixedText).
  std::vector<ReportedFinding> findings;
  unsigned fixesApplied = 0;
  std::vector<AppliedFix> applied;  // every fix applied, over all passes
  unsigned passes = 0;

  /// The normalised text after all passes: the source text when no fix changed it.
  const std::string& fixedText() const {
    static const std::string kNone;
    return fixed_ ? *fixed_ : source ? source->text() : kNone;
  }
  /// Sets the text after all passes; setting the source text marks the file unchanged again.
  void setFixedText(std::string text) {
    if (source && text == source->text()) fixed_.reset();
    else fixed_ = std::move(text);
  }
  bool changed() const { return fixed_.has_value(); }

 private:
  std::optional<std::string> fixed_;  // only when it differs: a run holds every file it reads
};

struct RunResult {
  std::vector<FileResult> files;
  unsigned filesScanned = 0;
  /// What the run built on the way (callee indexes, trees, configurations), owned here so that a
  /// process about to exit can skip freeing it: that took a large run 25 ms.
  std::shared_ptr<const void> workingState;
};

}  // namespace corofix

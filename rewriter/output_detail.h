// What the output formats (output_*.cpp, export_fixes.cpp) share, so that they agree on order,
// positions and counts. Not part of the CLI's interface: that is rewriter/output.h.
#pragma once
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "rewriter/output.h"
#include "rewriter/report.h"
#include "rewriter/source.h"

namespace corofix::output_detail {

/// Files in path order, so that output does not depend on the order files were processed in.
inline std::vector<const FileResult*> filesByPath(const RunResult& run) {
  std::vector<const FileResult*> files;
  for (const FileResult& file : run.files) files.push_back(&file);
  std::stable_sort(files.begin(), files.end(),
                   [](const FileResult* a, const FileResult* b) { return a->path < b->path; });
  return files;
}

/// A file's findings by position (line, column, then check id).
inline std::vector<const ReportedFinding*> findingsByPosition(const FileResult& file) {
  std::vector<const ReportedFinding*> findings;
  for (const ReportedFinding& reported : file.findings) findings.push_back(&reported);
  std::stable_sort(findings.begin(), findings.end(), [](const ReportedFinding* a, const ReportedFinding* b) {
    return std::tie(a->line, a->column, a->finding.check) < std::tie(b->line, b->column, b->finding.check);
  });
  return findings;
}

struct Position {
  uint32_t line = 0, column = 0;  // 1-based; the column counts bytes
};

/// Positions of one file's findings and notes. First-pass findings refer to the text as read, the
/// ones first seen in later passes to the fixed text.
class FilePositions {
 public:
  explicit FilePositions(const FileResult& file) : file_(file) {}

  /// Whether `reported`'s offsets refer to the text as read.
  bool inSourceText(const ReportedFinding& reported) const { return !reported.inFixedText; }
  /// Built on first use: most files of a run have no finding.
  const LineIndex& linesOf(const ReportedFinding& reported) const {
    if (!inSourceText(reported)) return fixedLines_ ? *fixedLines_ : fixedLines_.emplace(file_.fixedText());
    if (!sourceLines_) sourceLines_.emplace(file_.source ? std::string_view(file_.source->text()) : std::string_view());
    return *sourceLines_;
  }
  Position at(const ReportedFinding& reported, uint32_t offset) const {
    const LineIndex& lines = linesOf(reported);
    return {lines.line(offset), lines.column(offset)};
  }

 private:
  const FileResult& file_;
  mutable std::optional<LineIndex> sourceLines_, fixedLines_;
};

/// Stable machine names, used by JSON and SARIF.
inline std::string_view outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Applied: return "applied";
    case Outcome::Fixable: return "fixable";
    case Outcome::NeedsUnsafeFixes: return "needs-unsafe-fixes";
    case Outcome::NoFix: return "no-fix";
    case Outcome::Conflict: return "conflict";
    case Outcome::Reverted: return "reverted";
    case Outcome::NearParseError: return "near-parse-error";
    case Outcome::RejectedByCompiler: return "rejected-by-compiler";
  }
  return "unknown";
}
inline constexpr Outcome kAllOutcomes[] = {Outcome::Applied,  Outcome::Fixable,  Outcome::NeedsUnsafeFixes,
                                           Outcome::NoFix,    Outcome::Conflict, Outcome::Reverted,
                                           Outcome::NearParseError, Outcome::RejectedByCompiler};

inline std::string_view applicabilityName(Applicability applicability) {
  switch (applicability) {
    case Applicability::Safe: return "safe";
    case Applicability::Unsafe: return "unsafe";
    case Applicability::Unavailable: return "unavailable";
  }
  return "unknown";
}

/// Whether this run writes, shows, or (in check mode) would write the finding's fix. Later-pass
/// findings are listed only when left unfixed, so these are always first-pass findings.
inline bool fixIsTaken(const ReportedFinding& reported, const OutputOptions& options) {
  const Fix& fix = reported.finding.fix;
  if (fix.edits.empty() || fix.applicability == Applicability::Unavailable) return false;
  if (fix.applicability == Applicability::Unsafe && !options.unsafeFixes) return false;
  return reported.outcome == Outcome::Applied || reported.outcome == Outcome::Fixable ||
         reported.outcome == Outcome::NeedsUnsafeFixes;
}

struct Summary {
  unsigned filesScanned = 0, filesSkipped = 0, filesWithErrors = 0, filesChanged = 0;
  unsigned findings = 0, errors = 0;
  unsigned fixesApplied = 0;  // over all passes
  std::map<std::string, unsigned, std::less<>> findingsPerCheck;
  std::map<Outcome, unsigned> outcomes;
  unsigned count(Outcome outcome) const {
    auto it = outcomes.find(outcome);
    return it == outcomes.end() ? 0 : it->second;
  }
};

inline Summary summarize(const RunResult& run) {
  Summary summary;
  summary.filesScanned = run.filesScanned;
  for (const FileResult& file : run.files) {
    summary.filesSkipped += file.skipped.has_value();
    summary.filesWithErrors += file.internalError.has_value();
    summary.filesChanged += file.changed();
    summary.fixesApplied += file.fixesApplied;
    for (const ReportedFinding& reported : file.findings) {
      ++summary.findings;
      summary.errors += reported.isError;
      ++summary.findingsPerCheck[reported.finding.check];
      ++summary.outcomes[reported.outcome];
    }
  }
  return summary;
}

}  // namespace corofix::output_detail

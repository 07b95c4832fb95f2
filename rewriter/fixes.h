// What Rust and C++ share between a rule's findings and the file on disk: placing a finding for
// the reader (line, column, suppression comments, WarningsAsErrors), choosing the fixes a run
// takes (applicability, conflicts, comments kept), applying them, and the atomic write.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/config.h"
#include "rewriter/driver.h"
#include "rewriter/report.h"
#include "rewriter/suppression.h"

namespace corofix {

/// `finding` with its line, column and source line in `lines`' text; nullopt when a suppression
/// comment silences it.
std::optional<ReportedFinding> placeFinding(Finding finding, const LineIndex& lines, const Suppressions& suppressions,
                                            const Config& config);

/// Names a finding's fix across runs on the same input (what --verify rejects): the file's display
/// path, the check and the message (which quotes the code it is about).
std::string fixKey(std::string_view path, std::string_view check, std::string_view message);

/// Sets each finding's outcome and returns the indices of the fixes this run applies (none in check
/// mode). A fix is refused when it is not safe enough for the options, was rejected by --verify,
/// touches `nearErrors`, would delete one of `comments` (sorted), or overlaps a fix taken before it.
std::vector<size_t> selectFixes(std::string_view path, std::vector<ReportedFinding>& findings, std::string_view text,
                                const std::vector<TextRange>& comments, const std::vector<TextRange>& nearErrors,
                                const RunOptions& options);

/// `text` with every edit of the findings' fixes; nullopt if two edits overlap.
std::optional<std::string> applyFixes(std::string_view text, const std::vector<const Finding*>& fixes,
                                      const std::string& path);

/// Records that `taken` were applied together to the text `applied` refers to: the ranges of the
/// fixes applied before move with the edits, and each of `taken` adds the range its edits now cover.
void recordApplied(std::vector<AppliedFix>& applied, const std::vector<const Finding*>& taken);

/// With --apply, writes a changed `result` over `file` atomically in the file's own conventions
/// (BOM, CRLF); a failure becomes the file's internal error.
void writeIfApplying(FileResult& result, const std::string& file, const RunOptions& options);

}  // namespace corofix

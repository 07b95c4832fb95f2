#include "rewriter/fixes.h"

#include <algorithm>
#include <map>

#include "clang/Tooling/Core/Replacement.h"

namespace corofix {
namespace {

bool wouldApply(const Fix& fix, const RunOptions& options) {
  return fix.applicability == Applicability::Safe ||
         (fix.applicability == Applicability::Unsafe && options.unsafeFixes);
}

bool touchesAny(const Fix& fix, const std::vector<TextRange>& ranges) {
  for (const auto& edit : fix.edits)
    for (const auto& range : ranges)
      if (edit.range.overlaps(range) || (edit.range.begin == edit.range.end && range.begin <= edit.range.begin &&
                                         edit.range.begin < range.end))
        return true;
  return false;
}

/// A fix must keep every comment of the text it replaces (rules place them; this enforces it).
bool dropsComment(const Fix& fix, std::string_view text, const std::vector<TextRange>& comments) {
  std::string replacements;
  for (const auto& edit : fix.edits) replacements += edit.replacement;
  for (const auto& edit : fix.edits) {
    auto it = std::lower_bound(comments.begin(), comments.end(), edit.range.begin,
                               [](const TextRange& c, uint32_t offset) { return c.begin < offset; });
    for (; it != comments.end() && it->end <= edit.range.end; ++it)
      if (replacements.find(text.substr(it->begin, it->end - it->begin)) == std::string::npos) return true;
  }
  return false;
}

/// The edits accepted so far in a pass; a fix is accepted whole or not at all.
class AcceptedEdits {
 public:
  /// Adds all of `fix`'s edits unless one overlaps (or inserts at the same point as) an accepted one.
  bool add(const Fix& fix) {
    for (const auto& edit : fix.edits)
      if (overlaps(edit.range)) return false;
    for (const auto& edit : fix.edits) ranges_.emplace(edit.range.begin, edit.range.end);
    return true;
  }

 private:
  bool overlaps(TextRange range) const {
    auto next = ranges_.lower_bound(range.begin);
    if (next != ranges_.end() && (next->first < range.end || next->first == range.begin)) return true;
    if (next == ranges_.begin()) return false;
    return std::prev(next)->second > range.begin;
  }
  std::multimap<uint32_t, uint32_t> ranges_;
};

}  // namespace

std::optional<ReportedFinding> placeFinding(Finding finding, const LineIndex& lines, const Suppressions& suppressions,
                                            const Config& config) {
  uint32_t line = lines.line(finding.range.begin);
  if (suppressions.suppresses(finding.check, line)) return std::nullopt;
  ReportedFinding reported;
  reported.line = line;
  reported.column = lines.column(finding.range.begin);
  reported.sourceLine = std::string(lines.lineText(line));
  reported.isError = config.warningsAsErrors.contains(finding.check);
  reported.finding = std::move(finding);
  return reported;
}

std::string fixKey(std::string_view path, std::string_view check, std::string_view message) {
  return std::string(path) + '\0' + std::string(check) + '\0' + std::string(message);
}

std::vector<size_t> selectFixes(std::string_view path, std::vector<ReportedFinding>& findings, std::string_view text,
                                const std::vector<TextRange>& comments, const std::vector<TextRange>& nearErrors,
                                const RunOptions& options) {
  AcceptedEdits accepted;
  std::vector<size_t> selected;
  for (size_t i = 0; i < findings.size(); ++i) {
    ReportedFinding& f = findings[i];
    const Fix& fix = f.finding.fix;
    if (fix.applicability == Applicability::Unavailable) f.outcome = Outcome::NoFix;
    else if (!wouldApply(fix, options)) f.outcome = Outcome::NeedsUnsafeFixes;
    else if (auto rejected = options.rejectedFixes.find(fixKey(path, f.finding.check, f.finding.message)); rejected != options.rejectedFixes.end()) {
      f.outcome = Outcome::RejectedByCompiler;
      f.compilerError = rejected->second;
    }
    else if (touchesAny(fix, nearErrors)) f.outcome = Outcome::NearParseError;
    else if (dropsComment(fix, text, comments)) {
      f.outcome = Outcome::NoFix;
      f.finding.fix.reason = "internal: the fix would delete a comment, so it was not applied";
    } else if (options.mode == RunMode::Check) f.outcome = Outcome::Fixable;
    else if (accepted.add(fix)) {
      f.outcome = Outcome::Applied;
      selected.push_back(i);
    } else f.outcome = Outcome::Conflict;
  }
  return selected;
}

std::optional<std::string> applyFixes(std::string_view text, const std::vector<const Finding*>& fixes,
                                      const std::string& path) {
  clang::tooling::Replacements replacements;
  for (const Finding* finding : fixes)
    for (const auto& edit : finding->fix.edits)
      if (auto error = replacements.add(clang::tooling::Replacement(path, edit.range.begin,
                                                                    edit.range.end - edit.range.begin, edit.replacement))) {
        llvm::consumeError(std::move(error));
        return std::nullopt;
      }
  auto applied = clang::tooling::applyAllReplacements(llvm::StringRef(text.data(), text.size()), replacements);
  if (!applied) {
    llvm::consumeError(applied.takeError());
    return std::nullopt;
  }
  return *applied;
}

void recordApplied(std::vector<AppliedFix>& applied, const std::vector<const Finding*>& taken) {
  std::vector<const TextEdit*> edits;
  for (const Finding* finding : taken)
    for (const TextEdit& edit : finding->fix.edits) edits.push_back(&edit);
  std::sort(edits.begin(), edits.end(), [](auto* a, auto* b) { return a->range.begin < b->range.begin; });
  // Where `offset` is once the edits are made. An offset inside a replaced range goes to the start
  // of its replacement, or with `toEnd` to its end; `toEnd` also keeps an offset before an edit
  // that starts there.
  auto moved = [&](uint32_t offset, bool toEnd) {
    int64_t delta = 0;
    for (const TextEdit* edit : edits) {
      auto [begin, end] = edit->range;
      if (offset < begin || (offset == begin && toEnd)) break;
      if (offset < end) return static_cast<uint32_t>(begin + delta + (toEnd ? edit->replacement.size() : 0));
      delta += static_cast<int64_t>(edit->replacement.size()) - (end - begin);
    }
    return static_cast<uint32_t>(offset + delta);
  };
  for (AppliedFix& before : applied) before.range = {moved(before.range.begin, false), moved(before.range.end, true)};
  for (const Finding* finding : taken) {
    TextRange covered{UINT32_MAX, 0};
    for (const TextEdit& edit : finding->fix.edits) {
      covered.begin = std::min(covered.begin, edit.range.begin);
      covered.end = std::max(covered.end, edit.range.end);
    }
    applied.push_back({finding->check, finding->message, {moved(covered.begin, true), moved(covered.end, false)}});
  }
}

void writeIfApplying(FileResult& result, const std::string& file, const RunOptions& options) {
  if (options.mode != RunMode::Apply || !result.changed()) return;
  std::string error = writeFileAtomically(file, result.source->toDisk(result.fixedText()));
  if (!error.empty()) result.internalError = "not written: " + error;
}

}  // namespace corofix

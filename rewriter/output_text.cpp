// clang-tidy style text: one diagnostic per finding with its source line, a caret line, notes and
// what happened to the fix; then a short summary of the run.
#include <algorithm>
#include <string>
#include <vector>

#include "rewriter/output.h"
#include "rewriter/output_detail.h"

namespace corofix {
namespace {
using namespace output_detail;

// ANSI styles in clang's palette.
constexpr std::string_view kBold = "1", kWarning = "1;35", kError = "1;31", kNote = "1;36", kCaret = "1;32",
                           kFix = "32";

/// Writes `text` in `style` when colour is on.
class Painter {
 public:
  Painter(llvm::raw_ostream& out, bool color) : out_(out), color_(color) {}
  Painter& operator()(std::string_view style, std::string_view text) {
    if (color_) out_ << "\x1b[" << style << 'm';
    out_ << text;
    if (color_) out_ << "\x1b[0m";
    return *this;
  }
  Painter& operator<<(std::string_view text) {
    out_ << text;
    return *this;
  }

 private:
  llvm::raw_ostream& out_;
  bool color_;
};

bool isUtf8Continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

/// The line under `line`: `^` at the 1-based byte `column`, then `~` under the rest of a `length`-byte
/// range that ends on this line. Tabs are kept and UTF-8 continuation bytes take no cell, so the
/// caret stays under its character.
std::string caretLine(std::string_view line, uint32_t column, uint32_t length) {
  size_t start = std::min<size_t>(column - 1, line.size());
  std::string caret;
  for (char byte : line.substr(0, start))
    if (!isUtf8Continuation(byte)) caret += byte == '\t' ? '\t' : ' ';
  caret += '^';
  if (length > 0 && start + length <= line.size())
    for (char byte : line.substr(start + 1, length - 1))
      if (!isUtf8Continuation(byte)) caret += '~';
  return caret;
}

std::string location(std::string_view path, Position position) {
  return std::string(path) + ":" + std::to_string(position.line) + ":" + std::to_string(position.column) + ":";
}

/// What happened to the fix, in words: "fix (<status>): <description>" or "not fixed: <reason>".
std::string fixLine(const ReportedFinding& reported, const OutputOptions& options) {
  const Fix& fix = reported.finding.fix;
  bool unsafe = fix.applicability == Applicability::Unsafe;
  std::string status;
  switch (reported.outcome) {
    case Outcome::Applied:
      status = options.mode == RunMode::Diff ? "shown in the diff" : "applied";
      if (unsafe) status += "; unsafe: " + fix.reason;
      break;
    case Outcome::Fixable:
      status = unsafe ? "run with --apply --unsafe-fixes; unsafe: " + fix.reason : "run with --apply";
      break;
    case Outcome::NeedsUnsafeFixes: status = "needs --unsafe-fixes: " + fix.reason; break;
    case Outcome::NoFix: return "not fixed: " + (fix.reason.empty() ? "no automatic fix" : fix.reason);
    case Outcome::Conflict: status = "not applied: it overlaps another fix"; break;
    case Outcome::Reverted: status = "reverted: the fixed file no longer parsed"; break;
    case Outcome::NearParseError: status = "not applied: the file has syntax errors near this code"; break;
    case Outcome::RejectedByCompiler: status = "not kept by --verify: " + reported.compilerError; break;
  }
  if (fix.description.empty()) return "not fixed: " + status;
  return "fix (" + status + "): " + fix.description;
}

void printFinding(const FileResult& file, const FilePositions& positions, const ReportedFinding& reported,
                  const OutputOptions& options, Painter& out) {
  const Finding& finding = reported.finding;
  out(kBold, location(file.path, {reported.line, reported.column})) << " ";
  out(reported.isError ? kError : kWarning, reported.isError ? "error:" : "warning:") << " ";
  out(kBold, finding.message + " [" + finding.check + "]") << "\n";
  out << reported.sourceLine << "\n";
  out(kCaret, caretLine(reported.sourceLine, reported.column, finding.range.end - finding.range.begin)) << "\n";
  for (const Note& note : finding.notes) {
    out(kBold, location(file.path, positions.at(reported, note.range.begin))) << " ";
    out(kNote, "note:") << " " << note.message << "\n";
  }
  out << "  ";
  out(kFix, fixLine(reported, options)) << "\n";
}

std::string counted(unsigned count, std::string_view singular, std::string_view plural) {
  return std::to_string(count) + " " + std::string(count == 1 ? singular : plural);
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : std::string(separator)) + part;
  return text;
}

/// "12 files scanned (1 skipped), 3 findings: 2 check-a, 1 check-b."
std::string findingsLine(const Summary& summary) {
  std::vector<std::string> fileNotes;
  if (summary.filesSkipped) fileNotes.push_back(std::to_string(summary.filesSkipped) + " skipped");
  if (summary.filesWithErrors)
    fileNotes.push_back(counted(summary.filesWithErrors, "with an internal error", "with internal errors"));
  std::string line = counted(summary.filesScanned, "file", "files") + " scanned";
  if (!fileNotes.empty()) line += " (" + joined(fileNotes, ", ") + ")";
  if (summary.findings == 0) return line + ", no findings.";
  std::vector<std::string> perCheck;
  for (const auto& [check, count] : summary.findingsPerCheck) perCheck.push_back(std::to_string(count) + " " + check);
  line += ", " + counted(summary.findings, "finding", "findings");
  if (summary.errors) line += " (" + counted(summary.errors, "error", "errors") + ")";
  return line + ": " + joined(perCheck, ", ") + ".";
}

/// What was fixed, or would be: depends on the mode.
std::string fixesLine(const Summary& summary, const OutputOptions& options) {
  std::string files = counted(summary.filesChanged, "file", "files");
  switch (options.mode) {
    case RunMode::Apply: return counted(summary.fixesApplied, "fix", "fixes") + " applied, " + files + " changed.";
    case RunMode::Diff:
      return counted(summary.fixesApplied, "fix", "fixes") + " shown in the diff (" + files + "); nothing written.";
    case RunMode::Check:
      return counted(summary.count(Outcome::Fixable), "fix", "fixes") + " available, none applied (check only).";
  }
  return "";
}

/// "Not fixed: 2 need --unsafe-fixes, 1 has no automatic fix." or empty.
std::string notFixedLine(const Summary& summary) {
  struct Kind {
    Outcome outcome;
    std::string_view singular, plural;
  };
  static constexpr Kind kinds[] = {
      {Outcome::NeedsUnsafeFixes, "needs --unsafe-fixes", "need --unsafe-fixes"},
      {Outcome::NoFix, "has no automatic fix", "have no automatic fix"},
      {Outcome::Conflict, "overlaps another fix", "overlap other fixes"},
      {Outcome::Reverted, "was reverted (the fixed file no longer parsed)",
       "were reverted (the fixed file no longer parsed)"},
      {Outcome::NearParseError, "is near a syntax error", "are near syntax errors"},
      {Outcome::RejectedByCompiler, "was reverted by --verify (the project's check rejected it)",
       "were reverted by --verify (the project's check rejected them)"},
  };
  std::vector<std::string> parts;
  for (const Kind& kind : kinds)
    if (unsigned count = summary.count(kind.outcome))
      parts.push_back(std::to_string(count) + " " + std::string(count == 1 ? kind.singular : kind.plural));
  return parts.empty() ? "" : "Not fixed: " + joined(parts, ", ") + ".";
}

/// What --apply / --unsafe-fixes would add, or empty.
std::string hintLine(const Summary& summary, const OutputOptions& options) {
  std::vector<std::string> hints;
  unsigned fixable = summary.count(Outcome::Fixable);
  if (options.mode == RunMode::Check && fixable)
    hints.push_back(std::string("run with --apply") + (options.unsafeFixes ? " --unsafe-fixes" : "") + " to apply " +
                    counted(fixable, "fix", "fixes"));
  if (options.mode == RunMode::Diff && summary.fixesApplied)
    hints.push_back(std::string("run with --apply") + (options.unsafeFixes ? " --unsafe-fixes" : "") +
                    " to write the diff");
  if (unsigned unsafe = summary.count(Outcome::NeedsUnsafeFixes))
    hints.push_back("--unsafe-fixes would also apply " + counted(unsafe, "fix", "fixes") +
                    " that may change behaviour (read each reason first)");
  return hints.empty() ? "" : "hint: " + joined(hints, "; ") + ".";
}

void printSummary(const Summary& summary, const OutputOptions& options, llvm::raw_ostream& out) {
  out << findingsLine(summary) << "\n";
  if (summary.findings == 0 && summary.fixesApplied == 0) return;
  out << fixesLine(summary, options) << "\n";
  for (const std::string& line : {notFixedLine(summary), hintLine(summary, options)})
    if (!line.empty()) out << line << "\n";
}

}  // namespace

void printText(const RunResult& run, const OutputOptions& options, llvm::raw_ostream& out,
               llvm::raw_ostream& summary) {
  Painter diagnostics(out, options.color), notices(summary, options.color);
  for (const FileResult* file : filesByPath(run)) {
    if (file->skipped) {
      notices(kBold, file->path + ":") << " skipped: " << *file->skipped << "\n";
      continue;
    }
    if (file->internalError) {
      notices(kBold, file->path + ":") << " ";
      notices(kError, "error:") << " " << *file->internalError << "\n";
    }
    FilePositions positions(*file);
    for (const ReportedFinding* reported : findingsByPosition(*file))
      printFinding(*file, positions, *reported, options, diagnostics);
  }
  out.flush();  // the summary may go to another stream on the same terminal or file
  if (!options.quiet) printSummary(summarize(run), options, summary);
}

}  // namespace corofix

// Machine-readable results. The shape, version 1 (keys are printed in sorted order; every key is
// always present unless marked optional):
//
// {
//   "version": 1,                                   // of this format; bumped on incompatible change
//   "tool": {"name": "coro-fix", "version": "0.1.0"},
//   "mode": "check" | "apply" | "diff", "unsafeFixes": bool,
//   "files": [{"path", "skipped"?: reason, "error"?: internal error message,
//              "changed": bool, "fixesApplied": n, "passes": n}],
//   "findings": [{                                  // by path, then position
//     "check", "message", "path", "severity": "warning" | "error",
//     "line", "column", "endLine", "endColumn",     // 1-based; columns count bytes, as clang-tidy
//     "range": {"begin", "end"},                    // byte offsets, see below
//     "outcome": "applied" | "fixable" | "needs-unsafe-fixes" | "no-fix" | "conflict" | "reverted"
//                | "near-parse-error" | "rejected-by-compiler",
//     "compilerError"?: string,                     // rejected-by-compiler: what the project's check said
//     "fix": {"applicability": "safe" | "unsafe" | "unavailable", "description", "reason",
//             "edits": [{"begin", "end", "replacement"}]},
//     "notes": [{"message", "line", "column", "range": {"begin", "end"}}]}],
//   "summary": {"filesScanned", "filesSkipped", "filesWithErrors", "filesChanged", "findings",
//               "errors", "fixesApplied", "findingsPerCheck": {check: n}, "outcomes": {outcome: n}}
// }
//
// Offsets and edits are in the file's normalised text (UTF-8, no BOM, LF line ends): the text as
// read for first-pass findings, the fixed text for findings first seen in later passes.
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "rewriter/output.h"
#include "rewriter/output_detail.h"

namespace corofix {
namespace {
using namespace output_detail;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

constexpr int kFormatVersion = 1;

/// JSON strings must be UTF-8; paths and messages from the system may not be.
Value string(std::string_view text) {
  return llvm::json::isUTF8(text) ? Value(std::string(text)) : Value(llvm::json::fixUTF8(text));
}

std::string_view modeName(RunMode mode) {
  switch (mode) {
    case RunMode::Check: return "check";
    case RunMode::Apply: return "apply";
    case RunMode::Diff: return "diff";
  }
  return "unknown";
}

Value range(TextRange range) { return Object{{"begin", range.begin}, {"end", range.end}}; }

Value fileJson(const FileResult& file) {
  Object json{{"path", string(file.path)},
              {"changed", file.changed()},
              {"fixesApplied", file.fixesApplied},
              {"passes", file.passes}};
  if (file.skipped) json["skipped"] = string(*file.skipped);
  if (file.internalError) json["error"] = string(*file.internalError);
  return json;
}

Value fixJson(const Fix& fix) {
  Array edits;
  for (const TextEdit& edit : fix.edits)
    edits.push_back(Object{{"begin", edit.range.begin}, {"end", edit.range.end}, {"replacement", string(edit.replacement)}});
  return Object{{"applicability", string(applicabilityName(fix.applicability))},
                {"description", string(fix.description)},
                {"reason", string(fix.reason)},
                {"edits", std::move(edits)}};
}

Value findingJson(const FileResult& file, const FilePositions& positions, const ReportedFinding& reported) {
  const Finding& finding = reported.finding;
  Array notes;
  for (const Note& note : finding.notes) {
    Position at = positions.at(reported, note.range.begin);
    notes.push_back(Object{
        {"message", string(note.message)}, {"line", at.line}, {"column", at.column}, {"range", range(note.range)}});
  }
  Position end = positions.at(reported, finding.range.end);
  Object out{{"check", string(finding.check)},
             {"message", string(finding.message)},
             {"path", string(file.path)},
             {"severity", reported.isError ? "error" : "warning"},
             {"line", reported.line},
             {"column", reported.column},
             {"endLine", end.line},
             {"endColumn", end.column},
             {"range", range(finding.range)},
             {"outcome", string(outcomeName(reported.outcome))},
             {"fix", fixJson(finding.fix)},
                {"notes", std::move(notes)}};
  if (reported.outcome == Outcome::RejectedByCompiler) out["compilerError"] = string(reported.compilerError);
  return out;
}

Value summaryJson(const Summary& summary) {
  Object perCheck, outcomes;
  for (const auto& [check, count] : summary.findingsPerCheck) perCheck[std::string(check)] = count;
  for (Outcome outcome : kAllOutcomes) outcomes[std::string(outcomeName(outcome))] = summary.count(outcome);
  return Object{{"filesScanned", summary.filesScanned},
                {"filesSkipped", summary.filesSkipped},
                {"filesWithErrors", summary.filesWithErrors},
                {"filesChanged", summary.filesChanged},
                {"findings", summary.findings},
                {"errors", summary.errors},
                {"fixesApplied", summary.fixesApplied},
                {"findingsPerCheck", std::move(perCheck)},
                {"outcomes", std::move(outcomes)}};
}

}  // namespace

void printJson(const RunResult& run, const OutputOptions& options, llvm::raw_ostream& out) {
  Array files, findings;
  for (const FileResult* file : filesByPath(run)) {
    files.push_back(fileJson(*file));
    FilePositions positions(*file);
    for (const ReportedFinding* reported : findingsByPosition(*file))
      findings.push_back(findingJson(*file, positions, *reported));
  }
  Value root = Object{{"version", kFormatVersion},
                      {"tool", Object{{"name", "coro-fix"}, {"version", CORO_FIX_VERSION}}},
                      {"mode", string(modeName(options.mode))},
                      {"unsafeFixes", options.unsafeFixes},
                      {"files", std::move(files)},
                      {"findings", std::move(findings)},
                      {"summary", summaryJson(summarize(run))}};
  out << llvm::formatv("{0:2}", root) << "\n";
}

}  // namespace corofix

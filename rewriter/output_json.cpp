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
using llvm::json::OStream;
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

// Streamed rather than built as a json::Value: a large run has thousands of findings. Each writer
// prints its keys in sorted order.

void writeRange(OStream& j, TextRange range) {
  j.object([&] {
    j.attribute("begin", range.begin);
    j.attribute("end", range.end);
  });
}

void writeFile(OStream& j, const FileResult& file) {
  j.object([&] {
    j.attribute("changed", file.changed());
    if (file.internalError) j.attribute("error", string(*file.internalError));
    j.attribute("fixesApplied", file.fixesApplied);
    j.attribute("passes", file.passes);
    j.attribute("path", string(file.path));
    if (file.skipped) j.attribute("skipped", string(*file.skipped));
  });
}

void writeFix(OStream& j, const Fix& fix) {
  j.object([&] {
    j.attribute("applicability", string(applicabilityName(fix.applicability)));
    j.attribute("description", string(fix.description));
    j.attributeArray("edits", [&] {
      for (const TextEdit& edit : fix.edits)
        j.object([&] {
          j.attribute("begin", edit.range.begin);
          j.attribute("end", edit.range.end);
          j.attribute("replacement", string(edit.replacement));
        });
    });
    j.attribute("reason", string(fix.reason));
  });
}

void writeFinding(OStream& j, const FileResult& file, const FilePositions& positions, const ReportedFinding& reported) {
  const Finding& finding = reported.finding;
  Position end = positions.at(reported, finding.range.end);
  j.object([&] {
    j.attribute("check", string(finding.check));
    j.attribute("column", reported.column);
    if (reported.outcome == Outcome::RejectedByCompiler) j.attribute("compilerError", string(reported.compilerError));
    j.attribute("endColumn", end.column);
    j.attribute("endLine", end.line);
    j.attributeBegin("fix");
    writeFix(j, finding.fix);
    j.attributeEnd();
    j.attribute("line", reported.line);
    j.attribute("message", string(finding.message));
    j.attributeArray("notes", [&] {
      for (const Note& note : finding.notes) {
        Position at = positions.at(reported, note.range.begin);
        j.object([&] {
          j.attribute("column", at.column);
          j.attribute("line", at.line);
          j.attribute("message", string(note.message));
          j.attributeBegin("range");
          writeRange(j, note.range);
          j.attributeEnd();
        });
      }
    });
    j.attribute("outcome", string(outcomeName(reported.outcome)));
    j.attribute("path", string(file.path));
    j.attributeBegin("range");
    writeRange(j, finding.range);
    j.attributeEnd();
    j.attribute("severity", reported.isError ? "error" : "warning");
  });
}

void writeSummary(OStream& j, const Summary& summary) {
  std::map<std::string_view, unsigned> outcomes;
  for (Outcome outcome : kAllOutcomes) outcomes[outcomeName(outcome)] = summary.count(outcome);
  j.object([&] {
    j.attribute("errors", summary.errors);
    j.attribute("filesChanged", summary.filesChanged);
    j.attribute("filesScanned", summary.filesScanned);
    j.attribute("filesSkipped", summary.filesSkipped);
    j.attribute("filesWithErrors", summary.filesWithErrors);
    j.attribute("findings", summary.findings);
    j.attributeObject("findingsPerCheck", [&] {
      for (const auto& [check, count] : summary.findingsPerCheck) j.attribute(check, count);
    });
    j.attribute("fixesApplied", summary.fixesApplied);
    j.attributeObject("outcomes", [&] {
      for (const auto& [name, count] : outcomes) j.attribute(name, count);
    });
  });
}

}  // namespace

void printJson(const RunResult& run, const OutputOptions& options, llvm::raw_ostream& out) {
  std::vector<const FileResult*> files = filesByPath(run);
  OStream j(out, 2);
  j.object([&] {
    j.attributeArray("files", [&] {
      for (const FileResult* file : files) writeFile(j, *file);
    });
    j.attributeArray("findings", [&] {
      for (const FileResult* file : files) {
        FilePositions positions(*file);
        for (const ReportedFinding* reported : findingsByPosition(*file)) writeFinding(j, *file, positions, *reported);
      }
    });
    j.attribute("mode", string(modeName(options.mode)));
    j.attributeBegin("summary");
    writeSummary(j, summarize(run));
    j.attributeEnd();
    j.attributeObject("tool", [&] {
      j.attribute("name", "coro-fix");
      j.attribute("version", CORO_FIX_VERSION);
    });
    j.attribute("unsafeFixes", options.unsafeFixes);
    j.attribute("version", kFormatVersion);
  });
  out << "\n";
}

}  // namespace corofix

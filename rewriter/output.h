// The output formats of a run: clang-tidy style text, JSON, SARIF, clang-apply-replacements YAML,
// and unified diffs.
#pragma once
#include <string>
#include <string_view>
#include "llvm/Support/raw_ostream.h"
#include "rewriter/report.h"
namespace corofix {
enum class RunMode { Check, Apply, Diff };
struct OutputOptions { RunMode mode = RunMode::Check; bool unsafeFixes = false; bool color = false; bool quiet = false; };
/// clang-tidy style diagnostics on `out`, then (unless quiet) the summary on `summary`.
void printText(const RunResult& run, const OutputOptions& options, llvm::raw_ostream& out, llvm::raw_ostream& summary);
void printJson(const RunResult& run, const OutputOptions& options, llvm::raw_ostream& out);
/// SARIF 2.1.0 as GitHub code scanning accepts it; each linked-in check listed once (allChecks()).
void printSarif(const RunResult& run, const OutputOptions& options, llvm::raw_ostream& out);
/// The YAML clang-apply-replacements reads (clang-tidy --export-fixes format): first-pass fixes of the
/// findings whose fix the run would apply (safe, or unsafe with options.unsafeFixes), offsets on disk bytes.
std::string exportFixesYaml(const RunResult& run, const OutputOptions& options, std::string_view buildDirectory);
/// A unified diff (`--- a/path`, `+++ b/path`, @@ hunks with 3 lines of context) of two texts; empty if equal.
std::string unifiedDiff(std::string_view path, std::string_view before, std::string_view after);
}

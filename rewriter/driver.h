// Runs the rules over a set of paths: discovery, configuration, the callee index, then per file
// the passes of rules and fixes until nothing changes, and (with --apply) the atomic writes.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rewriter/config.h"
#include "rewriter/dependency_index.h"
#include "rewriter/output.h"
#include "rewriter/report.h"

namespace corofix {

struct RunOptions {
  RunMode mode = RunMode::Check;
  bool unsafeFixes = false;
  unsigned jobs = 0;  // 0: all cores
  std::string configFile;
  std::string checks;  // --checks, appended to each file's Checks
  std::string buildPath;  // -p: the directory of compile_commands.json (empty: searched upwards)
  std::optional<std::vector<std::string>> compilerFlags;  // after `--`: C++ files without a compile command
  /// --verify: fixes the project's check rejected (by fixKey), with what it said; not applied again.
  std::map<std::string, std::string, std::less<>> rejectedFixes;
  DependencyOptions dependencies;  // how a Cargo project's dependencies are found (--offline)
};

/// The most passes of rules and fixes per file; chains and nested matches converge well before.
constexpr unsigned kMaxPasses = 10;

RunResult run(const std::vector<std::string>& paths, const RunOptions& options);

/// Runs the passes on `result.source` in place (what `run` does per file, without discovery or
/// writing). `parsed`, if given, is the tree of the source text, reused for the first pass.
/// `rules` are those that may run; the configuration still filters them per check id.
void processFile(FileResult& result, std::unique_ptr<SyntaxTree> parsed, const FileContext& context,
                 const Config& config, const RunOptions& options, const std::vector<const Rule*>& rules);

}  // namespace corofix

#include "rewriter/driver.h"

#include <algorithm>
#include <map>
#include <set>

#include "clang/Tooling/Core/Replacement.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "rewriter/cpp_frontend.h"
#include "rewriter/dependency_index.h"
#include "rewriter/discovery.h"
#include "rewriter/fixes.h"
#include "rewriter/rust_analysis.h"
#include "rewriter/suppression.h"
#include "spdlog/spdlog.h"

namespace corofix {
namespace {

/// `cargo metadata` runs at once, at most: each takes a fraction of a second, mostly waiting.
constexpr unsigned kGraphThreads = 4;

/// One pass's findings, placed and filtered by configuration and suppression comments.
std::vector<ReportedFinding> runRules(const FileResult& result, std::string_view text, const SyntaxTree& tree,
                                      const FileContext& context, const Config& config,
                                      const std::vector<const Rule*>& rules) {
  std::vector<ReportedFinding> out;
  LineIndex lines(text);
  Suppressions suppressions(text);
  RuleInput input{result.path, text, tree, context, config.options};
  for (const Rule* rule : rules) {
    if (rule->language() != Language::Rust || !config.checks.contains(rule->id())) continue;
    for (Finding& finding : static_cast<const RustRule*>(rule)->check(input))
      if (auto reported = placeFinding(std::move(finding), lines, suppressions, config))
        out.push_back(std::move(*reported));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.finding.range.begin < b.finding.range.begin;
  });
  return out;
}

/// Top-level items that contain a syntax error: edits there are refused.
std::vector<TextRange> rangesNearErrors(const SyntaxTree& tree) {
  std::vector<TextRange> out;
  auto errors = tree.errorRanges();
  if (errors.empty()) return out;
  for (Node item : tree.root().children())
    for (auto [begin, end] : errors)
      if (item.begin() <= end && begin <= item.end()) {
        out.push_back({item.begin(), std::max(item.end(), item.begin() + 1)});
        break;
      }
  return out;
}

/// Every comment's range, in order, so each fix's check is a binary search.
std::vector<TextRange> commentRanges(const SyntaxTree& tree) {
  std::vector<TextRange> out;
  walk(tree.root(), [&](Node n) {
    if (n.isComment()) out.push_back({n.begin(), n.end()});
    return true;
  });
  return out;
}

size_t errorCount(std::string_view text) { return SyntaxTree::parseRust(text)->errorRanges().size(); }

/// A Rust file of the run, from discovery to its results.
struct Work {
  FileResult* result;
  std::string file;  // absolute
  Config config;
  std::string root;
  std::unique_ptr<SyntaxTree> tree;
};

/// What run() builds besides the results (see RunResult::workingState).
struct RunState {
  explicit RunState(const DependencyOptions& options) : packages(options) {}
  std::vector<Work> work;
  std::map<std::string, CalleeIndex> indexes;
  std::map<std::string, CrateIndexes> dependencies;
  PackageIndexes packages;
};

bool isCargoProject(const std::string& root) {
  llvm::SmallString<256> manifest(root);
  llvm::sys::path::append(manifest, "Cargo.toml");
  return llvm::sys::fs::exists(manifest);
}

}  // namespace

void processFile(FileResult& result, std::unique_ptr<SyntaxTree> parsed, const FileContext& context,
                 const Config& config, const RunOptions& options, const std::vector<const Rule*>& rules) {
  std::string text = result.source->text();
  std::unique_ptr<SyntaxTree> tree = parsed ? std::move(parsed) : SyntaxTree::parseRust(text);
  std::vector<ReportedFinding> last;
  for (unsigned pass = 0; pass < kMaxPasses; ++pass) {
    last = runRules(result, text, *tree, context, config, rules);
    std::vector<TextRange> nearErrors = rangesNearErrors(*tree);
    std::vector<TextRange> comments = commentRanges(*tree);
    std::vector<size_t> selected = selectFixes(result.path, last, text, comments, nearErrors, options);
    if (pass == 0) result.findings = last;
    if (selected.empty()) break;

    // Apply the pass; a fix whose result no longer parses is dropped (each tried alone to find it).
    std::vector<const Finding*> fixes;
    for (size_t i : selected) fixes.push_back(&last[i].finding);
    // Compared with a full parse of the text (the first pass's tree may have skipped plain fns).
    std::optional<size_t> errorsInText;
    auto errorsBefore = [&] { return errorsInText ? *errorsInText : *(errorsInText = errorCount(text)); };
    std::optional<std::string> next = applyFixes(text, fixes, result.path);
    if (!next || errorCount(*next) > errorsBefore()) {
      fixes.clear();
      for (size_t i : selected) {
        auto alone = applyFixes(text, {&last[i].finding}, result.path);
        if (alone && errorCount(*alone) <= errorsBefore()) {
          fixes.push_back(&last[i].finding);
          continue;
        }
        last[i].outcome = Outcome::Reverted;
        result.internalError = "a `" + last[i].finding.check + "` fix produced code that does not parse; it was dropped";
        spdlog::error("{}: {}", result.path, *result.internalError);
      }
      next = fixes.empty() ? std::nullopt : applyFixes(text, fixes, result.path);
      if (pass == 0) result.findings = last;
      if (!next || errorCount(*next) > errorsBefore()) break;
    }
    result.fixesApplied += fixes.size();
    recordApplied(result.applied, fixes);
    result.passes = pass + 1;
    text = std::move(*next);
    tree = SyntaxTree::parseRust(text);
  }
  if (result.passes == kMaxPasses) {
    spdlog::warn("{}: fixes did not converge in {} passes", result.path, kMaxPasses);
    last = runRules(result, text, *tree, context, config, rules);  // report against the final text
  }

  // A first-pass fix deferred by a conflict counts as applied once a later pass removed its finding.
  auto key = [](const ReportedFinding& f) { return std::make_pair(f.finding.check, f.finding.message); };
  std::set<std::pair<std::string, std::string>> remaining, first;
  for (const auto& f : last) remaining.insert(key(f));
  for (auto& f : result.findings) {
    first.insert(key(f));
    if (f.outcome == Outcome::Conflict && !remaining.count(key(f))) f.outcome = Outcome::Applied;
  }
  if (result.passes > 0)
    for (auto& f : last)
      if (!first.count(key(f)) && f.outcome != Outcome::Applied) {
        f.inFixedText = true;
        result.findings.push_back(f);
      }
  if (result.passes > 0) result.setFixedText(std::move(text));
}

RunResult run(const std::vector<std::string>& paths, const RunOptions& options) {
  RunResult run;
  Discovered discovered = discoverSources(paths);
  for (auto& [path, reason] : discovered.skipped) {
    FileResult skipped;
    skipped.path = path;
    skipped.skipped = reason;
    run.files.push_back(std::move(skipped));
  }

  ConfigResolver configs(options.configFile, options.checks);
  auto state = std::make_shared<RunState>(options.dependencies);
  auto& [work, indexes, dependencies, packages] = *state;
  std::vector<FileResult> results;
  results.reserve(discovered.files.size());
  for (const auto& file : discovered.files) {
    if (languageOf(file) != Language::Rust) continue;
    std::string error;
    auto config = configs.forFile(file, error);
    if (config && ConfigResolver::isExcluded(*config, file)) continue;
    FileResult& result = results.emplace_back();
    result.path = displayPath(file);
    if (!config) result.internalError = error;
    work.push_back({&result, file, config.value_or(Config{}), projectRootFor(file), nullptr});
  }

  // The callee index spans each project root: the files processed and the rest of the project;
  // a Cargo project's dependencies are indexed alongside.
  llvm::ThreadPool pool(llvm::hardware_concurrency(options.jobs));
  // Finding a root's dependency graph mostly waits on `cargo metadata`: on threads of its own, so
  // that the pool's keep parsing meanwhile.
  llvm::ThreadPool graphs(llvm::hardware_concurrency(kGraphThreads));
  // Files checked index themselves as they are parsed; every other file of a root (outside the
  // given paths, or excluded by configuration: its fns may still be the callee) is only indexed.
  std::set<std::string> processed;
  for (const auto& w : work)
    if (!w.result->internalError) processed.insert(w.file);
  std::vector<std::pair<std::string, CalleeIndex*>> indexOnly;
  for (const auto& w : work) {
    if (indexes.count(w.root)) continue;
    CalleeIndex* index = &indexes[w.root];
    for (const auto& file : discoverSources({w.root}).files)
      if (!processed.count(file) && languageOf(file) == Language::Rust) indexOnly.emplace_back(file, index);
    if (!isCargoProject(w.root)) continue;
    // Roots run `cargo metadata` side by side; map nodes stay put while others are added.
    graphs.async([&root = w.root, index, crates = &dependencies[w.root], &packages, &pool] {
      *crates = indexDependencies(root, *index, packages, pool);
    });
  }

  for (auto& w : work) {
    pool.async([&w, &indexes] {
      if (w.result->internalError) return;
      std::string reason;
      w.result->source = SourceFile::load(w.file, reason);
      if (!w.result->source) {
        w.result->skipped = reason;
        return;
      }
      const std::string& text = w.result->source->text();
      w.tree = indexRustSource(w.result->path, text, indexes.at(w.root));
    });
  }
  for (const auto& [file, index] : indexOnly) {
    pool.async([&file = file, index = index] {
      std::string reason;
      auto source = SourceFile::load(file, reason);
      if (source) indexRustSource(displayPath(file), source->text(), *index);
    });
  }
  graphs.wait();  // then every dependency's indexing is queued on the pool
  pool.wait();
  if (!dependencies.empty())
    spdlog::info("{} dependency packages indexed, {} read from the cache", packages.counts.indexed.load(),
                 packages.counts.fromCache.load());

  std::vector<const Rule*> rules;
  for (const auto& rule : allRules()) rules.push_back(rule.get());
  for (auto& w : work) {
    pool.async([&w, &indexes, &dependencies, &options, &rules] {
      FileResult& result = *w.result;
      if (!result.source) return;
      if (!w.tree) return;
      PathOrigins origins(*w.tree);
      auto crates = dependencies.find(w.root);
      FileContext context{editionFor(w.file), &indexes.at(w.root), &origins,
                          crates == dependencies.end() ? nullptr : &crates->second, rustVersionFor(w.file)};
      processFile(result, std::move(w.tree), context, w.config, options, rules);
      writeIfApplying(result, w.file, options);
    });
  }
  pool.wait();

  std::vector<const CppRule*> cppRules;
  for (const auto& rule : allRules())
    if (rule->language() == Language::Cpp) cppRules.push_back(static_cast<const CppRule*>(rule.get()));
  std::vector<FileResult> cppResults = processCppFiles(discovered.files, configs, options, cppRules);
  run.filesScanned = results.size() + cppResults.size();
  for (auto& r : results) run.files.push_back(std::move(r));
  for (auto& r : cppResults) run.files.push_back(std::move(r));
  run.workingState = std::move(state);
  return run;
}

}  // namespace corofix

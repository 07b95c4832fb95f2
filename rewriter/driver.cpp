#include "rewriter/driver.h"

#include <algorithm>
#include <map>
#include <set>

#include "clang/Tooling/Core/Replacement.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "rewriter/discovery.h"
#include "rewriter/relevant_ranges.h"
#include "rewriter/rust_analysis.h"
#include "rewriter/suppression.h"
#include "spdlog/spdlog.h"

namespace corofix {
namespace {

/// Only files that can hold a coroutine are parsed; the rest cost one byte scan.
bool mayContainAsync(std::string_view text) {
  return text.find("async") != std::string_view::npos || text.find("await") != std::string_view::npos;
}

/// Parses the parts of `text` a rule may look at (plain fns and comments are skipped) and indexes its fns.
std::unique_ptr<SyntaxTree> parseRelevant(std::string_view text, const std::string& path, CalleeIndex& index) {
  std::vector<std::pair<uint32_t, uint32_t>> skip;
  SkippableText skippable = skippableText(text);
  for (TextRange fn : skippable.plainFunctions) index.addUnparsedFile(path, text, fn.begin, fn.end);
  for (TextRange range : skippable.ranges) skip.emplace_back(range.begin, range.end);
  auto tree = SyntaxTree::parseRustSkipping(text, skip);
  index.addParsedFile(path, *tree);
  return tree;
}

bool wouldApply(const Fix& fix, const RunOptions& options) {
  return fix.applicability == Applicability::Safe ||
         (fix.applicability == Applicability::Unsafe && options.unsafeFixes);
}

std::string displayPath(const std::string& absolute) {
  llvm::SmallString<256> cwd;
  if (!llvm::sys::fs::current_path(cwd)) {
    llvm::StringRef path(absolute);
    if (path.consume_front(cwd) && path.consume_front("/")) return path.str();
  }
  return absolute;
}

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
    for (Finding& finding : static_cast<const RustRule*>(rule)->check(input)) {
      uint32_t line = lines.line(finding.range.begin);
      if (suppressions.suppresses(finding.check, line)) continue;
      ReportedFinding reported;
      reported.line = line;
      reported.column = lines.column(finding.range.begin);
      reported.sourceLine = std::string(lines.lineText(line));
      reported.isError = config.warningsAsErrors.contains(finding.check);
      reported.finding = std::move(finding);
      out.push_back(std::move(reported));
    }
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

bool touchesAny(const Fix& fix, const std::vector<TextRange>& ranges) {
  for (const auto& edit : fix.edits)
    for (const auto& range : ranges)
      if (edit.range.overlaps(range) || (edit.range.begin == edit.range.end && range.begin <= edit.range.begin &&
                                         edit.range.begin < range.end))
        return true;
  return false;
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

std::optional<std::string> applyFixes(std::string_view text, const std::vector<const Fix*>& fixes,
                                      const std::string& path) {
  clang::tooling::Replacements replacements;
  for (const Fix* fix : fixes)
    for (const auto& edit : fix->edits)
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

size_t errorCount(std::string_view text) { return SyntaxTree::parseRust(text)->errorRanges().size(); }

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
    AcceptedEdits accepted;
    std::vector<size_t> selected;
    for (size_t i = 0; i < last.size(); ++i) {
      ReportedFinding& f = last[i];
      const Fix& fix = f.finding.fix;
      if (fix.applicability == Applicability::Unavailable) f.outcome = Outcome::NoFix;
      else if (!wouldApply(fix, options)) f.outcome = Outcome::NeedsUnsafeFixes;
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
    if (pass == 0) result.findings = last;
    if (selected.empty()) break;

    // Apply the pass; a fix whose result no longer parses is dropped (each tried alone to find it).
    std::vector<const Fix*> fixes;
    for (size_t i : selected) fixes.push_back(&last[i].finding.fix);
    // Compared with a full parse of the text (the first pass's tree may have skipped plain fns).
    std::optional<size_t> errorsInText;
    auto errorsBefore = [&] { return errorsInText ? *errorsInText : *(errorsInText = errorCount(text)); };
    std::optional<std::string> next = applyFixes(text, fixes, result.path);
    if (!next || errorCount(*next) > errorsBefore()) {
      fixes.clear();
      for (size_t i : selected) {
        auto alone = applyFixes(text, {&last[i].finding.fix}, result.path);
        if (alone && errorCount(*alone) <= errorsBefore()) {
          fixes.push_back(&last[i].finding.fix);
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
  result.fixedText = std::move(text);
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
  struct Work {
    FileResult* result;
    std::string file;  // absolute
    Config config;
    std::string root;
    std::unique_ptr<SyntaxTree> tree;
  };
  std::vector<FileResult> results;
  std::vector<Work> work;
  results.reserve(discovered.files.size());
  for (const auto& file : discovered.files) {
    std::string error;
    auto config = configs.forFile(file, error);
    if (config && ConfigResolver::isExcluded(*config, file)) continue;
    FileResult& result = results.emplace_back();
    result.path = displayPath(file);
    if (!config) result.internalError = error;
    work.push_back({&result, file, config.value_or(Config{}), projectRootFor(file), nullptr});
  }

  // The callee index spans each project root: the files processed and the rest of the project.
  std::map<std::string, CalleeIndex> indexes;
  std::set<std::string> processed(discovered.files.begin(), discovered.files.end());
  std::vector<std::pair<std::string, CalleeIndex*>> indexOnly;
  for (const auto& w : work) {
    if (indexes.count(w.root)) continue;
    CalleeIndex* index = &indexes[w.root];
    for (const auto& file : discoverSources({w.root}).files)
      if (!processed.count(file)) indexOnly.emplace_back(file, index);
  }

  llvm::ThreadPool pool(llvm::hardware_concurrency(options.jobs));
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
      CalleeIndex& index = indexes.at(w.root);
      if (!mayContainAsync(text)) {
        index.addUnparsedFile(w.result->path, text);
        return;
      }
      w.tree = parseRelevant(text, w.result->path, index);
    });
  }
  for (const auto& [file, index] : indexOnly) {
    pool.async([&file = file, index = index] {
      std::string reason;
      auto source = SourceFile::load(file, reason);
      if (!source) return;
      if (!mayContainAsync(source->text())) return index->addUnparsedFile(displayPath(file), source->text());
      parseRelevant(source->text(), displayPath(file), *index);
    });
  }
  pool.wait();

  std::vector<const Rule*> rules;
  for (const auto& rule : allRules()) rules.push_back(rule.get());
  for (auto& w : work) {
    pool.async([&w, &indexes, &options, &rules] {
      FileResult& result = *w.result;
      if (!result.source) return;
      if (!w.tree) {
        result.fixedText = result.source->text();
        return;
      }
      PathOrigins origins(*w.tree);
      FileContext context{editionFor(w.file), &indexes.at(w.root), &origins};
      processFile(result, std::move(w.tree), context, w.config, options, rules);
      if (options.mode != RunMode::Apply || !result.changed()) return;
      std::string error = writeFileAtomically(w.file, result.source->toDisk(result.fixedText));
      if (!error.empty()) result.internalError = "not written: " + error;
    });
  }
  pool.wait();
  run.filesScanned = results.size();
  for (auto& r : results) run.files.push_back(std::move(r));
  return run;
}

}  // namespace corofix

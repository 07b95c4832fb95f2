// SARIF 2.1.0 as GitHub code scanning reads it: one run, every linked-in check (once) in
// tool.driver.rules, one result per finding with a line-hash fingerprint, and the fix as a SARIF
// fix where this run leaves it to the user (not yet written to disk).
#include <algorithm>
#include <map>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"
#include "rewriter/output.h"
#include "rewriter/output_detail.h"

namespace corofix {
namespace {
using namespace output_detail;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

constexpr const char* kSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr const char* kSourceRoot = "%SRCROOT%";

Value string(std::string_view text) {
  return llvm::json::isUTF8(text) ? Value(std::string(text)) : Value(llvm::json::fixUTF8(text));
}
Value message(std::string_view text) { return Object{{"text", string(text)}}; }

/// RFC 3986 percent-encoding of a path; `/` stays.
std::string percentEncoded(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri;
  for (unsigned char byte : path) {
    if (llvm::isAlnum(byte) || byte == '/' || byte == '-' || byte == '.' || byte == '_' || byte == '~') {
      uri += static_cast<char>(byte);
    } else {
      uri += '%';
      uri += kHex[byte >> 4];
      uri += kHex[byte & 15];
    }
  }
  return uri;
}

/// Artifact locations: relative to %SRCROOT% (the working directory) where the file is under it,
/// an absolute file URI otherwise.
class ArtifactLocations {
 public:
  ArtifactLocations() {
    llvm::SmallString<256> cwd;
    if (!llvm::sys::fs::current_path(cwd)) root_ = std::string(cwd);
  }

  Value of(std::string_view path) const {
    llvm::SmallString<256> normal(path);
    llvm::sys::path::remove_dots(normal, /*remove_dot_dot=*/true);
    std::string_view relative = normal.str();
    if (llvm::sys::path::is_absolute(normal)) {
      if (root_.empty() || !normal.str().startswith(root_ + "/")) return fileUri(normal.str());
      relative.remove_prefix(root_.size() + 1);
    } else if (relative.starts_with("../") || relative == "..") {
      if (root_.empty()) return fileUri(normal.str());
      llvm::SmallString<256> absolute(normal);
      llvm::sys::fs::make_absolute(root_, absolute);
      llvm::sys::path::remove_dots(absolute, true);
      return fileUri(absolute.str());
    }
    return Object{{"uri", percentEncoded(relative)}, {"uriBaseId", kSourceRoot}};
  }

  /// run.originalUriBaseIds, so that consumers other than GitHub can resolve relative URIs.
  Value baseIds() const {
    if (root_.empty()) return Object{};
    return Object{{kSourceRoot, Object{{"uri", "file://" + percentEncoded(root_ + "/")}}}};
  }

 private:
  static Value fileUri(std::string_view absolute) { return Object{{"uri", "file://" + percentEncoded(absolute)}}; }
  std::string root_;
};

/// SARIF columns count UTF-16 code units (run.columnKind); ours count bytes.
uint32_t utf16Column(std::string_view line, uint32_t byteColumn) {
  uint32_t units = 0;
  for (unsigned char byte : line.substr(0, std::min<size_t>(byteColumn - 1, line.size())))
    if ((byte & 0xC0) != 0x80) units += byte >= 0xF0 ? 2 : 1;  // 4-byte sequences are surrogate pairs
  return units + 1;
}

/// A region from byte offsets in the text that `lines` indexes.
Value region(const LineIndex& lines, TextRange range) {
  uint32_t startLine = lines.line(range.begin), endLine = lines.line(range.end);
  return Object{{"startLine", startLine},
                {"startColumn", utf16Column(lines.lineText(startLine), lines.column(range.begin))},
                {"endLine", endLine},
                {"endColumn", utf16Column(lines.lineText(endLine), lines.column(range.end))}};
}

Value physicalLocation(const Value& artifact, const LineIndex& lines, TextRange range) {
  return Object{{"physicalLocation", Object{{"artifactLocation", artifact}, {"region", region(lines, range)}}}};
}

/// The first paragraph of the doc's "What it finds" section, else the summary.
std::string fullDescription(const Rule& rule) {
  std::optional<std::string_view> doc = ruleDoc(rule.id());
  constexpr std::string_view kHeading = "## What it finds\n";
  size_t at = doc ? doc->find(kHeading) : std::string_view::npos;
  if (at == std::string_view::npos) return std::string(rule.summary());
  std::string_view rest = doc->substr(at + kHeading.size());
  rest.remove_prefix(std::min(rest.find_first_not_of('\n'), rest.size()));
  std::string paragraph(rest.substr(0, rest.find("\n\n")));
  while (!paragraph.empty() && paragraph.back() == '\n') paragraph.pop_back();
  std::replace(paragraph.begin(), paragraph.end(), '\n', ' ');  // Markdown's wrapped lines, as one line
  return paragraph.empty() ? std::string(rule.summary()) : paragraph;
}

/// SARIF wants `name` readable and different from `id`: "forward-await" -> "ForwardAwait".
std::string pascalCase(std::string_view id) {
  std::string name;
  bool upper = true;
  for (char c : id) {
    if (c == '-' || c == '_') {
      upper = true;
      continue;
    }
    name += upper ? llvm::toUpper(c) : c;
    upper = false;
  }
  return name;
}

Value ruleJson(std::string_view id, const Rule* rule) {
  std::string summary = rule ? std::string(rule->summary()) : std::string(id);
  std::optional<std::string_view> doc = ruleDoc(id);
  std::string help = doc ? std::string(*doc) : summary;
  return Object{{"id", string(id)},
                {"name", string(pascalCase(id))},
                {"shortDescription", message(summary)},
                {"fullDescription", message(rule ? fullDescription(*rule) : summary)},
                {"help", Object{{"text", string(help)}, {"markdown", string(help)}}},
                {"defaultConfiguration", Object{{"level", "warning"}}}};
}

/// tool.driver.rules: every linked-in check once, then any check a finding names that is not linked in,
/// so that every result has a ruleIndex.
class RuleTable {
 public:
  explicit RuleTable(const RunResult& run) {
    for (const CheckHalves& check : allChecks()) add(check.first->id(), check.first);
    for (const FileResult& file : run.files)
      for (const ReportedFinding& reported : file.findings)
        if (!index_.count(reported.finding.check)) add(reported.finding.check, nullptr);
  }
  unsigned indexOf(std::string_view id) const { return index_.find(id)->second; }
  Array take() { return std::move(rules_); }

 private:
  void add(std::string_view id, const Rule* rule) {
    index_.emplace(std::string(id), rules_.size());
    rules_.push_back(ruleJson(id, rule));
  }
  std::map<std::string, unsigned, std::less<>> index_;
  Array rules_;
};

std::string trimmed(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  return std::string(text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1));
}

/// GitHub's `hash:index` fingerprint: a hash of the check and the trimmed source line, numbered by
/// occurrence within the file, so results survive edits elsewhere in the file.
class LineHashes {
 public:
  std::string next(const ReportedFinding& reported) {
    uint64_t hash = llvm::xxHash64(reported.finding.check + "\n" + trimmed(reported.sourceLine));
    std::string hex = llvm::formatv("{0:x-16}", hash).str();
    return hex + ":" + std::to_string(++occurrences_[hash]);
  }

 private:
  std::map<uint64_t, unsigned> occurrences_;
};

/// A fix is offered in SARIF while it is still the user's to apply: in check mode, for an unsafe
/// fix not taken, or in diff mode. Only first-pass findings: their edits refer to the file as read.
bool offersFix(const ReportedFinding& reported, const OutputOptions& options, const FilePositions& positions) {
  const Fix& fix = reported.finding.fix;
  if (fix.edits.empty() || fix.applicability == Applicability::Unavailable || !positions.inSourceText(reported))
    return false;
  return reported.outcome == Outcome::Fixable || reported.outcome == Outcome::NeedsUnsafeFixes ||
         (reported.outcome == Outcome::Applied && options.mode == RunMode::Diff);
}

/// Inserted text in the file's own line ends; the BOM that toDisk adds belongs to the file start only.
std::string diskFragment(const SourceFile& source, std::string_view text) {
  std::string disk = source.toDisk(text);
  if (source.hasBom() && std::string_view(disk).starts_with("\xEF\xBB\xBF")) disk.erase(0, 3);
  return disk;
}

Value fixJson(const FileResult& file, const ReportedFinding& reported, const LineIndex& lines, const Value& artifact) {
  Array replacements;
  for (const TextEdit& edit : reported.finding.fix.edits)
    replacements.push_back(Object{{"deletedRegion", region(lines, edit.range)},
                                  {"insertedContent", message(diskFragment(*file.source, edit.replacement))}});
  return Object{
      {"description", message(reported.finding.fix.description)},
      {"artifactChanges", Array{Object{{"artifactLocation", artifact}, {"replacements", std::move(replacements)}}}}};
}

Value resultJson(const FileResult& file, const FilePositions& positions, const ReportedFinding& reported,
                 const Value& artifact, const RuleTable& rules, LineHashes& hashes, const OutputOptions& options) {
  const Finding& finding = reported.finding;
  const LineIndex& lines = positions.linesOf(reported);
  Array related;
  for (const Note& note : finding.notes) {
    Value location = physicalLocation(artifact, lines, note.range);
    location.getAsObject()->try_emplace("id", related.size());
    location.getAsObject()->try_emplace("message", message(note.message));
    related.push_back(std::move(location));
  }
  Object result{{"ruleId", string(finding.check)},
                {"ruleIndex", rules.indexOf(finding.check)},
                {"level", reported.isError ? "error" : "warning"},
                {"message", message(finding.message)},
                {"locations", Array{physicalLocation(artifact, lines, finding.range)}},
                {"partialFingerprints", Object{{"primaryLocationLineHash", hashes.next(reported)}}},
                {"properties", Object{{"outcome", string(outcomeName(reported.outcome))},
                                      {"fixApplicability", string(applicabilityName(finding.fix.applicability))}}}};
  if (reported.outcome == Outcome::RejectedByCompiler)
    (*result.getObject("properties"))["compilerError"] = string(reported.compilerError);
  if (!related.empty()) result["relatedLocations"] = std::move(related);
  if (offersFix(reported, options, positions)) result["fixes"] = Array{fixJson(file, reported, lines, artifact)};
  return result;
}

/// Skipped files and internal errors, as invocation notifications.
Value invocationJson(const RunResult& run, const ArtifactLocations& artifacts) {
  Array notifications;
  bool successful = true;
  for (const FileResult* file : filesByPath(run)) {
    auto notify = [&](const char* level, std::string text) {
      notifications.push_back(Object{{"level", level},
                                     {"message", message(text)},
                                     {"locations", Array{Object{{"physicalLocation",
                                                                 Object{{"artifactLocation", artifacts.of(file->path)}}}}}}});
    };
    if (file->skipped) notify("warning", "skipped: " + *file->skipped);
    if (file->internalError) {
      notify("error", *file->internalError);
      successful = false;
    }
  }
  return Object{{"executionSuccessful", successful}, {"toolExecutionNotifications", std::move(notifications)}};
}

}  // namespace

void printSarif(const RunResult& run, const OutputOptions& options, llvm::raw_ostream& out) {
  ArtifactLocations artifacts;
  RuleTable rules(run);
  Array results;
  for (const FileResult* file : filesByPath(run)) {
    Value artifact = artifacts.of(file->path);
    FilePositions positions(*file);
    LineHashes hashes;
    for (const ReportedFinding* reported : findingsByPosition(*file))
      results.push_back(resultJson(*file, positions, *reported, artifact, rules, hashes, options));
  }
  Object driver{{"name", "coro-fix"},
                {"version", CORO_FIX_VERSION},
                {"rules", rules.take()}};
  Object sarifRun{{"tool", Object{{"driver", std::move(driver)}}},
                  {"columnKind", "utf16CodeUnits"},
                  {"originalUriBaseIds", artifacts.baseIds()},
                  {"invocations", Array{invocationJson(run, artifacts)}},
                  {"results", std::move(results)}};
  Value log = Object{{"$schema", kSchema}, {"version", "2.1.0"}, {"runs", Array{std::move(sarifRun)}}};
  out << llvm::formatv("{0:2}", log) << "\n";
}

}  // namespace corofix

// --export-fixes: the YAML that clang-tidy writes and clang-apply-replacements reads, written with
// clang's own types and YAML traits so that the two tools agree on every field.
#include <algorithm>
#include <map>

#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/YAMLTraits.h"
#include "rewriter/output.h"
#include "rewriter/output_detail.h"
#include "rewriter/syntax.h"

namespace corofix {
namespace {
using namespace output_detail;
using clang::tooling::Replacement;

/// `path` made absolute against `base` (the working directory if empty), as clang-tidy writes paths.
std::string absolutePath(std::string_view path, std::string_view base) {
  llvm::SmallString<256> absolute(path);
  if (base.empty())
    llvm::sys::fs::make_absolute(absolute);
  else
    llvm::sys::fs::make_absolute(base, absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  return std::string(absolute);
}

/// Replacement text in the file's own line ends. toDisk also restores the BOM, which belongs at the
/// start of the file and never inside a replacement (diskOffset already steps over it).
std::string diskText(const SourceFile& source, std::string_view text) {
  std::string disk = source.toDisk(text);
  if (source.hasBom() && std::string_view(disk).starts_with("\xEF\xBB\xBF")) disk.erase(0, 3);
  return disk;
}

/// The fix's edits as clang Replacements on disk bytes, or nullopt if clang would reject them as
/// order-dependent. An insertion next to another edit at the same offset is merged into it, in the
/// fix's order, since clang cannot order two edits at one offset.
std::optional<clang::tooling::Replacements> diskReplacements(const SourceFile& source, const std::string& filePath,
                                                             const Fix& fix) {
  std::vector<TextEdit> edits = fix.edits;
  std::stable_sort(edits.begin(), edits.end(), [](const TextEdit& a, const TextEdit& b) {
    return std::tie(a.range.begin, a.range.end) < std::tie(b.range.begin, b.range.end);
  });
  std::vector<TextEdit> merged;
  for (const TextEdit& edit : edits) {
    bool touchesInsertion = !merged.empty() && merged.back().range.end == edit.range.begin &&
                            (merged.back().range.begin == merged.back().range.end || edit.range.begin == edit.range.end);
    if (touchesInsertion) {
      merged.back().range.end = edit.range.end;
      merged.back().replacement += edit.replacement;
    } else {
      merged.push_back(edit);
    }
  }
  clang::tooling::Replacements replacements;
  for (const TextEdit& edit : merged) {
    uint32_t begin = source.diskOffset(edit.range.begin), end = source.diskOffset(edit.range.end);
    if (llvm::Error error = replacements.add(Replacement(filePath, begin, end - begin, diskText(source, edit.replacement)))) {
      llvm::consumeError(std::move(error));
      return std::nullopt;
    }
  }
  return replacements;
}

clang::tooling::DiagnosticMessage diskMessage(const std::string& text, const SourceFile& source,
                                              const std::string& filePath, TextRange range) {
  clang::tooling::DiagnosticMessage message(text);
  message.FilePath = filePath;
  message.FileOffset = source.diskOffset(range.begin);
  clang::tooling::FileByteRange bytes;
  bytes.FilePath = filePath;
  bytes.FileOffset = message.FileOffset;
  bytes.Length = source.diskOffset(range.end) - message.FileOffset;
  message.Ranges.push_back(std::move(bytes));
  return message;
}

clang::tooling::Diagnostic diagnosticFor(const SourceFile& source, const std::string& filePath,
                                         const ReportedFinding& reported, clang::tooling::Replacements replacements,
                                         const std::string& directory) {
  const Finding& finding = reported.finding;
  clang::tooling::DiagnosticMessage message = diskMessage(finding.message, source, filePath, finding.range);
  message.Fix[filePath] = std::move(replacements);
  llvm::SmallVector<clang::tooling::DiagnosticMessage, 1> notes;
  for (const Note& note : finding.notes) notes.push_back(diskMessage(note.message, source, filePath, note.range));
  auto level = reported.isError ? clang::tooling::Diagnostic::Error : clang::tooling::Diagnostic::Warning;
  return clang::tooling::Diagnostic(finding.check, message, notes, level, directory);
}

/// Adds `more` to `taken` if none of them conflicts with what is already there.
bool addAll(clang::tooling::Replacements& taken, const clang::tooling::Replacements& more) {
  clang::tooling::Replacements candidate = taken;
  for (const Replacement& replacement : more) {
    if (llvm::Error error = candidate.add(replacement)) {
      llvm::consumeError(std::move(error));
      return false;
    }
  }
  taken = std::move(candidate);
  return true;
}

/// Whether `group`, a parenthesised token tree inside a macro's tokens, reads as a one-element tuple
/// `(x,)`: its only top-level comma is the last token before `)`.
bool isOneElementTupleTokens(Node group) {
  std::vector<Node> tokens = group.children();
  if (tokens.size() < 4 || !tokens.front().is("(") || !tokens.back().is(")")) return false;
  auto commas = std::count_if(tokens.begin(), tokens.end(), [](Node token) { return token.is(","); });
  return commas == 1 && tokens[tokens.size() - 2].is(",");
}

/// clang-apply-replacements runs clang-format's C++ cleanup over each statement a replacement
/// touches, and that deletes a comma before `)`: harmless in a call, but `(x,)`, a one-element
/// tuple, becomes `(x)`, which changes its type (and, in `println!("{:?}", (x,))`, the output).
/// Whether `text` has such a tuple anywhere.
bool hasOneElementTuple(std::string_view text) {
  std::unique_ptr<SyntaxTree> tree = SyntaxTree::parseRust(text);
  bool found = false;
  walk(tree->root(), [&](Node node) {
    if (node.is("tuple_expression") || node.is("tuple_type") || node.is("tuple_pattern"))
      found = node.namedChildren().size() == 1;
    else if (node.is("token_tree") && node.parent().is("token_tree"))
      found = isOneElementTupleTokens(node);
    return !found;
  });
  return found;
}

struct FileExport {
  std::vector<clang::tooling::Diagnostic> diagnostics;  // by position
  std::string leftOut;                                   // why the file's fixes were left out, if they were
};

/// The file's diagnostics to export. Fixes are taken in the engine's order, and one that overlaps
/// a fix already taken is left out (as the engine's first pass defers it): a conflict would make
/// clang-apply-replacements refuse the whole file.
FileExport fileExport(const FileResult& file, const OutputOptions& options, const std::string& filePath,
                      const std::string& directory) {
  FilePositions positions(file);
  clang::tooling::Replacements taken;
  std::map<const ReportedFinding*, clang::tooling::Diagnostic> exported;
  for (const ReportedFinding& reported : file.findings) {
    // Only the first pass's fixes: later passes' edits refer to text that is not on disk.
    if (!fixIsTaken(reported, options) || !positions.inSourceText(reported)) continue;
    std::optional<clang::tooling::Replacements> replacements =
        diskReplacements(*file.source, filePath, reported.finding.fix);
    if (!replacements || !addAll(taken, *replacements)) continue;
    exported.emplace(&reported, diagnosticFor(*file.source, filePath, reported, std::move(*replacements), directory));
  }
  if (exported.empty()) return {};
  llvm::Expected<std::string> fixed =
      clang::tooling::applyAllReplacements(file.source->toDisk(file.source->text()), taken);
  if (!fixed) return {{}, llvm::toString(fixed.takeError())};
  if (hasOneElementTuple(*fixed))
    return {{}, "it has a one-element tuple `(x,)`, which clang-apply-replacements' cleanup would turn into `(x)`; "
                "use coro-fix --apply"};
  FileExport result;
  for (const ReportedFinding* reported : findingsByPosition(file))
    if (auto it = exported.find(reported); it != exported.end()) result.diagnostics.push_back(std::move(it->second));
  return result;
}

}  // namespace

std::string exportFixesYaml(const RunResult& run, const OutputOptions& options, std::string_view buildDirectory) {
  // Relative paths are taken relative to the build directory, itself relative to the working one.
  std::string directory = absolutePath(buildDirectory.empty() ? "." : buildDirectory, "");
  clang::tooling::TranslationUnitDiagnostics document;
  // clang-tidy names the first file it was given.
  if (!run.files.empty()) document.MainSourceFile = absolutePath(run.files.front().path, directory);
  // Files left out are named in YAML comments, which clang-apply-replacements skips.
  std::string yaml;
  for (const FileResult* file : filesByPath(run)) {
    if (!file->source) continue;
    FileExport exported = fileExport(*file, options, absolutePath(file->path, directory), directory);
    if (!exported.leftOut.empty()) {
      std::string comment = file->path + ": fixes left out: " + exported.leftOut;
      std::replace_if(comment.begin(), comment.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
      yaml += "# " + comment + "\n";
    }
    for (auto& diagnostic : exported.diagnostics) document.Diagnostics.push_back(std::move(diagnostic));
  }
  llvm::raw_string_ostream stream(yaml);
  llvm::yaml::Output output(stream);
  output << document;
  stream.flush();
  return yaml;
}

}  // namespace corofix

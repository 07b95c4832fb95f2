#include "rewriter/cpp_frontend.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/Lexer.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "rewriter/compile_commands.h"
#include "rewriter/discovery.h"
#include "rewriter/fixes.h"
#include "rewriter/suppression.h"
#include "spdlog/spdlog.h"

namespace corofix {
namespace {

/// One given C++ file: its result, and the findings the translation units placed in it.
struct CppFile {
  std::string file;      // absolute, as discovered
  std::string realPath;  // symlinks resolved, to recognise it in Clang's file names
  Config config;
  FileResult result;
  std::vector<Finding> findings;  // merged over translation units, each finding once
  std::set<std::tuple<std::string, uint32_t, uint32_t, std::string>> seen;
};

using GivenFiles = std::map<std::string, CppFile*, std::less<>>;  // by real path

/// What one translation unit yielded.
struct UnitResult {
  std::vector<std::pair<CppFile*, Finding>> findings;
  std::optional<std::string> notAnalysed;  // why, when Clang could not parse it
};

std::string realPathIn(llvm::vfs::FileSystem& fs, llvm::StringRef name) {
  llvm::SmallString<256> real;
  if (fs.getRealPath(name, real)) return name.str();
  return std::string(real);
}

/// A replacement in the normalised text of a CRLF file: Clang's text (copied from the file) has CRLFs.
std::string withLfLineEndings(llvm::StringRef text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
  return out;
}

/// Maps one translation unit's findings from Clang's locations into the given files' texts.
class FindingMapper {
 public:
  FindingMapper(const clang::SourceManager& sources, const clang::LangOptions& lang, const GivenFiles& given)
      : sources_(sources), lang_(lang), given_(given) {}

  /// The file and the finding in its text; nullopt when the finding lies in a macro expansion, a
  /// system header or a file that was not given.
  std::optional<std::pair<CppFile*, Finding>> map(CppFinding cpp) {
    clang::SourceLocation begin = cpp.range.getBegin();
    if (cpp.range.isInvalid() || begin.isMacroID() || cpp.range.getEnd().isMacroID()) return std::nullopt;
    if (sources_.isInSystemHeader(begin)) return std::nullopt;
    clang::FileID id = sources_.getFileID(begin);
    CppFile* file = givenFile(id);
    if (!file) return std::nullopt;
    auto range = textRange(cpp.range, id, *file);
    if (!range) return std::nullopt;
    Finding out{std::move(cpp.check), std::move(cpp.message), *range, {}, mapFix(std::move(cpp.fix), *file)};
    for (CppNote& note : cpp.notes)
      if (auto noteRange = textRange(note.range, id, *file)) out.notes.push_back({*noteRange, std::move(note.message)});
    return std::make_pair(file, std::move(out));
  }

 private:
  /// The given file behind `id`, if Clang read the same text coro-fix did.
  CppFile* givenFile(clang::FileID id) {
    auto [cached, inserted] = files_.try_emplace(id, nullptr);
    if (!inserted) return cached->second;
    auto entry = sources_.getFileEntryRefForID(id);
    if (!entry) return nullptr;
    auto it = given_.find(realPathIn(fileSystem(), entry->getName()));
    if (it == given_.end()) return nullptr;
    const SourceFile& source = *it->second->result.source;
    if (sources_.getBufferData(id) != source.toDisk(source.text())) {
      spdlog::warn("{}: changed while coro-fix read it; its findings are dropped", it->second->result.path);
      return nullptr;
    }
    return cached->second = it->second;
  }

  std::optional<TextRange> textRange(clang::CharSourceRange range, clang::FileID id, const CppFile& file) {
    if (range.getBegin().isMacroID() || range.getEnd().isMacroID()) return std::nullopt;
    clang::CharSourceRange chars = clang::Lexer::makeFileCharRange(range, sources_, lang_);
    if (chars.isInvalid()) return std::nullopt;
    auto [beginFile, begin] = sources_.getDecomposedLoc(chars.getBegin());
    auto [endFile, end] = sources_.getDecomposedLoc(chars.getEnd());
    if (beginFile != id || endFile != id) return std::nullopt;
    const SourceFile& source = *file.result.source;
    return TextRange{source.textOffset(begin), source.textOffset(end)};
  }

  Fix mapFix(CppFix fix, const CppFile& file) {
    Fix out{fix.applicability, std::move(fix.description), std::move(fix.reason), {}};
    const SourceFile& source = *file.result.source;
    for (const clang::tooling::Replacement& edit : fix.edits) {
      if (realPathIn(fileSystem(), edit.getFilePath()) != file.realPath)
        return Fix::unavailable("internal: the fix edits another file than the finding's, so it was not applied");
      TextRange range{source.textOffset(edit.getOffset()), source.textOffset(edit.getOffset() + edit.getLength())};
      llvm::StringRef replacement = edit.getReplacementText();
      out.edits.push_back({range, source.usesCrlf() ? withLfLineEndings(replacement) : replacement.str()});
    }
    return out;
  }

  llvm::vfs::FileSystem& fileSystem() { return sources_.getFileManager().getVirtualFileSystem(); }

  const clang::SourceManager& sources_;
  const clang::LangOptions& lang_;
  const GivenFiles& given_;
  std::map<clang::FileID, CppFile*> files_;
};

/// The first error Clang reports, with its place, for the reason a unit was not analysed.
class FirstError : public clang::DiagnosticConsumer {
 public:
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic& info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level < clang::DiagnosticsEngine::Error || !message.empty()) return;
    llvm::SmallString<128> text;
    info.FormatDiagnostic(text);
    if (info.hasSourceManager() && info.getLocation().isValid()) {
      clang::PresumedLoc at = info.getSourceManager().getPresumedLoc(info.getLocation());
      if (at.isValid()) message = std::string(at.getFilename()) + ":" + std::to_string(at.getLine()) + ": ";
    }
    message += std::string(text);
  }
  std::string message;
};

class RunRules : public clang::ASTConsumer {
 public:
  RunRules(const std::vector<const CppRule*>& rules, const Config& config, const GivenFiles& given, UnitResult& out)
      : rules_(rules), config_(config), given_(given), out_(out) {}

  void HandleTranslationUnit(clang::ASTContext& ast) override {
    if (ast.getDiagnostics().hasErrorOccurred()) return;  // a partial AST would mislead the rules
    FindingMapper mapper(ast.getSourceManager(), ast.getLangOpts(), given_);
    CppRuleInput input{ast, config_.options};
    for (const CppRule* rule : rules_) {
      if (!config_.checks.contains(rule->id())) continue;
      for (CppFinding& finding : rule->check(input))
        if (auto mapped = mapper.map(std::move(finding))) out_.findings.push_back(std::move(*mapped));
    }
  }

 private:
  const std::vector<const CppRule*>& rules_;
  const Config& config_;
  const GivenFiles& given_;
  UnitResult& out_;
};

class RunRulesAction : public clang::ASTFrontendAction {
 public:
  RunRulesAction(const std::vector<const CppRule*>& rules, const Config& config, const GivenFiles& given,
                 UnitResult& out)
      : rules_(rules), config_(config), given_(given), out_(out) {}
  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance&, llvm::StringRef) override {
    return std::make_unique<RunRules>(rules_, config_, given_, out_);
  }

 private:
  const std::vector<const CppRule*>& rules_;
  const Config& config_;
  const GivenFiles& given_;
  UnitResult& out_;
};

/// Parses one translation unit with its command and runs the rules on it.
UnitResult analyseUnit(const clang::tooling::CompileCommand& command, const Config& config,
                       const std::vector<const CppRule*>& rules, const GivenFiles& given) {
  UnitResult out;
  // A file system of its own: its working directory is the command's, without a process-wide chdir.
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fileSystem(llvm::vfs::createPhysicalFileSystem().release());
  fileSystem->setCurrentWorkingDirectory(command.Directory);
  auto files = llvm::makeIntrusiveRefCnt<clang::FileManager>(clang::FileSystemOptions(), fileSystem);
  FirstError errors;
  clang::tooling::ToolInvocation invocation(command.CommandLine,
                                            std::make_unique<RunRulesAction>(rules, config, given, out), files.get());
  invocation.setDiagnosticConsumer(&errors);
  bool parsed = invocation.run();
  if (!errors.message.empty())
    out.notAnalysed = "not analysed: Clang reports an error (" + errors.message + "); check its compile command";
  else if (!parsed)
    out.notAnalysed = "not analysed: Clang could not run its compile command";
  if (out.notAnalysed) out.findings.clear();
  return out;
}

/// Every comment's range, in order (the raw lexer needs no compile command).
std::vector<TextRange> commentRanges(const std::string& text) {
  clang::LangOptions lang;
  lang.CPlusPlus = lang.CPlusPlus11 = lang.CPlusPlus14 = lang.CPlusPlus17 = lang.CPlusPlus20 = true;
  lang.LineComment = true;
  clang::Lexer lexer(clang::SourceLocation(), lang, text.data(), text.data(), text.data() + text.size());
  lexer.SetCommentRetentionState(true);
  std::vector<TextRange> out;
  clang::Token token;
  for (bool atEnd = false; !atEnd;) {
    atEnd = lexer.LexFromRawLexer(token);
    if (!token.is(clang::tok::comment)) continue;
    auto end = static_cast<uint32_t>(lexer.getBufferLocation() - text.data());
    out.push_back({end - token.getLength(), end});
  }
  return out;
}

/// Reports a file's merged findings and applies the fixes the run takes, in one pass.
void finishFile(CppFile& file, const RunOptions& options) {
  FileResult& result = file.result;
  if (!result.source) return;
  const std::string& text = result.source->text();
  LineIndex lines(text);
  Suppressions suppressions(text);
  for (Finding& finding : file.findings) {
    if (!file.config.checks.contains(finding.check)) continue;
    if (auto reported = placeFinding(std::move(finding), lines, suppressions, file.config))
      result.findings.push_back(std::move(*reported));
  }
  std::stable_sort(result.findings.begin(), result.findings.end(), [](const auto& a, const auto& b) {
    return a.finding.range.begin < b.finding.range.begin;
  });
  std::vector<size_t> selected = selectFixes(result.path, result.findings, text, commentRanges(text), {}, options);
  if (selected.empty()) return;
  std::vector<const Finding*> fixes;
  for (size_t i : selected) fixes.push_back(&result.findings[i].finding);
  auto fixed = applyFixes(text, fixes, result.path);
  if (!fixed) {
    for (size_t i : selected) result.findings[i].outcome = Outcome::Reverted;
    result.internalError = "the fixes could not be applied together; none was";
    return;
  }
  result.setFixedText(std::move(*fixed));
  result.fixesApplied = fixes.size();
  recordApplied(result.applied, fixes);
  result.passes = 1;
  writeIfApplying(result, file.file, options);
}

}  // namespace

std::vector<FileResult> processCppFiles(const std::vector<std::string>& files, ConfigResolver& configs,
                                        const RunOptions& options, const std::vector<const CppRule*>& rules) {
  std::vector<CppFile> given;
  for (const auto& file : files) {
    if (languageOf(file) != Language::Cpp) continue;
    std::string error;
    auto config = configs.forFile(file, error);
    if (config && ConfigResolver::isExcluded(*config, file)) continue;
    CppFile& cpp = given.emplace_back();
    cpp.file = file;
    cpp.result.path = displayPath(file);
    if (!config) cpp.result.internalError = error;
    cpp.config = config.value_or(Config{});
    llvm::SmallString<256> real;
    cpp.realPath = llvm::sys::fs::real_path(file, real) ? file : std::string(real);
  }

  llvm::ThreadPool pool(llvm::hardware_concurrency(options.jobs));
  for (CppFile& cpp : given)
    pool.async([&cpp] {
      if (cpp.result.internalError) return;
      std::string reason;
      cpp.result.source = SourceFile::load(cpp.file, reason);
      if (!cpp.result.source) cpp.result.skipped = reason;
    });
  pool.wait();
  GivenFiles byRealPath;
  for (CppFile& cpp : given)
    if (cpp.result.source) byRealPath.emplace(cpp.realPath, &cpp);

  // Commands are looked up first (the lookup caches databases and is not thread-safe).
  CompileCommands commands(options.buildPath, options.compilerFlags);
  struct Unit {
    CppFile* file;
    clang::tooling::CompileCommand command;
    UnitResult result;
  };
  std::vector<Unit> units;
  for (CppFile& cpp : given) {
    if (!cpp.result.source || !isCppTranslationUnit(cpp.file)) continue;
    std::string reason;
    if (auto command = commands.forFile(cpp.file, reason)) units.push_back({&cpp, std::move(*command), {}});
    else cpp.result.skipped = "not analysed: " + reason;
  }
  for (Unit& unit : units)
    pool.async([&unit, &rules, &byRealPath] {
      unit.result = analyseUnit(unit.command, unit.file->config, rules, byRealPath);
    });
  pool.wait();

  // Merged in file order, so that which unit's copy of a shared finding is kept does not vary.
  for (Unit& unit : units) {
    if (unit.result.notAnalysed) unit.file->result.skipped = unit.result.notAnalysed;
    for (auto& [file, finding] : unit.result.findings)
      if (file->seen.emplace(finding.check, finding.range.begin, finding.range.end, finding.message).second)
        file->findings.push_back(std::move(finding));
  }
  for (CppFile& cpp : given) pool.async([&cpp, &options] { finishFile(cpp, options); });
  pool.wait();

  std::vector<FileResult> out;
  for (CppFile& cpp : given) out.push_back(std::move(cpp.result));
  return out;
}

}  // namespace corofix

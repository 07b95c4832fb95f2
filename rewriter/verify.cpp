#include "rewriter/verify.h"

#include <algorithm>
#include <map>
#include <set>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "rewriter/process.h"
#include "llvm/Support/Regex.h"
#include "rewriter/compile_commands.h"
#include "rewriter/discovery.h"
#include "rewriter/fixes.h"
#include "rewriter/project.h"
#include "spdlog/spdlog.h"

namespace corofix {
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;
namespace {

constexpr const char* kCargoCheck = "cargo check --workspace --all-targets --message-format=json";

std::string absolute(llvm::StringRef file) {
  llvm::SmallString<256> out(file);
  fs::make_absolute(out);
  path::remove_dots(out, /*remove_dot_dot=*/true);
  return std::string(out);
}

/// `file` as the compiler named it: relative to where the check ran, or else to `fallbackDirectory`
/// (cargo names a package's files relative to the package).
std::string resolvedPath(llvm::StringRef file, const std::string& directory, llvm::StringRef fallbackDirectory = {}) {
  if (path::is_absolute(file)) return absolute(file);
  llvm::SmallString<256> joined(directory);
  path::append(joined, file);
  if (!fs::exists(joined) && !fallbackDirectory.empty()) {
    llvm::SmallString<256> other(fallbackDirectory);
    path::append(other, file);
    if (fs::exists(other)) joined = other;
  }
  return absolute(joined);
}

// --- reading a check's output ---

std::optional<ErrorLocation> spanLocation(const llvm::json::Object& span, const std::string& directory,
                                          llvm::StringRef packageDirectory) {
  auto file = span.getString("file_name");
  auto first = span.getInteger("line_start"), last = span.getInteger("line_end");
  if (!file || !first || !last) return std::nullopt;
  return ErrorLocation{resolvedPath(*file, directory, packageDirectory), static_cast<uint32_t>(*first),
                       static_cast<uint32_t>(*last)};
}

/// One line of `cargo --message-format=json`, if it is an error.
std::optional<CompilerError> cargoError(llvm::StringRef line, const std::string& directory) {
  auto parsed = llvm::json::parse(line);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return std::nullopt;
  }
  const llvm::json::Object* object = parsed->getAsObject();
  if (!object || object->getString("reason") != std::optional<llvm::StringRef>("compiler-message")) return std::nullopt;
  const llvm::json::Object* message = object->getObject("message");
  if (!message || !message->getString("level").value_or("").startswith("error")) return std::nullopt;
  std::string packageDirectory(path::parent_path(object->getString("manifest_path").value_or("")));

  CompilerError error;
  error.message = "error";
  if (const auto* code = message->getObject("code"))
    if (auto id = code->getString("code")) error.message += "[" + id->str() + "]";
  error.message += ": " + message->getString("message").value_or("").str();
  auto addSpans = [&](const llvm::json::Array* spans, bool top) {
    if (!spans) return;
    for (const llvm::json::Value& value : *spans) {
      const llvm::json::Object* span = value.getAsObject();
      if (!span) continue;
      if (auto at = spanLocation(*span, directory, packageDirectory))
        (top && span->getBoolean("is_primary").value_or(false) ? error.primary : error.related).push_back(*at);
      // A span inside a macro: the invocation is where a fix could have changed something.
      for (const auto* expansion = span->getObject("expansion"); expansion;) {
        const auto* site = expansion->getObject("span");
        if (!site) break;
        if (auto at = spanLocation(*site, directory, packageDirectory)) error.related.push_back(*at);
        expansion = site->getObject("expansion");
      }
    }
  };
  addSpans(message->getArray("spans"), true);
  if (const auto* children = message->getArray("children"))
    for (const llvm::json::Value& child : *children)
      if (const auto* object = child.getAsObject()) addSpans(object->getArray("spans"), false);
  return error;
}

uint32_t lineNumber(llvm::StringRef digits) {
  uint32_t line = 0;
  digits.getAsInteger(10, line);
  return line;
}

/// rustc's and GCC/Clang's human-readable diagnostics.
class HumanDiagnostics {
 public:
  explicit HumanDiagnostics(const std::string& directory) : directory_(directory) {}

  void read(llvm::StringRef line, std::vector<CompilerError>& errors) {
    llvm::SmallVector<llvm::StringRef, 6> m;
    if (gccStyle_.match(line, &m)) {
      ErrorLocation at{resolvedPath(m[1], directory_), lineNumber(m[2]), lineNumber(m[2])};
      if (m[4].endswith("error")) {
        errors.push_back({(m[4] + ": " + m[5]).str(), {at}, {}});
        current_ = errors.size() - 1;
      } else if (m[4] == "note" && current_) {
        errors[*current_].related.push_back(at);
      } else {
        current_.reset();
      }
    } else if (rustcHeading_.match(line, &m)) {
      current_.reset();
      if (m[1] != "error") return;
      errors.push_back({line.str(), {}, {}});
      current_ = errors.size() - 1;
    } else if (rustcArrow_.match(line, &m) && current_) {
      ErrorLocation at{resolvedPath(m[1], directory_), lineNumber(m[2]), lineNumber(m[2])};
      (errors[*current_].primary.empty() ? errors[*current_].primary : errors[*current_].related).push_back(at);
    }
  }

 private:
  const std::string& directory_;
  std::optional<size_t> current_;  // the error that following locations belong to
  llvm::Regex gccStyle_{"^([^ :][^:]*):([0-9]+):([0-9]+): (fatal error|error|warning|note): (.*)$"};
  llvm::Regex rustcHeading_{"^(error|warning|note|help)(\\[[A-Z0-9]+\\])?: "};
  llvm::Regex rustcArrow_{"^ *--> (.+):([0-9]+):([0-9]+)$"};
};

}  // namespace

std::vector<CompilerError> parseCheckOutput(std::string_view output, const std::string& directory) {
  std::vector<CompilerError> errors;
  HumanDiagnostics human(directory);
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(output).split(lines, '\n');
  for (llvm::StringRef line : lines) {
    line = line.rtrim("\r");
    if (line.startswith("{")) {
      if (auto error = cargoError(line, directory)) errors.push_back(std::move(*error));
    } else {
      human.read(line, errors);
    }
  }
  bool anyLocated = std::any_of(errors.begin(), errors.end(), [](const auto& e) { return !e.primary.empty(); });
  if (anyLocated) std::erase_if(errors, [](const auto& e) { return e.primary.empty(); });
  return errors;
}

namespace {

std::string shellQuoted(std::string_view word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// One command of a project's check.
struct Check {
  std::string directory, command;
  std::string label;  // how messages name it: "`cargo check`"
};

/// What is checked together: a Cargo root, or every C++ translation unit.
struct Project {
  std::string name;
  std::vector<Check> checks;
};

struct CheckResult {
  bool passed = true;
  std::vector<CompilerError> errors;
  std::string summary;  // for messages: the first error, or how the command ended
  std::string label;    // the check that failed
};

CheckResult runCheck(const Check& check) {
  CheckResult result{true, {}, {}, check.label};
  std::string script = "cd " + shellQuoted(check.directory) + " && " + check.command;
  std::optional<ProgramOutput> ran = runProgram("sh", {"-c", script});
  if (ran && ran->exitCode == 0) return result;
  result.passed = false;
  if (!ran) result.summary = "no `sh` to run it with";
  else if (ran->exitCode < 0) result.summary = "it could not be run: " + ran->err;
  else result.errors = parseCheckOutput(ran->out + "\n" + ran->err, check.directory);
  if (result.summary.empty() && !result.errors.empty()) {
    const CompilerError& first = result.errors.front();
    result.summary = first.primary.empty() ? first.message
                                           : displayPath(first.primary.front().file) + ":" +
                                                 std::to_string(first.primary.front().firstLine) + ": " + first.message;
  }
  if (result.summary.empty()) result.summary = "it exited with status " + std::to_string(ran->exitCode);
  return result;
}

/// An applied fix, where it now lies in the written file.
struct Site {
  std::string key;  // fixKey
  std::string file;
  uint32_t firstLine, lastLine;
  std::string project;
};

bool touches(const Site& site, const std::vector<ErrorLocation>& locations) {
  return std::any_of(locations.begin(), locations.end(), [&](const ErrorLocation& at) {
    return at.file == site.file && at.firstLine <= site.lastLine && site.firstLine <= at.lastLine;
  });
}

constexpr const char* kCppProject = "";  // every C++ translation unit, checked together

/// The project a source file is checked with: its Cargo root, or kCppProject.
std::string projectOf(const std::string& file) {
  return languageOf(file) == Language::Cpp ? std::string(kCppProject) : projectRootFor(file);
}

std::vector<Site> sitesOf(const RunResult& run) {
  std::vector<Site> sites;
  for (const FileResult& file : run.files) {
    if (!file.changed()) continue;
    std::string absoluteFile = absolute(file.path);
    LineIndex lines(file.fixedText());
    for (const AppliedFix& fix : file.applied) {
      uint32_t last = fix.range.end > fix.range.begin ? fix.range.end - 1 : fix.range.begin;
      sites.push_back({fixKey(file.path, fix.check, fix.message), absoluteFile, lines.line(fix.range.begin),
                       lines.line(last), projectOf(absoluteFile)});
    }
  }
  return sites;
}

class Verifier {
 public:
  Verifier(const std::vector<std::string>& paths, RunOptions options, const VerifyOptions& verify)
      : paths_(paths), computing_(std::move(options)), writing_(computing_), verify_(verify),
        commands_(computing_.buildPath, computing_.compilerFlags) {
    computing_.mode = RunMode::Diff;  // run() computes the fixes; this class writes and takes them back
  }

  VerifiedRun run() {
    RunResult planned = corofix::run(paths_, computing_);
    std::vector<Project> projects = projectsFor(planned);
    if (projects.empty()) return {std::move(planned), {}};
    for (const Project& project : projects) {
      CheckResult baseline = check(project);
      if (!baseline.passed) {
        std::string why = baseline.label + " fails before any fix is applied (" + baseline.summary + ")";
        return refuseAll(std::move(planned), "nothing was applied: " + why,
                         "--verify: " + why + "; fix the build first. Nothing was written.");
      }
    }
    checksBeforeFixes_ = checks_;
    for (;;) {
      RunResult result = applyRound();
      std::vector<Site> sites = sitesOf(result);
      std::map<std::string, std::string> rejected;
      std::optional<std::pair<Project, CheckResult>> unmapped;
      for (const Project& project : projectsFor(result)) {
        CheckResult outcome = check(project);
        if (outcome.passed) continue;
        size_t before = rejected.size();
        rejectMapped(outcome, sites, rejected);
        if (rejected.size() == before && !unmapped) unmapped.emplace(project, std::move(outcome));
      }
      if (rejected.empty() && !unmapped) return {std::move(result), {}};
      if (rejected.empty()) {
        if (auto culprit = bisect(unmapped->first, unmapped->second, sites)) rejected.insert(*culprit);
      }
      if (rejected.empty() || checksAfterBaseline() >= verify_.maxChecks) {
        const CheckResult& last = unmapped ? unmapped->second : CheckResult{};
        std::string why = "the check still failed after " + std::to_string(checksAfterBaseline()) + " runs" +
                          (last.summary.empty() ? "" : " (" + last.label + ": " + last.summary + ")");
        restore();
        return refuseAll(std::move(result), why + "; every file was restored",
                         "--verify: " + why + "; every file was restored to its original bytes.");
      }
      for (auto& [key, message] : rejected) spdlog::info("--verify: taking back a fix: {}", message);
      computing_.rejectedFixes.insert(rejected.begin(), rejected.end());
    }
  }

 private:
  unsigned checksAfterBaseline() const { return checks_ - checksBeforeFixes_; }

  std::vector<Project> projectsFor(const RunResult& run) {
    std::set<std::string> names;
    for (const FileResult& file : run.files)
      if (file.changed()) names.insert(projectOf(absolute(file.path)));
    std::vector<Project> projects;
    for (const std::string& name : names) projects.push_back(projectNamed(name));
    return projects;
  }

  Project projectNamed(const std::string& name) {
    bool isCpp = name == kCppProject;
    std::string directory = isCpp ? absolute(".") : name;
    if (!verify_.command.empty()) return {name, {{directory, verify_.command, "`" + verify_.command + "`"}}};
    if (!isCpp) return {name, {{directory, kCargoCheck, "`cargo check`"}}};
    Project project{name, {}};
    for (const std::string& unit : discoverSources(paths_).files) {
      if (!isCppTranslationUnit(unit)) continue;
      std::string reason;
      auto command = commands_.forChecking(unit, reason);
      if (!command) continue;  // the run reported it
      std::string line;
      for (const std::string& word : command->CommandLine) line += (line.empty() ? "" : " ") + shellQuoted(word);
      project.checks.push_back({command->Directory, line, "the compile command of " + displayPath(unit)});
    }
    return project;
  }

  CheckResult check(const Project& project) {
    ++checks_;
    for (const Check& one : project.checks) {
      spdlog::info("--verify: running {} in {}", one.label, one.directory);
      spdlog::debug("--verify: {}", one.command);
      CheckResult result = runCheck(one);
      if (!result.passed) return result;
    }
    return {};
  }

  /// The originals back, the fixes computed again (without the rejected ones), the changed files written.
  RunResult applyRound() {
    restore();
    RunResult result = corofix::run(paths_, computing_);
    for (FileResult& file : result.files) {
      if (!file.changed()) continue;
      std::string absoluteFile = absolute(file.path);
      if (!originals_.count(absoluteFile)) {
        auto bytes = llvm::MemoryBuffer::getFile(absoluteFile, /*IsText=*/false, /*RequiresNullTerminator=*/false);
        if (!bytes) {
          file.internalError = "--verify could not keep a copy of it: " + bytes.getError().message();
          file.setFixedText(file.source->text());
          continue;
        }
        originals_[absoluteFile] = (*bytes)->getBuffer().str();
      }
      written_.insert(absoluteFile);
      writeIfApplying(file, absoluteFile, writing_);
    }
    return result;
  }

  void restore() {
    for (const std::string& file : written_)
      if (std::string error = writeFileAtomically(file, originals_.at(file)); !error.empty())
        spdlog::error("{}: could not restore it: {}", displayPath(file), error);
    written_.clear();
  }

  /// Each error's fixes: those its primary locations touch, else those its notes touch.
  static void rejectMapped(const CheckResult& outcome, const std::vector<Site>& sites,
                           std::map<std::string, std::string>& rejected) {
    for (const CompilerError& error : outcome.errors) {
      std::string message = outcome.label + " rejected it: " + describe(error);
      bool any = false;
      for (const auto* locations : {&error.primary, &error.related}) {
        for (const Site& site : sites)
          if (touches(site, *locations)) rejected.emplace(site.key, message), any = true;
        if (any) break;
      }
    }
  }

  static std::string describe(const CompilerError& error) {
    if (error.primary.empty()) return error.message;
    const ErrorLocation& at = error.primary.front();
    return displayPath(at.file) + ":" + std::to_string(at.firstLine) + ": " + error.message;
  }

  /// An error no fix's text is near: halves of the suspects (the fixes in the error's file, or in
  /// the whole project) are taken back in turn until one fix is left.
  std::optional<std::pair<std::string, std::string>> bisect(const Project& project, const CheckResult& failure,
                                                             const std::vector<Site>& sites) {
    std::vector<std::string> suspects;
    std::string errorFile = failure.errors.empty() || failure.errors.front().primary.empty()
                                ? std::string()
                                : failure.errors.front().primary.front().file;
    for (bool sameFileOnly : {true, false}) {
      for (const Site& site : sites)
        if (site.project == project.name && (!sameFileOnly || site.file == errorFile) &&
            std::find(suspects.begin(), suspects.end(), site.key) == suspects.end())
          suspects.push_back(site.key);
      if (!suspects.empty()) break;
    }
    if (suspects.empty()) return std::nullopt;
    auto kept = computing_.rejectedFixes;
    while (suspects.size() > 1 && checksAfterBaseline() < verify_.maxChecks) {
      std::vector<std::string> firstHalf(suspects.begin(), suspects.begin() + suspects.size() / 2);
      std::vector<std::string> secondHalf(suspects.begin() + suspects.size() / 2, suspects.end());
      computing_.rejectedFixes = kept;
      for (const std::string& key : secondHalf) computing_.rejectedFixes.emplace(key, "");
      applyRound();
      suspects = check(project).passed ? secondHalf : firstHalf;
    }
    computing_.rejectedFixes = kept;
    if (suspects.size() != 1) return std::nullopt;
    std::string message = failure.label + " rejected it: " +
                          (failure.errors.empty() ? failure.summary : describe(failure.errors.front())) +
                          " (found by taking fixes back in turn)";
    return std::make_pair(suspects.front(), message);
  }

  /// `run` reported with none of its fixes kept, each saying `why`.
  static VerifiedRun refuseAll(RunResult run, const std::string& why, std::string error) {
    for (FileResult& file : run.files) {
      if (!file.source) continue;
      for (ReportedFinding& finding : file.findings)
        if (finding.outcome == Outcome::Applied) {
          finding.outcome = Outcome::RejectedByCompiler;
          finding.compilerError = why;
        }
      file.setFixedText(file.source->text());
      file.fixesApplied = 0;
      file.applied.clear();
    }
    return {std::move(run), std::move(error)};
  }

  const std::vector<std::string>& paths_;
  RunOptions computing_;  // Diff mode, with the fixes rejected so far
  RunOptions writing_;    // Apply mode, for the writes
  const VerifyOptions& verify_;
  CompileCommands commands_;
  std::map<std::string, std::string> originals_;  // by absolute path: the bytes before any fix
  std::set<std::string> written_;                 // files holding fixes now
  unsigned checks_ = 0, checksBeforeFixes_ = 0;
};

}  // namespace

VerifiedRun runVerified(const std::vector<std::string>& paths, RunOptions options, const VerifyOptions& verify) {
  return Verifier(paths, std::move(options), verify).run();
}

}  // namespace corofix

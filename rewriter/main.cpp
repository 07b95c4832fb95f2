// coro-fix [options] <path>...: finds coroutine bloat and rewrites it away.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "rewriter/compile_commands.h"
#include "rewriter/driver.h"
#include "rewriter/output.h"
#include "rewriter/verify.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace cl = llvm::cl;
using namespace corofix;

namespace {
cl::OptionCategory category("coro-fix options");

cl::list<std::string> paths(cl::Positional, cl::desc("<path>... [-- <compiler flags>]"), cl::cat(category));
cl::opt<std::string> buildPath("p", cl::desc("C++: the build directory holding compile_commands.json (default: the "
                                             "first one found walking up from each file)"),
                               cl::value_desc("build-dir"), cl::cat(category));
cl::opt<bool> apply("apply", cl::desc("Write the safe fixes to the files"), cl::cat(category));
cl::alias fix("fix", cl::desc("Alias for --apply"), cl::aliasopt(apply), cl::NotHidden);
cl::opt<bool> unsafeFixes("unsafe-fixes",
                          cl::desc("Also apply fixes that may change behaviour (e.g. evaluation moves earlier)"),
                          cl::cat(category));
cl::opt<bool> verify("verify",
                     cl::desc("With --apply: run the project's check (cargo check, or the C++ compile commands), "
                              "take back each fix it rejects, and restore every file if it still fails"),
                     cl::cat(category));
cl::opt<std::string> verifyCmd("verify-cmd",
                               cl::desc("The check for --verify (implies it), run with `sh -c` in each Cargo root: "
                                        "'cargo test'"),
                               cl::value_desc("command"), cl::cat(category));
cl::opt<bool> diff("diff", cl::desc("Print the fixes as a unified diff; write nothing"), cl::cat(category));
cl::opt<std::string> exportFixes("export-fixes", cl::desc("Write the fixes as YAML for clang-apply-replacements"),
                                 cl::value_desc("file"), cl::cat(category));
enum class Format { Text, Json, Sarif };
cl::opt<Format> format("format", cl::desc("Output format"), cl::init(Format::Text),
                       cl::values(clEnumValN(Format::Text, "text", "clang-tidy style diagnostics (default)"),
                                  clEnumValN(Format::Json, "json", "one JSON document"),
                                  clEnumValN(Format::Sarif, "sarif", "SARIF 2.1.0, for GitHub code scanning")),
                       cl::cat(category));
cl::opt<std::string> checks("checks", cl::desc("Check globs, appended to the configuration's: '-*,hoist-await'"),
                            cl::cat(category));
cl::opt<std::string> configFile("config-file", cl::desc("Use this configuration instead of .coro-fix.yaml files"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<bool> listChecks("list-checks", cl::desc("List the enabled checks and exit"), cl::cat(category));
cl::opt<std::string> explain("explain", cl::desc("Print a check's documentation and exit"), cl::value_desc("check"),
                             cl::cat(category));
cl::opt<unsigned> jobs("j", cl::desc("Files processed in parallel (default: all cores)"), cl::init(0),
                       cl::cat(category));
cl::opt<bool> offline("offline",
                      cl::desc("Rust: run `cargo metadata --offline`, indexing only dependencies already downloaded"),
                      cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("No summary; only diagnostics"), cl::cat(category));
cl::opt<std::string> logLevel("log-level", cl::desc("trace, debug, info, warn, error, off (default: warn)"),
                              cl::init("warn"), cl::cat(category));
cl::opt<std::string> dumpSyntax("dump-syntax", cl::desc("Print a file's tree-sitter syntax tree and exit"),
                                cl::value_desc("file"), cl::Hidden, cl::cat(category));

constexpr int kClean = 0, kFindings = 1, kError = 2;

int usageError(const std::string& message) {
  llvm::errs() << "coro-fix: error: " << message << "\nRun `coro-fix --help` for usage.\n";
  return kError;
}

int printChecks() {
  GlobList enabled("*");
  enabled.append(checks);
  for (const CheckHalves& check : allChecks()) {
    if (!enabled.contains(check.first->id())) continue;
    std::string languages;
    for (Language language : check.languages) languages += (languages.empty() ? "" : ", ") + std::string(languageName(language));
    llvm::outs() << llvm::formatv("  {0,-24} {1,-10} {2}\n", check.first->id(), languages, check.first->summary());
  }
  return kClean;
}

/// Each check id once, for messages.
std::string knownChecks() {
  std::string known;
  for (const CheckHalves& check : allChecks()) known += " " + std::string(check.first->id());
  return "known checks:" + known;
}

/// The first glob of --checks that enables nothing (a typo), if any; `-glob`s only remove.
std::optional<std::string> globMatchingNoCheck(llvm::StringRef spec) {
  llvm::SmallVector<llvm::StringRef> globs;
  spec.split(globs, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef glob : globs) {
    glob = glob.trim();
    if (glob.empty() || glob.startswith("-")) continue;
    GlobList one(glob);
    auto checks = allChecks();
    if (std::none_of(checks.begin(), checks.end(), [&](const CheckHalves& c) { return one.contains(c.first->id()); }))
      return glob.str();
  }
  return std::nullopt;
}

int printExplanation() {
  auto doc = ruleDoc(explain);
  if (!doc) return usageError("no check named '" + explain + "'; " + knownChecks());
  llvm::outs() << *doc;
  return kClean;
}

int printSyntax() {
  std::string reason;
  auto source = SourceFile::load(dumpSyntax, reason);
  if (!source) return usageError(dumpSyntax + ": " + reason);
  llvm::outs() << SyntaxTree::sexpOf(source->text()) << "\n";
  return kClean;
}

/// Takes what follows `--` off `args`: the compiler flags for C++ files without a compile command.
std::optional<std::vector<std::string>> takeCompilerFlags(std::vector<const char*>& args) {
  auto separator = std::find_if(args.begin(), args.end(), [](const char* arg) { return std::string_view(arg) == "--"; });
  if (separator == args.end()) return std::nullopt;
  std::vector<std::string> flags(separator + 1, args.end());
  args.erase(separator, args.end());
  return flags;
}

/// LLVM registers its own boolean `--color`, so ours (auto|always|never) is taken out of argv
/// before LLVM parses it. Returns the remaining arguments, or nullopt on a bad value.
std::optional<std::vector<const char*>> takeColorOption(const std::vector<const char*>& argv, bool& color) {
  std::string_view value = "auto";
  std::vector<const char*> rest;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    if (arg == "--color" || arg == "-color") {
      if (i + 1 >= argv.size()) return std::nullopt;
      value = argv[++i];
    } else if (arg.substr(0, 8) == "--color=" || arg.substr(0, 7) == "-color=") {
      value = arg.substr(arg.find('=') + 1);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (value != "auto" && value != "always" && value != "never") return std::nullopt;
  color = value == "always" ||
          (value == "auto" && llvm::sys::Process::StandardOutIsDisplayed() && !std::getenv("NO_COLOR"));
  return rest;
}

int exitStatus(const RunResult& result, RunMode mode) {
  bool remaining = false, changed = false;
  for (const auto& file : result.files) {
    if (file.internalError) return kError;
    changed |= file.changed();
    for (const auto& f : file.findings) remaining |= f.outcome != Outcome::Applied;
  }
  return remaining || (mode == RunMode::Diff && changed) ? kFindings : kClean;
}

}  // namespace

int main(int argc, char** argv) {
  cl::SetVersionPrinter([](llvm::raw_ostream& out) { out << "coro-fix " CORO_FIX_VERSION "\n"; });
  cl::HideUnrelatedOptions(category);
  std::vector<const char*> arguments(argv, argv + argc);
  std::optional<std::vector<std::string>> compilerFlags = takeCompilerFlags(arguments);
  bool color = false;
  auto args = takeColorOption(arguments, color);
  if (!args) return usageError("--color takes auto, always or never");
  cl::ParseCommandLineOptions(static_cast<int>(args->size()), args->data(),
                              "coro-fix: finds the hidden cost of coroutines and rewrites it away.\n\n"
                              "  Checks by default; --apply writes the safe fixes, --diff shows them.\n"
                              "  --color=auto|always|never: colored output (auto honours NO_COLOR).\n"
                              "  C++ files are parsed with Clang: their compile command comes from\n"
                              "  compile_commands.json (-p, or found above each file), else from the flags\n"
                              "  after `--`, e.g. `coro-fix src -- -std=c++20 -Iinclude`. Headers are\n"
                              "  analysed through the files that include them; only the given paths are edited.\n"
                              "  Exit status: 0 clean, 1 findings remain, 2 usage or internal error.\n");
  auto logger = spdlog::stderr_color_mt("coro-fix");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("coro-fix: %l: %v");
  auto level = spdlog::level::from_str(logLevel);
  if (level == spdlog::level::off && logLevel != "off") return usageError("unknown --log-level '" + logLevel + "'");
  spdlog::set_level(level);

  if (!dumpSyntax.empty()) return printSyntax();
  if (!explain.empty()) return printExplanation();
  if (auto typo = globMatchingNoCheck(checks)) return usageError("--checks: '" + *typo + "' matches no check; " + knownChecks());
  if (listChecks) return printChecks();
  if (paths.empty()) return usageError("no paths given");
  if (apply && diff) return usageError("--apply and --diff cannot be combined (--diff writes nothing)");
  bool verifying = verify || !verifyCmd.empty();
  if (verifying && !apply) return usageError("--verify checks the fixes it writes: it needs --apply");

  RunOptions options;
  options.mode = apply ? RunMode::Apply : diff ? RunMode::Diff : RunMode::Check;
  options.unsafeFixes = unsafeFixes;
  options.jobs = jobs;
  options.configFile = configFile;
  options.checks = checks;
  options.buildPath = buildPath;
  options.compilerFlags = compilerFlags;
  options.dependencies.offline = offline;
  if (!buildPath.empty()) {
    std::string problem = CompileCommands::problemWithBuildPath(buildPath);
    if (!problem.empty()) return usageError("-p " + buildPath + ": " + problem);
  }
  if (!configFile.empty() && !llvm::sys::fs::exists(configFile))
    return usageError("--config-file " + configFile + ": no such file");

  std::vector<std::string> inputs(paths.begin(), paths.end());
  RunResult result;
  std::string verifyError;
  if (verifying) {
    VerifiedRun verified = runVerified(inputs, options, VerifyOptions{verifyCmd});
    result = std::move(verified.result);
    verifyError = std::move(verified.error);
  } else {
    result = corofix::run(inputs, options);
  }

  OutputOptions output{options.mode, options.unsafeFixes, color, quiet};
  if (options.mode == RunMode::Diff)
    for (const auto& file : result.files)
      if (file.changed())
        llvm::outs() << unifiedDiff(file.path, file.source->toDisk(file.source->text()),
                                    file.source->toDisk(file.fixedText()));
  switch (format) {
    case Format::Text:
      printText(result, output, options.mode == RunMode::Diff ? llvm::errs() : llvm::outs(), llvm::errs());
      break;
    case Format::Json: printJson(result, output, llvm::outs()); break;
    case Format::Sarif: printSarif(result, output, llvm::outs()); break;
  }
  if (!exportFixes.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream out(exportFixes, ec);
    if (ec) return usageError("--export-fixes " + exportFixes + ": " + ec.message());
    llvm::SmallString<256> cwd;
    llvm::sys::fs::current_path(cwd);
    out << exportFixesYaml(result, output, cwd.str());
  }
  if (!verifyError.empty()) {
    llvm::errs() << "coro-fix: error: " << verifyError << "\n";
    return kError;
  }
  // The run's memory (every file's text, the indexes) is left for the system to reclaim: freeing it
  // piece by piece takes a tenth of a second on a large tree, as clang's -disable-free knows.
  llvm::outs().flush();
  llvm::errs().flush();
  std::fflush(nullptr);
  std::_Exit(exitStatus(result, options.mode));
}

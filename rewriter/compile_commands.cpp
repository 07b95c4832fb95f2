#include "rewriter/compile_commands.h"

#include "clang/Driver/Options.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace corofix {
namespace path = llvm::sys::path;
namespace tooling = clang::tooling;
namespace {

constexpr const char* kDatabaseName = "compile_commands.json";

std::unique_ptr<tooling::CompilationDatabase> loadDatabase(const std::string& directory, std::string& error) {
  llvm::SmallString<256> file(directory);
  path::append(file, kDatabaseName);
  if (!llvm::sys::fs::exists(file)) {
    error = "no " + std::string(kDatabaseName) + " in " + directory;
    return nullptr;
  }
  return tooling::JSONCompilationDatabase::loadFromFile(file, error, tooling::JSONCommandLineSyntax::AutoDetect);
}

std::string currentDirectory() {
  llvm::SmallString<256> cwd;
  llvm::sys::fs::current_path(cwd);
  return std::string(cwd);
}

/// Drops every argument the Clang driver reports as unknown; GCC-only flags are single tokens.
tooling::CommandLineArguments withoutUnknownFlags(const tooling::CommandLineArguments& args) {
  if (args.empty()) return args;
  std::vector<const char*> argv;
  for (size_t i = 1; i < args.size(); ++i) argv.push_back(args[i].c_str());
  unsigned missingIndex = 0, missingCount = 0;
  llvm::opt::InputArgList parsed = clang::driver::getDriverOptTable().ParseArgs(
      argv, missingIndex, missingCount, /*FlagsToInclude=*/0, clang::driver::options::NoDriverOption);
  std::vector<bool> unknown(args.size(), false);
  for (const llvm::opt::Arg* arg : parsed.filtered(clang::driver::options::OPT_UNKNOWN))
    unknown[arg->getIndex() + 1] = true;
  tooling::CommandLineArguments out;
  for (size_t i = 0; i < args.size(); ++i)
    if (!unknown[i]) out.push_back(args[i]);
  return out;
}

}  // namespace

CompileCommands::CompileCommands(std::string buildPath, std::optional<std::vector<std::string>> fallbackFlags)
    : buildPath_(std::move(buildPath)) {
  if (fallbackFlags) fallback_ = std::make_unique<tooling::FixedCompilationDatabase>(currentDirectory(), *fallbackFlags);
}

std::string CompileCommands::problemWithBuildPath(const std::string& buildPath) {
  std::string error;
  return loadDatabase(buildPath, error) ? std::string() : error;
}

const tooling::CompilationDatabase* CompileCommands::databaseIn(const std::string& directory) {
  auto [it, inserted] = byDirectory_.try_emplace(directory);
  if (inserted) {
    std::string error;
    it->second = loadDatabase(directory, error);
  }
  return it->second.get();
}

const tooling::CompilationDatabase* CompileCommands::databaseFor(const std::string& file, std::string& where) {
  if (!buildPath_.empty()) {
    where = buildPath_;
    return databaseIn(buildPath_);
  }
  for (llvm::StringRef dir = path::parent_path(file); !dir.empty(); dir = path::parent_path(dir)) {
    if (const auto* database = databaseIn(dir.str())) {
      where = dir.str();
      return database;
    }
  }
  return nullptr;
}

std::optional<tooling::CompileCommand> CompileCommands::asBuilt(const std::string& file, std::string& reason) {
  std::string where;
  std::vector<tooling::CompileCommand> commands;
  if (const auto* database = databaseFor(file, where)) commands = database->getCompileCommands(file);
  if (commands.empty() && fallback_) commands = fallback_->getCompileCommands(file);
  if (commands.empty()) {
    reason = where.empty() ? "no compile_commands.json found above it and no compiler flags after `--`; "
                             "pass -p BUILD_DIR or `-- -std=c++20 ...`"
                           : "not in " + where + "/" + kDatabaseName + ", and no compiler flags after `--`";
    return std::nullopt;
  }
  return std::move(commands.front());
}

std::optional<tooling::CompileCommand> CompileCommands::forFile(const std::string& file, std::string& reason) {
  auto command = asBuilt(file, reason);
  if (!command || command->CommandLine.empty()) return command;
  // What the compiler's name implies (`g++`: C++; `aarch64-linux-gnu-g++`: the target), as Clang flags.
  tooling::addTargetAndModeForProgramName(command->CommandLine, command->CommandLine.front());
  command->CommandLine = adjustForParsing(command->CommandLine, file);
  return command;
}

std::optional<tooling::CompileCommand> CompileCommands::forChecking(const std::string& file, std::string& reason) {
  auto command = asBuilt(file, reason);
  if (!command) return command;
  // FixedCompilationDatabase names no compiler.
  if (!command->CommandLine.empty() && command->CommandLine.front() == "clang-tool") command->CommandLine.front() = "c++";
  command->CommandLine = withoutOutputs(command->CommandLine, file);
  return command;
}

std::vector<std::string> withoutOutputs(const std::vector<std::string>& commandLine, const std::string& file) {
  auto adjust = tooling::combineAdjusters(
      tooling::getClangStripOutputAdjuster(),
      tooling::combineAdjusters(tooling::getClangStripDependencyFileAdjuster(), tooling::getClangSyntaxOnlyAdjuster()));
  return adjust(commandLine, file);
}

std::vector<std::string> adjustForParsing(const std::vector<std::string>& commandLine, const std::string& file) {
  using tooling::ArgumentInsertPosition;
  auto adjust = tooling::getInsertArgumentAdjuster({"-resource-dir=" CORO_FIX_CLANG_RESOURCE_DIR, "-w", "-fno-caret-diagnostics"},
                                                 ArgumentInsertPosition::BEGIN);
  return withoutUnknownFlags(adjust(withoutOutputs(commandLine, file), file));
}

}  // namespace corofix

// Where a C++ translation unit's compile command comes from, as clang-tidy finds it: the
// compile_commands.json in `-p BUILD_DIR`, or else the first one found walking up from the file;
// when that database has no entry for the file (or there is none), the flags given after `--`.
// The command is then adjusted so that coro-fix's own Clang can parse it.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clang/Tooling/CompilationDatabase.h"

namespace corofix {

class CompileCommands {
 public:
  /// `buildPath`: the -p directory (empty: search upwards from each file). `fallbackFlags`: the
  /// flags after `--`, if the command line had them.
  CompileCommands(std::string buildPath, std::optional<std::vector<std::string>> fallbackFlags);

  /// The adjusted command that parses `file` (absolute); nullopt with `reason` when there is none.
  /// Not thread-safe: look commands up before parsing in parallel.
  std::optional<clang::tooling::CompileCommand> forFile(const std::string& file, std::string& reason);
  /// The command that compiles `file` as the build does (for --verify), output and dependency
  /// files dropped and syntax only; the flags after `--` are given to `c++`.
  std::optional<clang::tooling::CompileCommand> forChecking(const std::string& file, std::string& reason);

  /// Why `buildPath` holds no readable compile_commands.json; empty when it does.
  static std::string problemWithBuildPath(const std::string& buildPath);

 private:
  /// The database for `file` (null if none) and the path of its compile_commands.json.
  const clang::tooling::CompilationDatabase* databaseFor(const std::string& file, std::string& where);
  const clang::tooling::CompilationDatabase* databaseIn(const std::string& directory);
  std::optional<clang::tooling::CompileCommand> asBuilt(const std::string& file, std::string& reason);

  std::string buildPath_;
  std::unique_ptr<clang::tooling::CompilationDatabase> fallback_;
  std::map<std::string, std::unique_ptr<clang::tooling::CompilationDatabase>> byDirectory_;  // null: none there
};

/// `commandLine` compiling `file` for its errors only: syntax only, no output or dependency files.
std::vector<std::string> withoutOutputs(const std::vector<std::string>& commandLine, const std::string& file);

/// `commandLine` made parseable by this Clang: its resource directory (so that <coroutine> is found
/// whatever the layout), no flag its driver does not know (GCC-only ones such as `-fcoroutines` or
/// `-fconcepts-diagnostics-depth=N`), syntax only, no output or dependency files, no warnings
/// (errors are kept, without their counts on stderr).
std::vector<std::string> adjustForParsing(const std::vector<std::string>& commandLine, const std::string& file);

}  // namespace corofix

// Turns the command line's paths into the list of source files to process, and lists the files
// of a project for the callee index.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/rule.h"

namespace corofix {

/// The language a path's extension says, if coro-fix handles it.
std::optional<Language> languageOf(std::string_view path);

/// A C++ source file by its extension (.cpp .cc .cxx .c++): a translation unit.
bool isCppTranslationUnit(std::string_view path);
/// A C++ header by its extension (.h .hpp .hh .hxx): analysed through the units that include it.
bool isCppHeader(std::string_view path);

struct Discovered {
  std::vector<std::string> files;  // sources to process, absolute, sorted, unique
  std::vector<std::pair<std::string, std::string>> skipped;  // path, reason
  std::vector<std::string> directories;  // the directories walked, absolute

  /// The files found under `dir` when a directory walked contains it (then walking `dir` would
  /// find them again); nullopt otherwise.
  std::optional<std::vector<std::string>> filesUnder(const std::string& dir) const;
};

/// Files named explicitly are taken whatever their place (unless their language is unknown);
/// directories are walked skipping `target/`, `.git/` and hidden folders, and inside a git work
/// tree only files git does not ignore are taken.
Discovered discoverSources(const std::vector<std::string>& paths);

}  // namespace corofix

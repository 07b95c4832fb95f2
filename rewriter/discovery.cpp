#include "rewriter/discovery.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "rewriter/process.h"
#include "spdlog/spdlog.h"

namespace corofix {
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;
namespace {

bool isSkippedDirectoryName(llvm::StringRef name) {
  return name == "target" || name == "node_modules" || (name.size() > 1 && name.startswith("."));
}

/// True if any directory component of `relative` (not the file name) is skipped.
bool underSkippedDirectory(llvm::StringRef relative) {
  llvm::StringRef dir = path::parent_path(relative);
  for (auto it = path::begin(dir), end = path::end(dir); it != end; ++it)
    if (*it != "." && isSkippedDirectoryName(*it)) return true;
  return false;
}

/// Runs git and returns its stdout, or nullopt if git is missing or fails.
std::optional<std::string> runGit(llvm::ArrayRef<llvm::StringRef> args) {
  auto git = runProgram("git", args);
  if (!git || git->exitCode != 0) return std::nullopt;
  return std::move(git->out);
}

/// Whether `dir` may be in a git work tree: a `.git` in it or above it, or `GIT_DIR` set. Asking
/// git costs a process per directory, which a tree of registry crates pays for nothing.
bool mayBeInWorkTree(llvm::StringRef dir) {
  if (std::getenv("GIT_DIR")) return true;
  for (llvm::StringRef d = dir; !d.empty(); d = path::parent_path(d)) {
    llvm::SmallString<256> git(d);
    path::append(git, ".git");
    if (fs::exists(git)) return true;
  }
  return false;
}

/// Files under `dir` that git does not ignore (tracked or untracked), or nullopt outside a work tree
/// and for a directory git ignores as a whole: one the user names is read anyway.
std::optional<std::vector<std::string>> gitFiles(const std::string& dir) {
  if (!mayBeInWorkTree(dir)) return std::nullopt;
  auto listing = runGit({"-C", dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."});
  if (!listing) return std::nullopt;
  if (listing->empty() && runGit({"-C", dir, "check-ignore", "-q", "."})) {
    spdlog::info("{}: ignored by git, but named on the command line: read as it is", dir);
    return std::nullopt;
  }
  std::vector<std::string> files;
  llvm::SmallVector<llvm::StringRef> entries;
  llvm::StringRef(*listing).split(entries, '\0', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef relative : entries) {
    if (underSkippedDirectory(relative)) continue;
    llvm::SmallString<256> full(dir);
    path::append(full, relative);
    if (fs::is_regular_file(full)) files.push_back(std::string(full));  // tracked files may be deleted
  }
  return files;
}

std::vector<std::string> walkFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    if (it->type() == fs::file_type::directory_file) {
      if (isSkippedDirectoryName(path::filename(it->path()))) it.no_push();
      continue;
    }
    if (it->type() == fs::file_type::regular_file) files.push_back(it->path());
  }
  if (ec) spdlog::warn("{}: stopped walking: {}", dir, ec.message());
  return files;
}

}  // namespace

namespace {
llvm::StringRef extensionOf(std::string_view file) { return path::extension(llvm::StringRef(file.data(), file.size())); }
}  // namespace

bool isCppTranslationUnit(std::string_view file) {
  llvm::StringRef ext = extensionOf(file);
  return ext == ".cpp" || ext == ".cc" || ext == ".cxx" || ext == ".c++";
}

bool isCppHeader(std::string_view file) {
  llvm::StringRef ext = extensionOf(file);
  return ext == ".h" || ext == ".hpp" || ext == ".hh" || ext == ".hxx";
}

std::optional<Language> languageOf(std::string_view file) {
  if (extensionOf(file) == ".rs") return Language::Rust;
  if (isCppTranslationUnit(file) || isCppHeader(file)) return Language::Cpp;
  return std::nullopt;
}

Discovered discoverSources(const std::vector<std::string>& paths) {
  Discovered out;
  std::set<std::string> unique;
  for (const auto& given : paths) {
    llvm::SmallString<256> absolute(given);
    fs::make_absolute(absolute);
    path::remove_dots(absolute, /*remove_dot_dot=*/true);
    std::string full(absolute);
    if (fs::is_directory(full)) {
      out.directories.push_back(full);
      auto files = gitFiles(full);
      for (auto& file : files ? *files : walkFiles(full))
        if (languageOf(file)) unique.insert(file);
    } else if (!fs::exists(full)) {
      out.skipped.emplace_back(given, "no such file or directory");
    } else if (!languageOf(full)) {
      out.skipped.emplace_back(given, "not a source file coro-fix reads (by its extension)");
    } else {
      unique.insert(full);
    }
  }
  out.files.assign(unique.begin(), unique.end());
  return out;
}

std::optional<std::vector<std::string>> Discovered::filesUnder(const std::string& dir) const {
  auto contains = [&](llvm::StringRef outer, llvm::StringRef inner) {
    return inner.startswith(outer) && (inner.size() == outer.size() || path::is_separator(inner[outer.size()]));
  };
  if (std::none_of(directories.begin(), directories.end(), [&](const std::string& d) { return contains(d, dir); }))
    return std::nullopt;
  std::vector<std::string> out;
  for (const std::string& file : files)
    if (contains(dir, file)) out.push_back(file);
  return out;
}

}  // namespace corofix

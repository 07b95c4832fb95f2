// Temporary directories and files for tests that need a tree on disk.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace corofix::testing {

inline std::string tempDir() {
  llvm::SmallString<128> dir;
  EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("coro-fix-test", dir));
  return std::string(dir);
}

/// Writes `text` to `path`, creating its directories.
inline void writeFile(const std::string& path, const std::string& text) {
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(path));
  std::ofstream(path) << text;
}

}  // namespace corofix::testing

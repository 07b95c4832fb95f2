// A fresh directory for a test, removed when the test ends, with helpers to fill and read it.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace corofix {

class TempTree {
 public:
  TempTree() {
    llvm::SmallString<128> dir, real;
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("coro-fix-test", dir));
    llvm::sys::fs::real_path(dir, real);  // the paths the engine reports are real paths
    root_ = std::string(real);
  }
  ~TempTree() { llvm::sys::fs::remove_directories(root_); }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }
  std::string path(const std::string& relative) const { return root_ + "/" + relative; }

  /// Writes `text` byte for byte (parent directories made); returns the absolute path.
  std::string write(const std::string& relative, const std::string& text) const {
    std::string file = path(relative);
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(file));
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  std::string read(const std::string& relative) const {
    auto buffer = llvm::MemoryBuffer::getFile(path(relative), /*IsText=*/false, /*RequiresNullTerminator=*/false);
    return buffer ? (*buffer)->getBuffer().str() : "<unreadable>";
  }

 private:
  std::string root_;
};

}  // namespace corofix

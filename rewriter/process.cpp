#include "rewriter/process.h"

#include <vector>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

namespace corofix {
namespace {

/// A temporary file that is removed when it goes out of scope, and its contents.
class Capture {
 public:
  Capture() { created_ = !llvm::sys::fs::createTemporaryFile("coro-fix-run", "txt", path_); }
  ~Capture() {
    if (created_) llvm::sys::fs::remove(path_);
  }
  bool created() const { return created_; }
  llvm::StringRef path() const { return path_; }
  std::string contents() const {
    auto buffer = llvm::MemoryBuffer::getFile(path_);
    return buffer ? (*buffer)->getBuffer().str() : std::string();
  }

 private:
  llvm::SmallString<128> path_;
  bool created_ = false;
};

}  // namespace

std::optional<ProgramOutput> runProgram(llvm::StringRef program, llvm::ArrayRef<llvm::StringRef> args) {
  auto found = llvm::sys::findProgramByName(program);
  if (!found) return std::nullopt;
  Capture out, err;
  ProgramOutput result;
  if (!out.created() || !err.created()) {
    result.err = "cannot create a temporary file for its output";
    return result;
  }
  std::vector<llvm::StringRef> argv{*found};
  argv.insert(argv.end(), args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), out.path(), err.path()};
  std::string message;
  result.exitCode = llvm::sys::ExecuteAndWait(*found, argv, std::nullopt, redirects, 0, 0, &message);
  result.out = out.contents();
  result.err = message.empty() ? err.contents() : message;
  return result;
}

}  // namespace corofix

// Running an external program (git, cargo) and collecting what it prints.
#pragma once
#include <optional>
#include <string>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace corofix {

struct ProgramOutput {
  int exitCode = -1;  // negative: it could not be started or was killed (`out`/`err` may be empty)
  std::string out, err;
};

/// Runs `program`, found on PATH, with `args` and no standard input. Nullopt when it is not on PATH.
std::optional<ProgramOutput> runProgram(llvm::StringRef program, llvm::ArrayRef<llvm::StringRef> args);

}  // namespace corofix

// --verify: applies the fixes, runs the project's own check (`cargo check`, the translation units'
// compile commands, or --verify-cmd), and takes back each fix the compiler rejects until the check
// passes. The tree is never left broken: if the check still fails, every file gets its original
// bytes back.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/driver.h"

namespace corofix {

struct VerifyOptions {
  /// --verify-cmd: run with `sh -c` in each project's directory (a Cargo root; the working directory
  /// for C++). Empty: `cargo check --workspace --all-targets --message-format=json` for Cargo, and
  /// each translation unit's compile command, syntax only, for C++.
  std::string command;
  /// The most times a check is run after the baseline; each bisection step is one.
  unsigned maxChecks = 40;
};

struct VerifiedRun {
  RunResult result;
  /// Set when verification could not leave the fixes applied: the check failed before any fix
  /// (nothing was written), or still failed after reverting (every file was restored).
  std::string error;
};

/// Runs `options` (which must be in Apply mode) on `paths` with verification.
VerifiedRun runVerified(const std::vector<std::string>& paths, RunOptions options, const VerifyOptions& verify);

/// Where a compiler's error points: a file (absolute) and its lines, 1-based and inclusive.
struct ErrorLocation {
  std::string file;
  uint32_t firstLine = 0, lastLine = 0;
};

struct CompilerError {
  std::string message;                 // "error[E0308]: mismatched types"
  std::vector<ErrorLocation> primary;  // where the error is
  std::vector<ErrorLocation> related;  // what its notes and labels point at
};

/// The errors in a check's output: cargo's JSON messages, rustc's `error: ..` / `--> file:line:col`,
/// and GCC's or Clang's `file:line:col: error: ..`. Relative paths are taken from `directory`.
/// An error without a location (`could not compile ..`) is kept only when no error has one.
std::vector<CompilerError> parseCheckOutput(std::string_view output, const std::string& directory);

}  // namespace corofix

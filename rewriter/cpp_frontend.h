// The C++ half of a run: each translation unit among the given files is parsed with Clang (its
// command from compile_commands.json or the flags after `--`), the C++ rules run on its AST, and
// their findings are mapped into the engine's (file, offsets in the normalised text), so that every
// output, the suppression comments and .coro-fix.yaml work as for Rust. Headers are not translation
// units: they are analysed through the translation units that include them. Only the given files
// are reported on or edited; what lies in a macro expansion or a system header is dropped, and a
// finding that several translation units reach is reported and fixed once. One pass: a fix that
// conflicts with another stays a conflict.
#pragma once
#include <string>
#include <vector>

#include "rewriter/config.h"
#include "rewriter/cpp_rule.h"
#include "rewriter/driver.h"
#include "rewriter/report.h"

namespace corofix {

/// Runs `rules` (filtered per translation unit by its main file's configuration, and per edited
/// file by that file's) on the C++ files among `files` (absolute, as discovered), and with --apply
/// writes the fixes. Returns a result per file not excluded by its configuration, in `files` order.
std::vector<FileResult> processCppFiles(const std::vector<std::string>& files, ConfigResolver& configs,
                                        const RunOptions& options, const std::vector<const CppRule*>& rules);

}  // namespace corofix

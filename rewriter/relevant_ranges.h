// Most of a large async crate is plain `fn`s that no rule looks into. A lexical pass finds them so
// the parser can skip them: tree-sitter parses only the remaining ranges, with offsets unchanged.
#pragma once
#include <string_view>
#include <vector>

#include "rewriter/rule.h"

namespace corofix {

/// The byte ranges of `fn` items (attributes and modifiers included) whose text contains neither
/// `async` nor `await`, outermost only, in order. Empty when the lexer meets something it does not
/// understand; skipping is an optimisation, never a requirement.
std::vector<TextRange> plainFunctionRanges(std::string_view text);

}  // namespace corofix

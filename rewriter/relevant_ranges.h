// Most of a large async crate is plain `fn`s that no rule looks into. A lexical pass finds them so
// the parser can skip them: tree-sitter parses only the remaining ranges, with offsets unchanged.
#pragma once
#include <string_view>
#include <vector>

#include "rewriter/rule.h"

namespace corofix {

struct PlainFunction {
  /// The `fn` item, attributes and modifiers included.
  TextRange item;
  /// Where the comments just before it (its docs, often the bulk of a library) begin: the parser
  /// skips them with the fn, since no rule reads a plain fn's comments.
  uint32_t commentsBegin;
};

/// The `fn` items whose text contains neither `async` nor `await`, outermost only, in order. Empty
/// when the lexer meets something it does not understand; skipping is an optimisation, never a
/// requirement.
std::vector<PlainFunction> plainFunctions(std::string_view text);

}  // namespace corofix

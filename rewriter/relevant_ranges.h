// Most of a large async crate is plain `fn`s and comments that no rule looks into. A lexical pass
// finds them so the parser can skip them: tree-sitter parses only the remaining ranges, with
// offsets unchanged.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "rewriter/rule.h"

namespace corofix {

/// A fn item the lexer delimited, with what the callee index needs without parsing the file.
struct LexedFunction {
  TextRange item;         // attributes and modifiers included
  TextRange signature;    // the item up to its body's `{`; a declaration whole
  TextRange name;
  TextRange returnType;   // the type after `->`; empty when there is none
  /// The body holds no statement, only an expression: it may just build or forward a value.
  bool bodyIsOneExpression = false;
  bool isAsync = false;
  uint32_t line = 0;  // 0-based, of the item's first byte

  /// No body: `fn read(&mut self) -> R;` in a trait.
  bool isDeclaration() const { return signature.end == item.end; }
};

struct SkippableText {
  /// False when the lexer gave up: nothing is skippable and the lists below are empty.
  bool lexed = false;
  /// Some fn holds code a rule may match, or a fn that is not plain nests fns (the index reads
  /// those from the parse), or an `async` or `await` lies outside fns and macros: the file is
  /// parsed, without `ranges`. Otherwise no rule can match in it, and the lists below index it.
  bool mustParse = false;
  /// Sorted, disjoint byte ranges no rule reads: each plain fn with the comments just before it
  /// (its docs, often the bulk of a library), the inside of each macro invocation outside fns
  /// (`cfg_rt! { .. }`), the inside of each other fn body no rule reads (its
  /// signature stays parsed: the index, and rules looking at callees, read it), and every other
  /// run of comments outside the fns that are kept (a kept fn's own comments, and those just
  /// before it, stay: fixes keep and move them).
  std::vector<TextRange> ranges;
  /// The plain fns, which the parse skips, with the fns nested in them: for the callee index.
  std::vector<LexedFunction> plainFunctions;
  /// The fns in macro invocations and `macro_rules!` outside fns, which no parse sees (they are
  /// tokens there), for the callee index: not `async` ones, as what the macro makes of them is
  /// unknown.
  std::vector<LexedFunction> macroFunctions;
  /// The other fns, for the callee index: those with a body no rule reads (which the parse
  /// skips, keeping the signature), and those without a body (`fn read(&mut self) -> R;` in a
  /// trait), which the parse indexes in a file it parses.
  std::vector<LexedFunction> otherFunctions;
};

/// A plain fn is one without an `async` or `await` keyword (outermost fns only). Nothing
/// is skippable when the lexer meets something it does not understand: skipping is an
/// optimisation, never a requirement.
SkippableText skippableText(std::string_view text);

}  // namespace corofix

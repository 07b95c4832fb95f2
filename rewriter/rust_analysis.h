// Syntactic facts about Rust code that several rules need: which expressions are pure, whether
// two expressions are the same, where awaits are, how a function is shaped, and how to lay out
// replacement text. Purely syntactic and conservative: "don't know" answers "not pure"/"not same".
#pragma once
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/quoting.h"
#include "rewriter/syntax.h"

namespace corofix::rust {

using corofix::quoted;
/// `node`'s code in backticks, as diagnostics quote code.
inline std::string quoted(Node node) { return quoted(node.text()); }

/// True if `kind` is one of `kinds`.
bool isOneOf(std::string_view kind, std::initializer_list<std::string_view> kinds);

/// True if evaluating `expr` earlier or later cannot be observed: literals, paths, field
/// accesses, references and derefs of those, casts, tuples/arrays/structs of pure parts,
/// closures (creating one runs nothing). Calls, macros, indexing and arithmetic (which may
/// panic) are not pure. On false, `why` (if given) names the offending sub-expression.
bool isPure(Node expr, std::string* why = nullptr);

/// Token-by-token equality, ignoring whitespace and comments.
bool sameTokens(Node a, Node b);

/// Strips parentheses: `((x))` -> `x`.
Node unparenthesize(Node expr);

/// True if `node` sits inside a macro invocation or a `macro_rules!` definition.
bool insideMacro(Node node);

/// In the fn enclosing `node`, the first name of a function that looks at a value's layout or
/// type (`size_of_val`, `align_of_val`, `Layout::for_value`, `type_name_of_val`, `type_id`, also
/// among a macro's tokens), if any. Replacing a future with another of another type or size
/// (`ready(..)` for an `async` block, the inner call's future for the block) shows there.
struct LayoutObserver {
  Node fn;    // the enclosing function_item
  Node name;  // the function name that looks
};
std::optional<LayoutObserver> layoutObserver(Node node);

/// Every `.await` in `root`, not descending into closures, async blocks or nested items (their
/// awaits belong to another future).
std::vector<Node> awaitsIn(Node root);

/// The value a block evaluates to: its trailing expression without `;`, or null.
Node blockTail(Node block);
/// The block's statements and tail, comments excluded.
std::vector<Node> blockItems(Node block);

/// If `expr` is `g(..).await`, `recv.m(..).await`, optionally with `return` around it (and the
/// statement's `;`), the awaited call.
struct AwaitedCall {
  Node await;      // the await_expression
  Node call;       // call_expression being awaited
  Node function;   // call's `function` field: identifier, scoped_identifier, field_expression, generic_function
  Node receiver;   // for method calls, the field_expression's value; null otherwise
  std::string name;  // callee path as written (`g`, `net::g`, `Self::g`) or the method name
  Node arguments;  // the `arguments` node
  std::vector<Node> args;  // argument expressions
};
std::optional<AwaitedCall> awaitedCall(Node expr);

/// An `fn` item, with what rules ask about it.
struct Function {
  Node item;  // function_item
  Node name, parameters, returnType, body, typeParameters, whereClause;
  bool isAsync = false;
  bool isUnsafe = false, isConst = false, isExtern = false;
  std::vector<Node> attributes;  // outer `#[..]` items directly before the fn (doc comments are comments)
  Node impl;                     // enclosing impl_item, if any
  bool inTraitImpl = false;      // `impl Trait for T`
  bool inTraitDefinition = false;
};
std::optional<Function> asFunction(Node item);

/// Whether `n` lies under a reference type within `root`: a type parameter there outlives the
/// borrow; anywhere else `+ 'lt` would need a bound.
bool underReference(Node n, Node root);

/// What a fn definition or declaration gives to two of its parameters at once: a named lifetime
/// (`'s` in `read<'s>(&'s mut self, buf: &'s mut [u8])`) or a type parameter held by value; ""
/// when nothing. Its future then holds one region for both, which a wrapper that takes them with
/// separate lifetimes cannot return (E0700).
std::string sharedByParameters(Node fn);

/// Attributes that are not plain compiler attributes (`inline`, `allow`, `cfg`, `doc`, `must_use`,
/// ...): an attribute macro sees the fn as written, so rewriting its signature changes what it gets.
bool isAttributeMacro(Node attribute_item);

/// Indentation (spaces and tabs) of the line containing `offset`.
std::string_view lineIndent(std::string_view text, uint32_t offset);
/// Re-indents a multi-line snippet whose continuation lines were indented for `from` so they are
/// indented for `to` instead.
std::string reindent(std::string_view snippet, std::string_view from, std::string_view to);

/// Comments in [begin, end) of the file.
std::vector<Node> commentsIn(Node root, uint32_t begin, uint32_t end);

}  // namespace corofix::rust

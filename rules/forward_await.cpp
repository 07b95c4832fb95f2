// forward-await: an `async fn` whose whole body awaits one call returns that call's future from a
// plain `fn` instead, so the wrapper's state machine (and its second copy of the parameters) goes.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "rewriter/rule.h"
#include "rewriter/rust_analysis.h"

namespace corofix {
namespace {

constexpr std::string_view kCheck = "forward-await";

using rust::isOneOf;
using rust::quoted;

// ---------------------------------------------------------------------------------------------
// The shape: `async fn f(..) -> T { g(..).await }`, or `{ return g(..).await; }`.

struct Forward {
  rust::Function fn;
  rust::AwaitedCall call;
  Node statement;  // the body's only item, replaced by the call
  CalleeResolution callee = {};  // what the index knows of the call's callee
};

/// An await, `?` or `return` in the call itself (not in a closure or async block inside it): the
/// body is then more than one forwarded await, and none of them could stay in a plain `fn`.
bool leavesTheFn(Node call) {
  bool found = !rust::awaitsIn(call).empty();
  walk(call, [&](Node n) {
    if (n.is("closure_expression") || n.is("async_block")) return false;
    found |= n.is("try_expression") || n.is("return_expression");
    return !found;
  });
  return found;
}

std::optional<Forward> matchForward(Node item) {
  auto fn = rust::asFunction(item);
  if (!fn || !fn->isAsync || !fn->body || fn->inTraitDefinition || rust::insideMacro(item)) return std::nullopt;
  auto items = rust::blockItems(fn->body);
  if (items.size() != 1) return std::nullopt;
  Node statement = items[0];
  // `g(..).await;` discards g's output, which need not be `()`; only a tail or a `return` forwards it.
  Node forwarded = statement;
  if (statement.is("expression_statement"))
    forwarded = statement.namedChildren().empty() ? Node{} : statement.namedChildren()[0];
  else if (statement != rust::blockTail(fn->body))
    return std::nullopt;
  if (forwarded != statement && !forwarded.is("return_expression")) return std::nullopt;
  auto call = rust::awaitedCall(forwarded);
  if (!call || leavesTheFn(call->call)) return std::nullopt;
  return Forward{*fn, *call, statement};
}

// ---------------------------------------------------------------------------------------------
// Parameters, and how the call uses each of them.

enum class ParamKind {
  Reference,  // `&T`, `&mut T`, `&self`: reborrowing it keeps the caller's borrow
  Copy,       // a scalar or raw pointer: no drop glue, so when it is dropped is unobservable
  Owned,      // anything else: the `async fn` keeps it alive until its await completes
};

struct Param {
  Node node;
  std::string name;  // "" for a destructuring pattern, "_" for a wildcard
  ParamKind kind;
};

ParamKind kindOfType(Node type) {
  if (type.is("reference_type")) return ParamKind::Reference;
  if (isOneOf(type.kind(), {"primitive_type", "pointer_type", "never_type", "unit_type"})) return ParamKind::Copy;
  return ParamKind::Owned;
}

std::vector<Param> parametersOf(const rust::Function& fn) {
  std::vector<Param> out;
  for (Node p : fn.parameters.namedChildren()) {
    if (p.is("self_parameter")) {
      bool byReference = false;
      for (Node c : p.children()) byReference |= c.kind() == "&";
      out.push_back({p, "self", byReference ? ParamKind::Reference : ParamKind::Owned});
    } else if (p.is("parameter")) {
      Node pattern = p.field("pattern"), type = p.field("type");
      std::string name;
      if (pattern.is("identifier") || pattern.is("self") || pattern.kind() == "_") name = pattern.text();
      out.push_back({p, name, kindOfType(type)});
    }
  }
  return out;
}

enum class Use { MovedWhole, Borrowed, PartlyUsed, Receiver, Called, InMacro, Other };
enum class Closure { None, Borrowing, Moving };

/// One mention of a parameter in the call: what the expression around it does with it, and
/// whether a closure or async block captures it. Moving it whole into a tuple, array or struct that is itself
/// an argument still moves it whole.
struct Mention {
  Node node;
  Use use = Use::Other;
  Closure closure = Closure::None;
};

Mention mentionAt(Node node, Node call) {
  Mention m{node};
  for (Node p = node.parent(); p && p != call.parent(); p = p.parent()) {
    if (p.is("token_tree")) m.use = Use::InMacro;
    if ((p.is("closure_expression") || p.is("async_block")) && m.closure == Closure::None)
      m.closure = p.child(0).kind() == "move" || p.child(1).kind() == "move" ? Closure::Moving : Closure::Borrowing;
  }
  if (m.use == Use::InMacro) return m;
  for (Node n = node, p = n.parent();; n = p, p = p.parent()) {
    if (p.is("arguments")) m.use = Use::MovedWhole;
    else if (isOneOf(p.kind(), {"tuple_expression", "array_expression", "parenthesized_expression",
                                "shorthand_field_initializer", "field_initializer_list"}) ||
             (p.is("field_initializer") && p.field("value") == n) ||
             (p.is("struct_expression") && p.field("body") == n))
      continue;
    else if (p.is("reference_expression")) m.use = Use::Borrowed;
    else if (p.is("field_expression"))
      m.use = p.parent().is("call_expression") && p.parent().field("function") == p ? Use::Receiver : Use::PartlyUsed;
    else if (p.is("index_expression") || (p.is("unary_expression") && p.child(0).kind() == "*"))
      m.use = Use::PartlyUsed;
    else if (p.is("call_expression") && p.field("function") == n) m.use = Use::Called;
    return m;
  }
}

/// Mentions of `name` as a value in `call` (not as a path segment, field or type).
std::vector<Node> mentionsOf(const std::string& name, Node call) {
  std::vector<Node> out;
  walk(call, [&](Node n) {
    if (n.isComment()) return false;
    if ((n.is("identifier") || n.is("self")) && n.text() == name && !n.parent().is("scoped_identifier"))
      out.push_back(n);
    return true;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The new signature: which lifetimes and types the returned `impl Future` must capture.

/// What the parameters borrow, and whether edition 2021's `+ 'lt` bound can express it. (An
/// `async fn` cannot leave a path's lifetime out, `Cow<str>`, E0726: every elided one is visible.)
struct Captures {
  std::vector<Node> elided;            // `&` without a lifetime (the `&` token), and each `'_`
  std::vector<std::string> lifetimes;  // named lifetimes in scope (impl's, then the fn's)
  std::vector<std::string> types;      // type and const parameters in scope (impl's, then the fn's)
  std::set<std::string> written;       // named lifetimes the parameters write: `&'a self`, `x: Foo<'x>`
  std::set<std::string> mentioned;     // type parameters the parameters name (all the impl's, with `self`)
  // A type parameter appears outside any reference (`t: T`, `self` of `impl<T>`), or in no parameter
  // at all (`read<T>(&mut self)`): no borrow implies that it outlives the returned future.
  bool ownsTypeParameter = false;
  Node argumentImplTrait;              // a parameter typed `impl Trait`
};

void addGenerics(Node typeParameters, Captures& out) {
  if (!typeParameters) return;
  for (Node g : typeParameters.namedChildren()) {
    if (g.is("lifetime_parameter")) out.lifetimes.emplace_back(g.field("name").text());
    else if (g.is("type_parameter") || g.is("const_parameter")) out.types.emplace_back(g.field("name").text());
  }
}

void scanParameterType(Node type, const std::set<std::string>& typeNames, Captures& out) {
  walk(type, [&](Node n) {
    if (n.is("function_type")) return false;  // `fn(&str)`, `Fn(&str)`: higher-ranked, not captured
    if (n.is("reference_type") && !n.namedChildren()[0].is("lifetime")) out.elided.push_back(n.child(0));
    if (n.is("lifetime") && n.text() == "'_") out.elided.push_back(n);
    else if (n.is("lifetime") && n.text() != "'static") out.written.emplace(n.text());
    if (n.is("abstract_type") && !out.argumentImplTrait) out.argumentImplTrait = n;
    bool typeParameter = n.is("type_identifier") && typeNames.count(std::string(n.text()));
    if (typeParameter) out.mentioned.emplace(n.text());
    if (n.is("abstract_type") || typeParameter) out.ownsTypeParameter |= !rust::underReference(n, type);
    return true;
  });
}

/// How many lifetimes the returned future may hold: the callee's future may name any in scope, even
/// one no parameter mentions (`read<'de, T: Decode<'de>>(&mut self)`).
size_t borrowedLifetimes(const Captures& c) { return c.elided.size() + c.lifetimes.size(); }

Captures capturesOf(const rust::Function& fn) {
  Captures out;
  Node implGenerics = fn.impl ? fn.impl.field("type_parameters") : Node{};
  addGenerics(implGenerics, out);
  size_t implTypes = out.types.size();
  addGenerics(fn.typeParameters, out);
  std::set<std::string> typeNames(out.types.begin(), out.types.end());
  if (implTypes) typeNames.insert("Self");
  for (Node p : fn.parameters.namedChildren()) {
    if (p.is("self_parameter")) {
      Node ampersand = p.child(0), lifetime = p.namedChildren()[0];
      if (ampersand.kind() == "&" && !lifetime.is("lifetime")) out.elided.push_back(ampersand);
      if (lifetime.is("lifetime") && lifetime.text() == "'_") out.elided.push_back(lifetime);
      else if (lifetime.is("lifetime")) out.written.emplace(lifetime.text());  // `&'a self`
      if (ampersand.kind() != "&" && implTypes) out.ownsTypeParameter = true;  // `self` of `impl<T> S<T>`
      out.mentioned.insert(out.types.begin(), out.types.begin() + implTypes);
    } else if (p.is("parameter")) {
      if (p.field("pattern").is("self")) out.mentioned.insert(out.types.begin(), out.types.begin() + implTypes);
      scanParameterType(p.field("type"), typeNames, out);
    }
  }
  for (const std::string& type : out.types) out.ownsTypeParameter |= !out.mentioned.count(type);
  return out;
}

std::string freshLifetime(const Captures& captures, std::string_view fnText, std::set<std::string>& taken) {
  for (char c = 'a'; c <= 'z'; ++c) {
    std::string name = std::string("'") + c;
    if (taken.count(name) || fnText.find(name) != std::string_view::npos) continue;
    if (std::find(captures.lifetimes.begin(), captures.lifetimes.end(), name) != captures.lifetimes.end()) continue;
    taken.insert(name);
    return name;
  }
  return "'fut" + std::to_string(taken.size());
}

struct Signature {
  std::string capture;  // appended to `impl Future<Output = T>`: "", " + '_", " + 'a", " + use<..>"
  std::vector<TextEdit> namingEdits;  // elided lifetimes given names, for `use<..>`
};

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

/// Edition 2021 captures only the lifetimes an `impl Trait` names (research table: `+ '_` with one
/// reference, `use<..>` listing every type parameter with several; `impl Trait` arguments cannot
/// be listed). Trait impls and edition 2024 capture everything in scope, like the `async fn`.
std::variant<Signature, std::string> signatureFor(const rust::Function& fn, const FileContext& project) {
  Edition edition = project.edition;
  if (fn.inTraitImpl || edition >= Edition::E2024) return Signature{};
  Captures c = capturesOf(fn);
  size_t borrowed = borrowedLifetimes(c);
  if (borrowed == 0) return Signature{};
  if (borrowed == 1 && !c.ownsTypeParameter)
    return Signature{c.elided.empty() ? " + " + c.lifetimes[0] : " + '_", {}};
  if (c.argumentImplTrait)
    return "edition " + std::to_string(static_cast<int>(edition)) + " can only write what the future captures with "
           "`use<..>`, which cannot name the argument type " + quoted(c.argumentImplTrait.text()) +
           " (edition 2024 needs no annotation)";
  if (rustVersionBelow(project.rustVersion, 1, 82))
    return "edition " + std::to_string(static_cast<int>(edition)) + " can only write what the future captures with "
           "`use<..>`, which needs Rust 1.82, and the package's rust-version is " + project.rustVersion;
  Signature s;
  std::vector<std::string> listed;
  // `'_` follows the output elision rules: it is the one elided lifetime only when no parameter
  // writes a lifetime (with `&'a self` it would mean `'a`, beside `x: Foo<'x>` it is ambiguous).
  if (c.elided.size() == 1 && c.written.empty()) {
    listed.push_back("'_");
  } else if (!c.elided.empty()) {
    std::set<std::string> taken;
    for (Node site : c.elided) {
      listed.push_back(freshLifetime(c, fn.item.text(), taken));
      if (site.is("lifetime")) s.namingEdits.push_back({{site.begin(), site.end()}, listed.back()});
      else s.namingEdits.push_back({{site.end(), site.end()}, listed.back() + " "});
    }
    if (fn.typeParameters)
      s.namingEdits.push_back({{fn.typeParameters.begin() + 1, fn.typeParameters.begin() + 1}, joined(listed) + ", "});
    else
      s.namingEdits.push_back({{fn.name.end(), fn.name.end()}, "<" + joined(listed) + ">"});
  }
  listed.insert(listed.end(), c.lifetimes.begin(), c.lifetimes.end());
  listed.insert(listed.end(), c.types.begin(), c.types.end());
  s.capture = " + use<" + joined(listed) + ">";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Safety conditions. Each returns the reason the fix is unavailable or unsafe, or nothing.

using Condition = std::optional<std::string> (*)(const Forward&, const RuleInput&);

/// An attribute that hands the item to a macro, looking inside `cfg_attr(pred, attrs..)` too.
bool isMacroAttribute(Node attributeItem) {
  Node attribute = attributeItem.namedChildren().empty() ? Node{} : attributeItem.namedChildren()[0];
  Node path = attribute && !attribute.namedChildren().empty() ? attribute.namedChildren()[0] : Node{};
  Node arguments = attribute ? attribute.field("arguments") : Node{};
  if (!path.is("identifier") || path.text() != "cfg_attr" || !arguments.is("token_tree"))
    return rust::isAttributeMacro(attributeItem);
  // The attributes after the predicate, split at top-level commas, each judged as if written alone.
  std::vector<std::string> nested{""};
  for (uint32_t i = 1; i + 1 < arguments.childCount(); ++i) {
    Node token = arguments.child(i);
    if (token.kind() == ",") nested.emplace_back();
    else nested.back() += std::string(token.text()) + " ";
  }
  for (size_t i = 1; i < nested.size(); ++i) {
    if (nested[i].empty()) continue;
    std::string written = "#[" + nested[i] + "] fn f() {}";
    auto alone = SyntaxTree::parseRust(written);
    Node item = alone->root().namedChildren().empty() ? Node{} : alone->root().namedChildren()[0];
    if (!item.is("attribute_item") || alone->hasError() || isMacroAttribute(item)) return true;
  }
  return false;
}

std::vector<Node> attributesOf(Node item) {
  std::vector<Node> out;
  for (Node p = item.prevNamedSibling(); p && (p.is("attribute_item") || p.isComment()); p = p.prevNamedSibling())
    if (p.is("attribute_item")) out.push_back(p);
  return out;
}

/// An attribute macro on the fn, or on an item around it (`#[async_trait] impl ..`), sees the
/// `async fn` as written and may rely on it being one.
std::optional<std::string> decoratedByMacro(const Forward& f, const RuleInput&) {
  for (Node item = f.fn.item; item; item = item.parent()) {
    if (!isOneOf(item.kind(), {"function_item", "impl_item", "trait_item", "mod_item"})) continue;
    for (Node attribute : attributesOf(item))
      if (isMacroAttribute(attribute))
        return quoted(attribute.text()) + " may be an attribute macro, which needs the `async fn` as written";
  }
  return std::nullopt;
}

/// The two ways a parameter use goes wrong, as a reason's second half.
std::string droppedEarly(const Forward& f) {
  return "the `async fn` keeps it alive until the await completes, the rewrite would drop it when " +
         quoted(f.fn.name.text()) + " is called";
}
std::string borrowsLocal(const Forward& f) {
  return "the returned future would borrow a local of " + quoted(f.fn.name.text()) + " (E0597)";
}

/// Why a parameter's mention makes the rewrite wrong, or nothing. Edition 2021 closures capture
/// the place they use, so a closure using `r.x` through a reference param `r` reborrows `*r`
/// rather than borrowing the param itself; edition 2018 closures borrow `r`.
std::optional<std::string> misusedMention(const Param& p, const Mention& m, const Forward& f, Edition edition) {
  std::string param = "parameter " + quoted(p.name);
  std::string_view around = m.node.parent().text();
  if (m.closure == Closure::Borrowing && (p.kind != ParamKind::Reference || edition < Edition::E2021))
    return param + " is captured by a closure or `async` block that borrows it: " + borrowsLocal(f);
  if (m.closure == Closure::Moving && p.kind == ParamKind::Owned)
    return param + " is captured by a `move` closure or block, which may take only part of it: " + droppedEarly(f);
  if (m.closure == Closure::Moving) return std::nullopt;  // the closure holds its own copy
  switch (m.use) {
    case Use::MovedWhole:
      return std::nullopt;
    case Use::Borrowed:
      return param + " is borrowed by the call (" + quoted(around) + "): " + borrowsLocal(f);
    case Use::Receiver:
      if (p.kind == ParamKind::Reference) return std::nullopt;
      return param + " is the receiver of " + quoted(m.node.parent().parent().text()) + ", which may borrow it: " +
             borrowsLocal(f);
    case Use::PartlyUsed:
      if (p.kind != ParamKind::Owned) return std::nullopt;
      return param + " is only partly used (" + quoted(around) + "): " + droppedEarly(f);
    case Use::InMacro:
      if (p.kind != ParamKind::Owned) return std::nullopt;
      return param + " is used inside a macro, which may borrow it: " + droppedEarly(f);
    case Use::Called:
    case Use::Other:
      if (p.kind != ParamKind::Owned) return std::nullopt;
      return param + " is not moved whole into the call (" + quoted(around) + "): " + droppedEarly(f);
  }
  return std::nullopt;
}

std::optional<std::string> misusedParameter(const Forward& f, const RuleInput& input) {
  for (const Param& p : parametersOf(f.fn)) {
    if (p.name.empty())
      return "parameter " + quoted(p.node.text()) + " destructures its argument: the `async fn` keeps the whole "
             "argument alive until the await completes, the rewrite would drop the unused parts when " +
             quoted(f.fn.name.text()) + " is called";
    auto mentions = p.name == "_" ? std::vector<Node>{} : mentionsOf(p.name, f.call.call);
    if (p.kind == ParamKind::Owned && mentions.empty())
      return "parameter " + quoted(p.name) + " is never used: " + droppedEarly(f);
    if (p.kind == ParamKind::Owned && mentions.size() > 1)
      return "parameter " + quoted(p.name) + " is used more than once: " + droppedEarly(f);
    for (Node mention : mentions)
      if (auto reason = misusedMention(p, mentionAt(mention, f.call.call), f, input.project.edition)) return reason;
  }
  return std::nullopt;
}

/// A receiver that is a temporary (`Self::options().read(true)` in `..open(path)`): if the method
/// borrows it, the returned future would outlive it (E0716). A place (`self.io`) lives on.
bool isTemporary(Node receiver) {
  receiver = rust::unparenthesize(receiver);
  if (receiver.is("field_expression")) return isTemporary(receiver.field("value"));
  if (receiver.is("index_expression")) return isTemporary(receiver.namedChildren()[0]);
  return !isOneOf(receiver.kind(), {"identifier", "self", "scoped_identifier", "reference_expression"});
}

std::optional<std::string> temporaryReceiver(const Forward& f, const RuleInput&) {
  if (!f.call.receiver || !isTemporary(f.call.receiver)) return std::nullopt;
  return "the receiver " + quoted(f.call.receiver.text()) + " is a temporary: if " + quoted(f.call.name) +
         " borrows it, the returned future would outlive it (E0716)";
}

/// Dropped before its first poll, the `async fn`'s future drops its parameters in declaration
/// order; the returned future drops the callee's parameters in the callee's order instead.
std::optional<std::string> ownedParametersReordered(const Forward& f, const RuleInput&) {
  std::vector<Node> declared;
  bool viaStruct = false;
  for (const Param& p : parametersOf(f.fn)) {
    if (p.kind != ParamKind::Owned || p.name.empty() || p.name == "_") continue;
    for (Node mention : mentionsOf(p.name, f.call.call)) {
      declared.push_back(mention);
      for (Node up = mention.parent(); up && !up.is("arguments"); up = up.parent())
        viaStruct |= up.is("struct_expression");
    }
  }
  if (declared.size() < 2) return std::nullopt;
  std::vector<Node> reached = declared;
  std::sort(reached.begin(), reached.end(), [](Node a, Node b) { return a.begin() < b.begin(); });
  std::string names;
  for (Node n : declared) names += (names.empty() ? "" : ", ") + quoted(n.text());
  if (viaStruct)
    return "parameters " + names + " are moved into a struct literal, whose fields drop in the struct's order: "
           "dropped before its first poll, the returned future might drop them in another order than the `async fn`";
  if (std::equal(declared.begin(), declared.end(), reached.begin())) return std::nullopt;
  return "parameters " + names + " reach " + quoted(f.call.call.text()) + " in another order: dropped before its "
         "first poll, the returned future would drop them in that order instead of declaration order";
}

std::optional<std::string> impureArgument(const Forward& f, const RuleInput&) {
  std::string later = "would run when " + quoted(f.fn.name.text()) + " is called instead of at the first poll";
  std::string why;
  if (f.call.receiver && !rust::isPure(f.call.receiver, &why))
    return "the receiver " + quoted(f.call.receiver.text()) + " " + later + " (" + why + ")";
  for (Node arg : f.call.args)
    if (!rust::isPure(arg, &why)) return "the argument " + quoted(arg.text()) + " " + later + " (" + why + ")";
  return std::nullopt;
}

std::optional<std::string> calleeNotLazy(const Forward& f, const RuleInput&) {
  if (f.callee.laziness == Laziness::Lazy) return std::nullopt;
  return f.callee.reason + ": if its body does work, that work would run when " + quoted(f.fn.name.text()) +
         " is called instead of at the first poll";
}

/// `-> !`: an `async fn` may say it never returns, but `impl Future<Output = !>` needs the unstable
/// never type (E0658; tokio's `tests/macros_select.rs` has `async fn async_never() -> !`).
std::optional<std::string> neverOutput(const Forward& f, const RuleInput&) {
  Node output = f.fn.returnType;
  if (!output || !(output.is("never_type") || output.text() == "!")) return std::nullopt;
  return "the output `!` would be `impl Future<Output = !>`, which needs the unstable never type (E0658)";
}

/// An `async fn`'s future is never `Unpin`; the callee's may be (`poll_fn(|cx| self.poll_x(cx))`
/// over a closure that only borrows). Nothing that compiled stops compiling when a future gains
/// `Unpin`, except code that asserts it does not have it: tokio's `tests/async_send_sync.rs`
/// checks `!Unpin` of every public `async fn`'s future with an ambiguity trick, and rejected
/// `JoinSet::join_next` returning a `PollFn`. So a wrapper others can call (`pub`, or a trait
/// impl's fn) keeps its fix only with `--unsafe-fixes` when any definition that may be the callee
/// returns something other than an async state machine.
std::optional<std::string> mayBecomeUnpin(const Forward& f, const RuleInput&) {
  bool reachable = f.fn.inTraitImpl;
  for (Node c : f.fn.item.namedChildren()) reachable |= c.is("visibility_modifier") && c.text() == "pub";
  if (!reachable) return std::nullopt;
  // Not lazy: unsafe already, for a reason of its own.
  if (f.callee.laziness != Laziness::Lazy || f.callee.mayBeUnpin.empty()) return std::nullopt;
  return "the returned future may now be `Unpin` (" + f.callee.mayBeUnpin + "), while the `async fn`'s never was: " +
         "code that asserts it is not (tokio's tests do, for every public `async fn`) would stop compiling";
}

/// The `Output` of the future a fn definition or trait declaration returns: an `async fn`'s
/// return type (null for `()`), or `X` in `-> impl Future<Output = X>`; nothing for other fns.
std::optional<Node> futureOutput(Node fn) {
  bool isAsync = false;
  for (Node c : fn.namedChildren())
    if (c.is("function_modifiers"))
      for (Node m : c.children()) isAsync |= m.kind() == "async";
  Node returned = fn.field("return_type");
  if (isAsync) return returned;
  std::optional<Node> found;
  if (returned)
    walk(returned, [&](Node n) {
      if (n.is("type_binding") && n.field("name").text() == "Output") found = n.field("type");
      return !found;
    });
  return found;
}

/// A declared output an `async fn` body may reach by coercion: `&String` to `&str`, `Box<T>` to
/// `Box<dyn Trait>`, `[T; N]` to `[T]` behind a pointer. A returned future's output is not coerced.
/// (`!` coerces to anything, but a forwarded callee that never returns is too rare to chase.)
bool isCoercionTarget(Node type) {
  if (isOneOf(type.kind(), {"reference_type", "pointer_type", "function_type"})) return true;
  Node pointer = type.is("generic_type") ? type.field("type") : Node{};
  if (pointer.is("scoped_type_identifier")) pointer = pointer.field("name");
  if (!pointer || !isOneOf(pointer.text(), {"Box", "Rc", "Arc", "Pin", "NonNull"})) return false;
  bool unsized = false;
  walk(type, [&](Node n) {
    unsized |= n.is("dynamic_type") || (n.is("array_type") && !n.field("length")) ||
               (n.is("primitive_type") && n.text() == "str") || n.is("reference_type");
    return !unsized;
  });
  return unsized;
}

/// The callee's last path segment (`g` for `a::g`): what its definitions are named.
std::string_view calleeName(const Forward& f) {
  std::string_view name = f.call.name;
  size_t lastColon = name.rfind(':');
  return lastColon == std::string_view::npos ? name : name.substr(lastColon + 1);
}

/// The callee's definitions in this file (fns and trait declarations with its last path segment
/// as name; a method call may name several), excluding the wrapper itself. They are all the
/// callee may be only when the index found none elsewhere and the parse skipped none (see
/// notAllHere).
std::vector<Node> calleeDefinitions(const Forward& f, const RuleInput& input) {
  std::string_view name = calleeName(f);
  std::vector<Node> out;
  walk(input.tree.root(), [&](Node n) {
    if ((n.is("function_item") || n.is("function_signature_item")) && n.field("name").text() == name &&
        n != f.fn.item)
      out.push_back(n);
    return true;
  });
  return out;
}

/// Whether text the parse skipped holds `fn name`: a plain fn is skipped whole, so a definition
/// there has no node (a mention in a comment or string only makes the check more careful).
bool skippedMayDefine(const SyntaxTree& tree, std::string_view name) {
  auto isIdent = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (auto [begin, end] : tree.skipped()) {
    std::string_view text = tree.text().substr(begin, end - begin);
    for (size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
      if (at + name.size() < text.size() && isIdent(text[at + name.size()])) continue;
      size_t before = at;
      while (before > 0 && std::isspace(static_cast<unsigned char>(text[before - 1]))) --before;
      if (before < at && before >= 2 && text.substr(before - 2, 2) == "fn" && (before == 2 || !isIdent(text[before - 3])))
        return true;
    }
  }
  return false;
}

/// Why `definitions` (calleeDefinitions) may not be all the callee may be, or "" when they are:
/// the index found one elsewhere, or the parse skipped one here.
std::string notAllHere(const Forward& f, const RuleInput& input, const std::vector<Node>& definitions) {
  if (definitions.empty() || !f.callee.allDefinedIn(input.path))
    return "not every definition that may be " + quoted(f.call.name) + " is in this file";
  if (skippedMayDefine(input.tree, calleeName(f)))
    return "a definition of " + quoted(f.call.name) + " in this file was only lexed, not parsed (a plain fn)";
  return "";
}

std::optional<std::string> outputMayBeCoerced(const Forward& f, const RuleInput& input) {
  Node output = f.fn.returnType;
  if (!output || !isCoercionTarget(output)) return std::nullopt;
  auto definitions = calleeDefinitions(f, input);
  std::string incomplete = notAllHere(f, input, definitions);
  bool complete = incomplete.empty(), same = true;
  for (Node definition : definitions) {
    std::optional<Node> theirs = futureOutput(definition);
    same &= theirs && *theirs && rust::sameTokens(*theirs, output);
  }
  if (complete && same) return std::nullopt;
  return "the body may coerce " + quoted(f.call.name) + "'s output to " + quoted(output.text()) +
         ", which a returned future cannot do, and " +
         (complete ? "its definition here yields another type" : incomplete);
}

/// Whether the wrapper takes borrows of more than one lifetime: a callee that gives one lifetime
/// to several parameters would tie them into one.
bool borrowsSeveral(const Forward& f) {
  Captures c = capturesOf(f.fn);  // the impl's lifetimes reach the callee unchanged, inside `Self`
  return c.elided.size() + c.written.size() >= 2;
}

std::string tiedReason(const Forward& f, const std::string& ties) {
  return ties + ": the future it returns holds one lifetime for borrows that " + quoted(f.fn.name.text()) +
         " takes separately, so it cannot be returned (E0700)";
}

std::optional<std::string> calleeTiesLifetimes(const Forward& f, const RuleInput&) {
  if (!f.callee.allTie || !borrowsSeveral(f)) return std::nullopt;
  return tiedReason(f, f.callee.ties);
}

std::optional<std::string> calleeMayTieLifetimes(const Forward& f, const RuleInput&) {
  if (!borrowsSeveral(f)) return std::nullopt;
  if (f.callee.files.empty())
    return quoted(f.fn.name.text()) + " borrows several lifetimes and no definition that may be " +
           quoted(f.call.name) + " is known: if it gives one lifetime to several parameters, its future cannot be "
           "returned (E0700)";
  if (f.callee.ties.empty()) return std::nullopt;
  return tiedReason(f, f.callee.ties);
}

// ---------------------------------------------------------------------------------------------
// How to spell `Future`: bare where the scope imports std's (or, in edition 2024, the prelude
// provides it), else `core::future::Future`.

enum class FutureName { Unbound, Std, Other };

bool isStdFuturePath(std::string path) {
  auto space = [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; };
  path.erase(std::remove_if(path.begin(), path.end(), space), path.end());
  if (path.rfind("::", 0) == 0) path.erase(0, 2);
  return path == "std::future::Future" || path == "core::future::Future";
}

/// What a `use` tree binds the name `Future` to, with `prefix` the path of the enclosing lists.
FutureName futureIn(Node tree, const std::string& prefix) {
  if (tree.is("identifier") || tree.is("scoped_identifier")) {
    Node name = tree.is("identifier") ? tree : tree.field("name");
    if (name.text() != "Future") return FutureName::Unbound;
    return isStdFuturePath(prefix + std::string(tree.text())) ? FutureName::Std : FutureName::Other;
  }
  if (tree.is("use_as_clause")) {
    if (tree.field("alias").text() != "Future") return FutureName::Unbound;
    return isStdFuturePath(prefix + std::string(tree.field("path").text())) ? FutureName::Std : FutureName::Other;
  }
  if (tree.is("use_wildcard")) {  // another crate's glob may bring its own `Future`
    Node path = tree.namedChildren().empty() ? Node{} : tree.namedChildren()[0];
    std::string full = prefix + std::string(path ? path.text() : "") + "::Future";
    return isStdFuturePath(full) ? FutureName::Std : FutureName::Other;
  }
  std::string inner = prefix;
  if (tree.is("scoped_use_list")) {
    if (Node path = tree.field("path")) inner += std::string(path.text()) + "::";
    tree = tree.field("list");
  }
  if (!tree.is("use_list")) return FutureName::Unbound;
  for (Node c : tree.namedChildren())
    if (FutureName found = futureIn(c, inner); found != FutureName::Unbound) return found;
  return FutureName::Unbound;
}

bool isScope(Node node) {
  return node.is("source_file") || node.is("block") || (node.is("declaration_list") && node.parent().is("mod_item"));
}

/// What `Future` means in each scope of the file (source file, module, block), gathered in one walk
/// so that each finding's lookup costs only its depth.
class FutureBindings {
 public:
  explicit FutureBindings(Node root) {
    walk(root, [&](Node n) {
      Node scope = n.parent();
      if (!scope || !isScope(scope)) return true;
      FutureName found = FutureName::Unbound;
      if (n.is("use_declaration")) found = futureIn(n.field("argument"), "");
      else if (isOneOf(n.kind(), {"struct_item", "enum_item", "trait_item", "type_item", "union_item"}) &&
               n.field("name").text() == "Future")
        found = FutureName::Other;
      if (found != FutureName::Unbound) byScope_.emplace(scope.begin(), found);  // the first one wins
      return true;
    });
  }

  FutureName inScopeOf(Node item) const {
    for (Node scope = item.parent(); scope; scope = scope.parent()) {
      if (!isScope(scope)) continue;
      if (auto it = byScope_.find(scope.begin()); it != byScope_.end()) return it->second;
      if (scope.is("declaration_list")) break;  // a module does not see its parent's imports
    }
    return FutureName::Unbound;
  }

 private:
  std::unordered_map<uint32_t, FutureName> byScope_;  // keyed by the scope's first byte
};

std::string futurePath(Node item, Edition edition, const FutureBindings& bindings) {
  FutureName bound = bindings.inScopeOf(item);
  bool bare = bound == FutureName::Std || (bound == FutureName::Unbound && edition >= Edition::E2024);
  return bare ? "Future" : "core::future::Future";
}

// ---------------------------------------------------------------------------------------------
// The rewrite: drop `async`, return `impl Future<Output = T>`, and make the body the call.

std::vector<TextEdit> rewrite(const Forward& f, const Signature& signature, Edition edition, std::string_view text,
                              const FutureBindings& bindings) {
  std::vector<TextEdit> edits = signature.namingEdits;
  for (Node modifier : f.fn.item.namedChildren()) {
    if (!modifier.is("function_modifiers")) continue;
    for (Node keyword : modifier.children())
      if (keyword.kind() == "async") {
        Node next = keyword.nextSibling();
        uint32_t end = next ? next.begin() : modifier.nextSibling().begin();
        edits.push_back({{keyword.begin(), end}, ""});
      }
  }
  std::string output = f.fn.returnType ? std::string(f.fn.returnType.text()) : "()";
  std::string future =
      "impl " + futurePath(f.fn.item, edition, bindings) + "<Output = " + output + ">" + signature.capture;
  if (f.fn.returnType)
    edits.push_back({{f.fn.returnType.begin(), f.fn.returnType.end()}, future});
  else
    edits.push_back({{f.fn.parameters.end(), f.fn.parameters.end()}, " -> " + future});

  // Comments between `return` and the call or after it move above the call.
  Node call = f.call.call, statement = f.statement;
  std::string body;
  std::string_view indent = rust::lineIndent(text, statement.begin());
  for (Node comment : rust::commentsIn(statement, statement.begin(), call.begin()))
    body += std::string(comment.text()) + "\n" + std::string(indent);
  for (Node comment : rust::commentsIn(statement, call.end(), statement.end()))
    body += std::string(comment.text()) + "\n" + std::string(indent);
  body += call.text();
  edits.push_back({{statement.begin(), statement.end()}, body});
  return edits;
}

// ---------------------------------------------------------------------------------------------

class ForwardAwait final : public RustRule {
 public:
  std::string_view id() const override { return kCheck; }
  std::string_view summary() const override {
    return "an `async fn` that only awaits one call can return that call's future";
  }

  std::vector<Finding> check(const RuleInput& input) const override {
    std::vector<Finding> out;
    if (input.project.edition == Edition::E2015) return out;  // no `async fn` before edition 2018
    FutureBindings bindings(input.tree.root());
    walk(input.tree.root(), [&](Node n) {
      if (auto forward = matchForward(n)) {
        forward->callee = input.project.resolve({forward->call.name, bool(forward->call.receiver)});
        out.push_back(finding(*forward, input, bindings));
      }
      return true;
    });
    return out;
  }

 private:
  static Finding finding(const Forward& f, const RuleInput& input, const FutureBindings& bindings) {
    Finding result;
    result.check = std::string(kCheck);
    result.range = {f.fn.item.begin(), f.fn.name.end()};
    result.message = "async fn " + quoted(f.fn.name.text()) + " only awaits " + quoted(f.call.name) +
                     ": its state machine wraps that future and stores the parameters a second time "
                     "(measured: a wrapper chain's future 1248 -> 632 B, 2.8-4.1 KB less code)";
    result.notes.push_back({{f.call.await.begin(), f.call.await.end()}, "the whole body is this await"});
    result.fix = fixFor(f, input, bindings);
    return result;
  }

  static Fix fixFor(const Forward& f, const RuleInput& input, const FutureBindings& bindings) {
    for (Condition unavailableWhen :
         {decoratedByMacro, misusedParameter, ownedParametersReordered, calleeTiesLifetimes, neverOutput})
      if (auto reason = unavailableWhen(f, input)) return Fix::unavailable(*reason);
    auto signature = signatureFor(f.fn, input.project);
    if (auto* reason = std::get_if<std::string>(&signature)) return Fix::unavailable(*reason);

    std::string risks;
    for (Condition unsafeWhen :
         {calleeNotLazy, impureArgument, temporaryReceiver, outputMayBeCoerced, calleeMayTieLifetimes,
          mayBecomeUnpin})
      if (auto risk = unsafeWhen(f, input)) risks += (risks.empty() ? "" : "; ") + *risk;
    auto edits = rewrite(f, std::get<Signature>(signature), input.project.edition, input.text, bindings);
    std::string description = "return " + quoted(f.call.name) + "'s future from a plain `fn`";
    if (risks.empty()) return Fix::safe(description, std::move(edits));
    return Fix::unsafe(description, risks, std::move(edits));
  }
};

}  // namespace

CORO_FIX_REGISTER_RULE(ForwardAwait);

}  // namespace corofix

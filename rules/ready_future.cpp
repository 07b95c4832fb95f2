// ready-future: an `async fn` or `async` block that never awaits becomes `core::future::ready(..)`.
//
// The rule reads like its documentation (rules/ready-future.md): `findCandidates` matches the
// shape, `safetyProblems` lists the safety conditions (each naming exactly what fails), and
// `fnRewrite` / `blockRewrite` build the edits.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/rule.h"
#include "rewriter/rust_analysis.h"

namespace corofix {
namespace {

constexpr std::string_view kCheck = "ready-future";
constexpr std::string_view kReady = "core::future::ready";
constexpr std::string_view kCost =
    "its state machine only defers the body to the first poll (measured with `core::future::ready(..)` "
    "instead: -320 B of .text at opt-level 3, top-level future 392 -> 360 B)";

template <typename Range, typename T>
bool contains(const Range& range, const T& value) {
  return std::find(std::begin(range), std::end(range), value) != std::end(range);
}

using corofix::quotedOneLine;
std::string quotedOneLine(Node node) { return quotedOneLine(node.text()); }

/// The text of a node that may be missing (a field absent after error recovery): "" then.
std::string_view textOf(Node n) { return n ? n.text() : std::string_view{}; }

Node firstNamedChild(Node n) {
  auto children = n.namedChildren();
  return children.empty() ? Node{} : children[0];
}

/// Visits `root`'s descendants that belong to the same future: not closures, async blocks or
/// nested items (their code runs elsewhere).
template <typename Visit>
void walkSameFuture(Node root, Visit&& visit) {
  walk(root, [&](Node n) {
    if (n == root) return true;
    if (contains(std::array<std::string_view, 6>{"closure_expression", "async_block", "function_item", "impl_item",
                                                 "trait_item", "mod_item"},
                 n.kind()))
      return false;
    return visit(n);
  });
}

/// The outer attributes written directly before an item.
std::vector<Node> outerAttributes(Node item) {
  std::vector<Node> out;
  for (Node p = item.prevNamedSibling(); p && (p.is("attribute_item") || p.isComment()); p = p.prevNamedSibling())
    if (p.is("attribute_item")) out.push_back(p);
  return out;
}

/// The last path segment of a type (`std::rc::Rc<T>` -> `Rc`), or "" for non-path types.
std::string_view typeName(Node type) {
  if (type.is("generic_type")) type = type.field("type");
  if (type.is("scoped_type_identifier")) type = type.field("name");
  return type.is("type_identifier") ? type.text() : std::string_view{};
}

std::vector<Node> typeArguments(Node type) {
  Node args = type.is("generic_type") ? type.field("type_arguments") : Node{};
  std::vector<Node> out;
  if (args)
    for (Node a : args.namedChildren())
      if (!a.is("lifetime") && !a.is("type_binding")) out.push_back(a);
  return out;
}

/// Trait names in a bound list (`T: Copy + Send`, `dyn Fn() + Send`): their last path segments.
std::set<std::string, std::less<>> boundNames(Node bounds) {
  std::set<std::string, std::less<>> out;
  if (!bounds) return out;
  auto add = [&](Node b) {
    if (b.is("function_type")) b = b.field("trait");
    if (auto name = typeName(b); !name.empty()) out.emplace(name);
  };
  if (bounds.is("trait_bounds") || bounds.is("bounded_type")) {
    for (Node b : bounds.namedChildren()) {
      if (b.is("bounded_type") || b.is("dynamic_type") || b.is("abstract_type")) {
        auto inner = boundNames(b);
        out.insert(inner.begin(), inner.end());
      } else {
        add(b);
      }
    }
  } else if (bounds.is("dynamic_type") || bounds.is("abstract_type")) {
    add(bounds.field("trait"));
  }
  return out;
}

/// Does a by-value parameter of this type hold a value of type `part`? Then a `part` that is not
/// Send already made the async fn's future not Send.
bool holds(Node param, Node part) {
  if (rust::sameTokens(param, part)) return true;
  if (param.is("tuple_type") || param.is("array_type")) {
    for (Node t : param.namedChildren())
      if (holds(t, part)) return true;
    return false;
  }
  static constexpr std::array<std::string_view, 6> kOwning = {"Box", "Vec", "Option", "Result", "Arc", "VecDeque"};
  if (!contains(kOwning, typeName(param))) return false;
  for (Node a : typeArguments(param))
    if (holds(a, part)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// What the file says about types: enough to tell Send/Sync and drop glue for the common cases,
// "unknown" otherwise. Purely syntactic; definitions are looked up by name in this file.

enum class Answer { Yes, Unknown, No };  // in order of precedence when combining

struct Verdict {
  Answer answer = Answer::Yes;
  std::string culprit;  // the innermost type that decided a No or Unknown, and why: "`Rc<u32>` is not Send"
  static Verdict no(std::string why) { return {Answer::No, std::move(why)}; }
  static Verdict unknown(std::string why) { return {Answer::Unknown, std::move(why)}; }
  /// No beats Unknown beats Yes.
  Verdict& operator&=(const Verdict& other) {
    if (other.answer > answer) *this = other;
    return *this;
  }
};

enum class AutoTrait { Send, Sync };

/// The names a `use` tree binds, with the full path each stands for (`*` for a glob).
void useBindings(Node tree, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (!tree) return;
  std::string_view k = tree.kind();
  if (k == "identifier" || k == "scoped_identifier") {
    Node name = k == "identifier" ? tree : tree.field("name");
    out.emplace_back(textOf(name), prefix + std::string(tree.text()));
  } else if (k == "use_as_clause") {
    out.emplace_back(textOf(tree.field("alias")), prefix + std::string(textOf(tree.field("path"))));
  } else if (k == "use_wildcard") {
    Node path = firstNamedChild(tree);  // none in `use a::{b, *}`
    out.emplace_back("*", prefix + (path ? std::string(path.text()) + "::" : "") + "Future");
  } else if (k == "scoped_use_list") {
    Node path = tree.field("path");
    useBindings(tree.field("list"), prefix + (path ? std::string(path.text()) + "::" : ""), out);
  } else if (k == "use_list") {
    for (Node c : tree.namedChildren()) useBindings(c, prefix, out);
  }
}

bool isStdFuture(std::string path) {
  path.erase(std::remove_if(path.begin(), path.end(), [](unsigned char ch) { return std::isspace(ch); }), path.end());
  if (path.rfind("::", 0) == 0) path.erase(0, 2);
  return path == "std::future::Future" || path == "core::future::Future";
}

bool isScope(Node n) {
  return n.is("source_file") || n.is("block") || (n.is("declaration_list") && n.parent().is("mod_item"));
}

/// How `Future` may be written where `item` (a `use` or a type definition) binds that name, if it does.
std::optional<std::string> futureBinding(Node item) {
  std::vector<std::pair<std::string, std::string>> bound;
  if (item.is("use_declaration")) useBindings(item.field("argument"), "", bound);
  else bound.emplace_back(textOf(item.field("name")), "");
  for (auto& [name, path] : bound) {
    if (name == "Future") return isStdFuture(path) ? "Future" : "core::future::Future";
    if (name == "*" && isStdFuture(path)) return "Future";
  }
  return std::nullopt;
}

/// True if a `macro_rules!` transcriber has `return` or a `?` operator (not a `$(..)?` repetition).
bool expandsToReturn(Node macroDefinition) {
  bool found = false;
  for (Node rule : macroDefinition.namedChildren())
    if (Node right = rule.field("right"); rule.is("macro_rule") && right)
      walk(right, [&](Node n) {
        found |= n.kind() == "return" || (n.kind() == "?" && n.parent().is("token_tree"));
        return !found;
      });
  return found;
}

/// What the whole file declares, gathered once per check.
struct FileFacts {
  explicit FileFacts(Node root) {
    walk(root, [&](Node n) {
      std::string_view k = n.kind();
      if (k == "struct_item" || k == "enum_item" || k == "union_item" || k == "type_item") {
        std::string name(textOf(n.field("name")));
        definitions[name] = n;
        for (Node a : outerAttributes(n)) {
          std::string_view text = a.text();
          if (text.find("derive") != std::string_view::npos && text.find("Copy") != std::string_view::npos)
            copyTypes.insert(name);
        }
      }
      if (k == "impl_item" && n.field("trait")) {
        std::string_view trait = typeName(n.field("trait"));
        if (trait == "Send") sendImpls.emplace(typeName(n.field("type")));
        if (trait == "Sync") syncImpls.emplace(typeName(n.field("type")));
      }
      if (k == "use_declaration") {
        std::string_view text = n.text();
        if (text.find("rc::") != std::string_view::npos && text.find("Weak") != std::string_view::npos)
          rcWeakImported = true;
      }
      if (k == "use_declaration" || k == "struct_item" || k == "enum_item" || k == "union_item" || k == "trait_item" ||
          k == "type_item")
        if (auto name = futureBinding(n); name && isScope(n.parent())) futureNames.emplace(n.parent().index(), *name);
      if (k == "macro_definition") {
        std::string name(textOf(n.field("name")));
        macroRules.insert(name);
        if (n.text().find(".await") != std::string_view::npos) awaitingMacroRules.insert(name);
        if (expandsToReturn(n)) returningMacroRules.insert(name);
        return false;
      }
      return true;
    });
  }

  std::map<std::string, Node, std::less<>> definitions;  // struct, enum, union and type items by name
  std::set<std::string, std::less<>> copyTypes, sendImpls, syncImpls;
  bool rcWeakImported = false;  // `Weak` may mean `std::rc::Weak`
  // This file's `macro_rules!`; those whose expansion has `.await`; those whose has `return` or `?`.
  std::set<std::string, std::less<>> macroRules, awaitingMacroRules, returningMacroRules;
  std::map<uint32_t, std::string> futureNames;  // scope (Node::index) -> how `Future` is written there, where bound
};

class TypeFacts {
 public:
  TypeFacts(const FileFacts& file, const rust::Function* fn) : file_(file) {
    if (fn) {
      addGenerics(fn->typeParameters, fn->whereClause);
      if (fn->impl) {
        selfType_ = fn->impl.field("type");
        Node where;
        for (Node c : fn->impl.namedChildren())
          if (c.is("where_clause")) where = c;
        addGenerics(fn->impl.field("type_parameters"), where);
      }
    }
  }

  Node selfType() const { return selfType_; }
  const FileFacts& file() const { return file_; }

  /// Whether `type` is Send / Sync. Parts of it that a by-value parameter already holds
  /// (`carriers`) count as Yes: if they were not Send, neither was the async fn's future.
  Verdict check(Node type, AutoTrait trait, std::vector<Node> carriers = {}) const {
    std::set<std::string, std::less<>> visiting;
    carriers_ = std::move(carriers);
    Verdict v = check(type, trait, visiting);
    carriers_.clear();
    return v;
  }

  /// True if values of `type` have nothing to run when dropped.
  bool noDropGlue(Node type) const {
    if (!type) return false;
    std::string_view k = type.kind();
    if (contains(std::array<std::string_view, 6>{"reference_type", "pointer_type", "primitive_type", "unit_type",
                                                 "never_type", "function_type"},
                 k))
      return true;
    if (k == "tuple_type" || k == "array_type") {
      for (Node t : type.namedChildren())
        if (!t.is("integer_literal") && !t.is("identifier") && !noDropGlue(t)) return false;
      return true;
    }
    std::string_view name = typeName(type);
    if (name == "Self") return selfType_ && noDropGlue(selfType_);
    if (auto g = generics_.find(name); g != generics_.end()) return g->second.count("Copy") > 0;
    if (file_.copyTypes.count(name)) return true;
    if (name == "PhantomData") return true;
    if (name == "Option") {
      auto args = typeArguments(type);
      return args.size() == 1 && noDropGlue(args[0]);
    }
    return false;
  }

  /// True if an expression of this declared type can take the tail's type as written without a
  /// coercion (`&String` -> `&str`, `Box<T>` -> `Box<dyn Trait>` and so on), which `ready(..)`
  /// would not apply: primitives, `String`, type parameters, this file's own non-generic types.
  bool coercionFree(Node type) const {
    if (type.is("primitive_type") || type.is("unit_type")) return true;
    if (type.is("tuple_type")) {
      for (Node t : type.namedChildren())
        if (!coercionFree(t)) return false;
      return true;
    }
    if (type.is("array_type")) return type.field("length") && coercionFree(type.field("element"));
    if (!type.is("type_identifier")) return false;
    std::string_view name = type.text();
    if (name == "String" || name == "Self" || generics_.count(name)) return true;
    auto def = file_.definitions.find(name);
    return def != file_.definitions.end() && !def->second.is("type_item") && !def->second.field("type_parameters");
  }

 private:
  using Bounds = std::set<std::string, std::less<>>;

  void addGenerics(Node typeParameters, Node whereClause) {
    if (typeParameters)
      for (Node p : typeParameters.namedChildren())
        if (p.is("type_parameter")) generics_[std::string(textOf(p.field("name")))] = boundNames(p.field("bounds"));
    if (whereClause)
      for (Node pred : whereClause.namedChildren())
        if (pred.is("where_predicate")) {
          auto more = boundNames(pred.field("bounds"));
          auto g = generics_.find(textOf(pred.field("left")));
          if (g != generics_.end()) g->second.insert(more.begin(), more.end());
        }
  }

  Verdict allOf(const std::vector<Node>& types, AutoTrait trait, std::set<std::string, std::less<>>& visiting) const {
    Verdict v;
    for (Node t : types) v &= check(t, trait, visiting);
    return v;
  }

  Verdict check(Node type, AutoTrait trait, std::set<std::string, std::less<>>& visiting) const {
    std::string_view traitName = trait == AutoTrait::Send ? "Send" : "Sync";
    if (!type) return Verdict::unknown("a type is missing");
    for (Node carrier : carriers_)
      if (trait == AutoTrait::Send && holds(carrier, type)) return {};
    std::string_view k = type.kind();
    if (contains(std::array<std::string_view, 4>{"primitive_type", "unit_type", "never_type", "function_type"}, k))
      return {};
    if (k == "pointer_type") return Verdict::no(quotedOneLine(type) + " is a raw pointer");
    if (k == "reference_type") {
      bool mut = false;
      for (Node c : type.children()) mut |= c.is("mutable_specifier");
      // `&T` is Send when T is Sync; `&mut T` when T is Send; both are Sync when T is Sync.
      return check(type.field("type"), mut && trait == AutoTrait::Send ? AutoTrait::Send : AutoTrait::Sync, visiting);
    }
    if (k == "tuple_type" || k == "array_type") {
      std::vector<Node> parts;
      for (Node t : type.namedChildren())
        if (!t.is("integer_literal") && !t.is("identifier")) parts.push_back(t);
      return allOf(parts, trait, visiting);
    }
    if (k == "dynamic_type" || k == "abstract_type" || k == "bounded_type") {
      Node base = k == "bounded_type" ? firstNamedChild(type) : type;
      while (base.is("bounded_type")) base = firstNamedChild(base);
      if (boundNames(type).count(traitName)) return {};
      if (base.is("dynamic_type")) return Verdict::no(quotedOneLine(type) + " has no `+ " + std::string(traitName) + "`");
      return Verdict::unknown(quotedOneLine(type) + " has no `+ " + std::string(traitName) + "`");
    }
    std::string_view name = typeName(type);
    if (name.empty()) return Verdict::unknown(quotedOneLine(type) + " is not a type this check knows");
    auto args = typeArguments(type);
    if (name == "Self")
      return selfType_ ? check(selfType_, trait, visiting) : Verdict::unknown("`Self` is not known here");
    if (auto g = generics_.find(name); g != generics_.end()) {
      if (g->second.count(traitName)) return {};
      return Verdict::unknown(quotedOneLine(type) + " has no `" + std::string(traitName) + "` bound");
    }
    if (auto def = file_.definitions.find(name); def != file_.definitions.end())
      return checkDefinition(def->second, type, trait, visiting);
    return checkStd(type, name, args, trait, visiting);
  }

  Verdict checkDefinition(Node def, Node use, AutoTrait trait, std::set<std::string, std::less<>>& visiting) const {
    std::string name(textOf(def.field("name")));
    if ((trait == AutoTrait::Send ? file_.sendImpls : file_.syncImpls).count(name)) return {};
    if (!visiting.insert(name).second) return {};  // recursive type: decided by its other fields
    Verdict v;
    if (def.is("type_item")) {
      v = check(def.field("type"), trait, visiting);
    } else {
      // Fields that mention the definition's own type parameters are decided by the use's arguments.
      Bounds own;
      if (Node params = def.field("type_parameters"))
        for (Node p : params.namedChildren())
          if (p.is("type_parameter")) own.emplace(textOf(p.field("name")));
      Node body = def.field("body");  // none for a unit struct
      if (body) walk(body, [&](Node n) {
        if (n.is("function_item") || n.is("impl_item")) return false;
        Node parent = n.parent();
        bool isFieldType = parent.is("field_declaration")
                               ? n == parent.field("type")
                               : parent.is("ordered_field_declaration_list") && n.isNamed() &&
                                     !n.is("visibility_modifier") && !n.is("attribute_item");
        if (!isFieldType) return true;
        if (!own.count(typeName(n))) v &= check(n, trait, visiting);
        return false;
      });
      v &= allOf(typeArguments(use), trait, visiting);
    }
    visiting.erase(name);
    return v;
  }

  Verdict checkStd(Node type, std::string_view name, const std::vector<Node>& args, AutoTrait trait,
                   std::set<std::string, std::less<>>& visiting) const {
    static constexpr std::array<std::string_view, 8> kNeverSend = {
        "Rc", "Ref", "RefMut", "MutexGuard", "RwLockReadGuard", "RwLockWriteGuard", "ReentrantLockGuard", "NonNull"};
    static constexpr std::array<std::string_view, 9> kNeverSync = {
        "Rc", "Ref", "RefMut", "Cell", "RefCell", "UnsafeCell", "OnceCell", "NonNull", "Receiver"};
    static constexpr std::array<std::string_view, 13> kPlain = {
        "String", "str", "PathBuf", "Path", "OsString", "OsStr", "CString", "CStr", "Duration", "Instant",
        "SystemTime", "Ordering", "Infallible"};
    static constexpr std::array<std::string_view, 22> kLikeArguments = {
        "Box", "Vec", "Option", "Result", "VecDeque", "LinkedList", "HashMap", "HashSet", "BTreeMap", "BTreeSet",
        "BinaryHeap", "Pin", "Reverse", "Wrapping", "PhantomData", "Cow", "ManuallyDrop", "MaybeUninit", "Mutex",
        "RwLock", "OnceLock", "LazyLock"};
    bool rcWeak = name == "Weak" && (type.text().find("rc::") != std::string_view::npos || file_.rcWeakImported);
    bool never = trait == AutoTrait::Send ? contains(kNeverSend, name) : contains(kNeverSync, name);
    if (never || rcWeak)
      return Verdict::no(quotedOneLine(type) + " is not " + std::string(trait == AutoTrait::Send ? "Send" : "Sync"));
    if (contains(kPlain, name) || name.substr(0, 6) == "Atomic") return {};
    if ((name == "Cell" || name == "RefCell") && trait == AutoTrait::Send) return allOf(args, trait, visiting);
    if (name == "Mutex") return allOf(args, AutoTrait::Send, visiting);  // Send and Sync when the content is Send
    if (name == "Arc" || name == "Weak") {  // Send and Sync when the content is both
      Verdict v = allOf(args, AutoTrait::Send, visiting);
      v &= allOf(args, AutoTrait::Sync, visiting);
      return v;
    }
    if (contains(kLikeArguments, name)) return allOf(args, trait, visiting);
    return Verdict::unknown(quotedOneLine(type) + " is not defined in this file");
  }

  const FileFacts& file_;
  std::map<std::string, Bounds, std::less<>> generics_;
  Node selfType_;
  mutable std::vector<Node> carriers_;
};

// ---------------------------------------------------------------------------------------------
// The shape: an `async fn` with a body, or an `async` block, with no `.await` of its own.

struct Candidate {
  std::optional<rust::Function> fn;  // the fn form
  Node asyncBlock;                   // the block form
  Node body;                         // the block that runs when the future is first polled
  bool isMove = false;
};

/// Macros that expand to `.await`: `join!`, `select!` and friends from tokio/futures/std.
bool knownAwaitingMacro(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kAwaiting = {"join", "try_join", "select", "select_biased",
                                                                "pending"};
  return contains(kAwaiting, name);
}

/// Std macros that never expand to `.await`, `return` or `?`.
bool knownSyncMacro(std::string_view name) {
  static constexpr std::array<std::string_view, 30> kSync = {
      "println", "print", "eprintln", "eprint", "format", "format_args", "write", "writeln", "vec", "assert",
      "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "debug_assert_ne", "panic", "unreachable",
      "todo", "unimplemented", "dbg", "matches", "concat", "stringify", "line", "column", "file", "module_path",
      "env", "include_str", "cfg"};
  return contains(kSync, name);
}

/// Every macro invocation in the future's own code, with its name's last path segment, including
/// invocations nested in another macro's tokens.
std::vector<std::pair<Node, std::string_view>> macroCalls(Node body) {
  std::vector<std::pair<Node, std::string_view>> out;
  walkSameFuture(body, [&](Node n) {
    if (n.is("macro_invocation")) {
      Node path = n.field("macro");
      if (path.is("scoped_identifier")) path = path.field("name");
      out.emplace_back(n, textOf(path));
    } else if (n.is("identifier") && n.parent().is("token_tree") && n.nextSibling().is("!")) {
      out.emplace_back(n, n.text());
    }
    return true;
  });
  return out;
}

bool awaitsThroughMacro(Node body, const std::set<std::string, std::less<>>& awaitingRules) {
  for (auto& [call, name] : macroCalls(body))
    if (knownAwaitingMacro(name) || awaitingRules.count(name)) return true;
  return false;
}

std::vector<Candidate> findCandidates(const RuleInput& input, const FileFacts& file) {
  std::vector<Candidate> out;
  auto noAwait = [&](Node body) {
    return rust::awaitsIn(body).empty() && !awaitsThroughMacro(body, file.awaitingMacroRules);
  };
  walk(input.tree.root(), [&](Node n) {
    if (n.is("macro_invocation") || n.is("macro_definition")) return false;
    if (n.is("function_item")) {
      auto fn = rust::asFunction(n);
      // A trait's own `async fn` declares the interface its impls follow: left alone.
      bool complete = fn && fn->name && fn->parameters && fn->body;
      // A body the parse skipped awaits (see SkippableText): its empty block is not what it holds.
      if (complete && fn->isAsync && !fn->inTraitDefinition && !rust::insideMacro(n) &&
          !input.tree.skipsInside(fn->body) && noAwait(fn->body))
        out.push_back({fn, Node{}, fn->body, false});
    } else if (n.is("async_block")) {
      Node block = n.namedChildren().empty() ? Node{} : n.namedChildren().back();
      bool isMove = false;
      for (Node c : n.children()) isMove |= c.kind() == "move";
      if (block.is("block") && !rust::insideMacro(n) && noAwait(block)) out.push_back({std::nullopt, n, block, isMove});
    }
    return true;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Safety conditions. Each returns the problem it finds, with how bad it is and where.

struct Problem {
  Applicability level;  // Unsafe or Unavailable
  std::string reason;   // the whole story, for the fix
  Node at;              // where it comes from,
  std::string note;     // with a short label for that place
};

std::string subject(const Candidate& c) {
  return c.fn ? "`" + std::string(c.fn->name.text()) + "` is called" : "the block is created";
}

/// An attribute that hands the item to a macro, looking inside `cfg_attr(pred, attrs..)` too:
/// each attribute after the predicate is judged as if written alone.
bool isMacroAttribute(Node attributeItem) {
  Node attribute = firstNamedChild(attributeItem);
  Node arguments = attribute ? attribute.field("arguments") : Node{};
  if (textOf(firstNamedChild(attribute)) != "cfg_attr" || !arguments.is("token_tree"))
    return rust::isAttributeMacro(attributeItem);
  std::vector<std::pair<uint32_t, uint32_t>> parts{{0, 0}};  // byte ranges between top-level commas
  for (uint32_t i = 1; i + 1 < arguments.childCount(); ++i) {
    Node token = arguments.child(i);
    if (token.kind() == ",") parts.emplace_back(0, 0);
    else parts.back() = {parts.back().first ? parts.back().first : token.begin(), token.end()};
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!parts[i].first) continue;
    auto [begin, end] = parts[i];
    std::string alone = "#[" + std::string(arguments.source().substr(begin, end - begin)) + "] fn f() {}";
    auto tree = SyntaxTree::parseRust(alone);
    Node item = firstNamedChild(tree->root());
    if (tree->hasError() || !item.is("attribute_item") || isMacroAttribute(item)) return true;
  }
  return false;
}

/// An attribute macro on the fn, or on the impl, trait or module it is declared in
/// (`#[async_trait] impl ..`), receives the `async fn` as written and may rely on it being one.
/// Macros on a function around the code (`#[tokio::test] fn t() { async { .. } }`) re-emit its
/// body, so code nested in a function body is not their concern.
std::optional<Problem> attributeMacro(const Candidate& c) {
  if (!c.fn) return std::nullopt;
  for (Node item = c.fn->item; item; item = item.parent()) {
    if (item.is("block")) break;
    if (!item.is("function_item") && !item.is("impl_item") && !item.is("trait_item") && !item.is("mod_item"))
      continue;
    for (Node attribute : outerAttributes(item))
      if (isMacroAttribute(attribute))
        return Problem{Applicability::Unavailable,
                       quotedOneLine(attribute) + " is an attribute macro: it needs the code it is given as written", attribute,
                       "attribute macro"};
  }
  return std::nullopt;
}

/// A macro from elsewhere may expand to `.await` (or `return`, `?`), which `ready(..)` cannot hold.
std::optional<Problem> opaqueMacro(const Candidate& c, const std::set<std::string, std::less<>>& fileMacros) {
  for (auto& [call, name] : macroCalls(c.body))
    if (!knownSyncMacro(name) && !fileMacros.count(name))
      return Problem{Applicability::Unavailable,
                     "cannot tell whether macro `" + std::string(name) + "!` expands to an `.await` or a `return`",
                     call, "macro defined elsewhere"};
  return std::nullopt;
}

/// `return` and `?` leave the async fn / block; inside `ready(..)` they would leave the outer fn.
std::optional<Problem> earlyReturn(const Candidate& c, const FileFacts& file) {
  for (auto& [call, name] : macroCalls(c.body))
    if (file.returningMacroRules.count(name))
      return Problem{Applicability::Unavailable,
                     "the body returns early through macro `" + std::string(name) +
                         "!`: `core::future::ready(..)` needs a single value",
                     call, "expands to `return` or `?`"};
  std::optional<Problem> found;
  walkSameFuture(c.body, [&](Node n) {
    if (found) return false;
    bool isReturn = n.is("return_expression") || n.is("try_expression");
    if (n.parent().is("token_tree") && (n.kind() == "return" || n.kind() == "?")) isReturn = true;
    if (isReturn)
      found = Problem{Applicability::Unavailable,
                      "the body returns early with " + quotedOneLine(n.parent().is("token_tree") ? n.parent() : n) +
                          ": `core::future::ready(..)` needs a single value",
                      n, "returns early"};
    return !found;
  });
  return found;
}

std::string bindingName(Node pattern) {
  if (pattern.is("identifier")) return std::string(pattern.text());
  if (pattern.is("mut_pattern")) return bindingName(firstNamedChild(pattern));
  return "";
}

/// Parameters / captured variables moved whole by the body: used as a value (not borrowed, not
/// projected) where the body always evaluates it: the tail, `let` initialisers, top-level
/// statements, descending through tuples, arrays, struct literals, call arguments, assignments.
/// A name the body binds again with `let` is not counted: its later uses mean the new binding.
std::set<std::string, std::less<>> movedWhole(Node body) {
  std::set<std::string, std::less<>> out, rebound;
  for (Node item : rust::blockItems(body))
    if (item.is("let_declaration")) walk(item.field("pattern"), [&](Node n) {
        if (n.is("identifier")) rebound.emplace(n.text());
        return true;
      });
  std::vector<Node> work = rust::blockItems(body);
  while (!work.empty()) {
    Node e = rust::unparenthesize(work.back());
    work.pop_back();
    if (!e) continue;
    std::string_view k = e.kind();
    if (k == "identifier" || k == "self") {
      out.emplace(e.text());
    } else if (k == "expression_statement" || k == "tuple_expression" || k == "array_expression" ||
               k == "arguments" || k == "field_initializer_list") {
      for (Node c : e.namedChildren()) work.push_back(c);
    } else if (k == "let_declaration" || k == "field_initializer") {
      if (Node v = e.field("value")) work.push_back(v);
    } else if (k == "shorthand_field_initializer") {
      work.push_back(firstNamedChild(e));
    } else if (k == "struct_expression") {
      work.push_back(e.field("body"));
    } else if (k == "call_expression") {
      work.push_back(e.field("arguments"));
    } else if (k == "assignment_expression") {
      work.push_back(e.field("right"));
    }
  }
  for (const auto& name : rebound) out.erase(name);
  return out;
}

/// Every parameter with drop glue must be moved whole into the body: otherwise the async fn
/// drops it after the first poll, the rewrite when the fn is called.
std::optional<Problem> paramDroppedEarlier(const Candidate& c, const TypeFacts& types) {
  auto moved = movedWhole(c.body);
  std::string fnName(c.fn->name.text());
  for (Node p : c.fn->parameters.namedChildren()) {
    std::string name;
    bool dropFree = false;
    if (p.is("self_parameter")) {
      name = "self";
      bool byReference = false;
      for (Node t : p.children()) byReference |= t.kind() == "&";
      dropFree = byReference || (types.selfType() && types.noDropGlue(types.selfType()));
    } else if (p.is("parameter")) {
      name = bindingName(p.field("pattern"));
      if (p.field("pattern").is("self")) name = "self";
      dropFree = types.noDropGlue(p.field("type"));
    } else {
      continue;  // attributes, variadics
    }
    if (dropFree || (!name.empty() && moved.count(name))) continue;
    std::string what = name.empty() ? "parameter " + quotedOneLine(p) : "parameter `" + name + "`";
    return Problem{Applicability::Unavailable,
                   what + " is not moved into the result: the `async fn` drops it after the first poll, "
                          "the rewrite would drop it when `" + fnName + "` is called",
                   p, "dropped when `" + fnName + "` is called after the rewrite"};
  }
  return std::nullopt;
}

/// Where a name used in an `async move` block was bound before it, and the type it was given
/// (a typed parameter or `let`, `&self`, or a literal initialiser), if any.
struct Binding {
  Node pattern;
  Node type;
  bool dropFree = false;
};

/// Whether a name bound by `pattern` is still in scope at `use`: the block, fn, closure or arm
/// that holds the binding also holds the use.
bool inScopeAt(Node pattern, Node use) {
  Node scope = pattern.parent();
  while (scope && !contains(std::array<std::string_view, 7>{"block", "function_item", "closure_expression", "match_arm",
                                                            "for_expression", "if_expression", "while_expression"},
                            scope.kind()))
    scope = scope.parent();
  return scope && scope.begin() <= use.begin() && use.end() <= scope.end();
}

std::optional<Binding> bindingBefore(Node asyncBlock, std::string_view name, const TypeFacts& types) {
  Node scope = asyncBlock;
  while (scope && !scope.is("function_item") && !scope.is("source_file")) scope = scope.parent();
  std::optional<Binding> found;
  walk(scope, [&](Node n) {
    if (n.begin() >= asyncBlock.begin()) return false;
    if (n.is("self_parameter") && name == "self") {
      bool byReference = false;
      for (Node t : n.children()) byReference |= t.kind() == "&";
      found = Binding{n, Node{}, byReference || (types.selfType() && types.noDropGlue(types.selfType()))};
    }
    Node parent = n.parent();
    bool isBinding = n.is("identifier") && n.text() == name && parent && inScopeAt(n, asyncBlock) &&
                     (n == parent.field("pattern") || parent.is("mut_pattern") || parent.is("closure_parameters") ||
                      parent.is("tuple_pattern") || parent.is("tuple_struct_pattern") ||
                      parent.is("field_pattern") || parent.is("match_pattern") || parent.is("or_pattern") ||
                      parent.is("captured_pattern"));
    if (isBinding) {
      Node declaration = parent.is("mut_pattern") ? parent.parent() : parent;
      bool typed = declaration.is("parameter") || declaration.is("let_declaration");
      Node type = typed ? declaration.field("type") : Node{};
      Node value = declaration.is("let_declaration") && !type ? declaration.field("value") : Node{};
      bool literal = value && (value.is("integer_literal") || value.is("float_literal") ||
                               value.is("boolean_literal") || value.is("char_literal") || value.is("string_literal"));
      found = Binding{n, type, literal || (type && types.noDropGlue(type))};
    }
    return true;
  });
  return found;
}

/// An `async move` block owns what it captures and drops it when it completes; `ready(..)` only
/// uses the variables, which stay in the enclosing scope until it ends.
std::optional<Problem> captureDroppedElsewhere(const Candidate& c, const TypeFacts& types) {
  if (!c.isMove) return std::nullopt;
  auto moved = movedWhole(c.body);
  std::optional<Problem> found;
  walk(c.body, [&](Node n) {
    if (found || n.is("scoped_identifier") || n.is("field_identifier")) return false;
    Node parent = n.parent();
    bool isUse = (n.is("identifier") || n.is("self")) && !(parent.is("macro_invocation") && n == parent.field("macro"));
    if (!isUse || moved.count(n.text())) return true;
    auto binding = bindingBefore(c.asyncBlock, n.text(), types);
    if (binding && !binding->dropFree)
      found = Problem{Applicability::Unavailable,
                      "`" + std::string(n.text()) +
                          "` is moved into the `async move` block, which drops it when it completes; after the "
                          "rewrite it would stay in the enclosing scope until that ends",
                      n, "owned by the `async move` block"};
    return true;
  });
  return found;
}

/// "the output `Wrapper` is not Send: `Rc<u32>` is not Send", or just "the output `Rc<u32>` is not Send".
std::string notSend(std::string_view what, Node type, const Verdict& v) {
  std::string head = std::string(what) + " " + quotedOneLine(type) + " is not Send";
  return v.culprit == quotedOneLine(type) + " is not Send" ? head : head + " (" + v.culprit + ")";
}

/// The async fn's future was Send when every parameter was (nothing is held across an await
/// here); `Ready<T>` is Send when the output is. A rewrite must not turn one into the other.
std::optional<Problem> outputNotSend(const Candidate& c, const TypeFacts& types) {
  Node output = c.fn->returnType;
  if (!output) return std::nullopt;
  std::vector<Node> byValue;
  for (Node p : c.fn->parameters.namedChildren()) {
    Node type = p.is("parameter") ? p.field("type") : Node{};
    AutoTrait needed = AutoTrait::Send;  // for the future's copy of the parameter to be Send
    bool held = p.is("parameter");
    if (p.is("self_parameter")) {
      bool reference = false, mut = false;
      for (Node t : p.children()) {
        reference |= t.kind() == "&";
        mut |= t.is("mutable_specifier");
      }
      type = types.selfType();
      held = !reference;
      if (reference && !mut) needed = AutoTrait::Sync;  // `&Self` is Send when `Self` is Sync
    }
    if (!type) continue;
    // Already not Send: the rewrite loses nothing.
    if (types.check(type, needed).answer == Answer::No) return std::nullopt;
    if (held) byValue.push_back(type);
  }
  Verdict v = types.check(output, AutoTrait::Send, byValue);
  if (v.answer == Answer::Yes) return std::nullopt;
  if (v.answer == Answer::No)
    return Problem{Applicability::Unavailable,
                   notSend("the output", output, v) + ": `Ready<" + std::string(output.text()) +
                       ">` would not be Send, while the `async fn`'s future was",
                   output, "not Send"};
  return Problem{Applicability::Unsafe,
                 "cannot tell whether the output " + quotedOneLine(output) + " is Send (" + v.culprit +
                     "); if it is not, the returned future stops being Send",
                 output, "may not be Send"};
}

/// What in a value leaves part of its type to inference (`Ok(v)`: the error type), or "".
std::string inferredPart(Node n) {
  if (n.is("identifier") && n.text() == "None" && !n.parent().is("call_expression")) return "the `Option`'s content";
  if (!n.is("call_expression") || !n.field("function").is("identifier")) return "";
  std::string_view callee = n.field("function").text();
  if (callee == "Ok") return "the `Result`'s error type";
  if (callee == "Err") return "the `Result`'s value type";
  return "";
}

/// The block form's value is built from literals and captured variables (which the block's
/// future held already); only the types it names, and those inference picks, can make `Ready<..>`
/// lose Send. (axum: `async { Ok(StatusCode::OK) }` was Send for any error type `E`; `ready(..)`
/// holds the `Result<_, E>` and is Send only when `E` is.)
std::optional<Problem> blockValueNotSend(const Candidate& c, const TypeFacts& types) {
  Node tail = rust::blockTail(c.body);
  if (!tail) return std::nullopt;
  std::optional<Problem> found;
  walk(tail, [&](Node n) {
    if (found) return false;
    if (std::string inferred = inferredPart(n); !inferred.empty()) {
      found = Problem{Applicability::Unsafe,
                      quotedOneLine(n) + " leaves " + inferred + " to inference: if that type is not Send, " +
                          "`Ready<..>` is not Send either, while the `async` block's future was (it holds no value)",
                      n, "type left to inference"};
      return false;
    }
    Node named;
    if (n.is("struct_expression")) named = n.field("name");
    if (n.is("type_cast_expression")) named = n.field("type");
    if (!named) return true;
    if (named.is("generic_type_with_turbofish")) named = named.field("type");
    Verdict v = types.check(named, AutoTrait::Send);
    if (v.answer == Answer::No)
      found = Problem{Applicability::Unavailable, notSend("the value", tail, v), n, "not Send"};
    else if (v.answer == Answer::Unknown)
      found = Problem{Applicability::Unsafe,
                      "cannot tell whether the value " + quotedOneLine(tail) + " is Send (" + v.culprit + ")", n,
                      "may not be Send"};
    return !found;
  });
  return found;
}

/// `ready(..)` is another type, of another size, than the async block it replaces. A fn that asks
/// for a value's layout or type (`Layout::for_value(&fut)`, `assert_eq!(size_of_val(&fut), 1)`)
/// tells the difference, and so may what it then hands the futures to (tokio-util's
/// `ReusableBoxFuture::try_set` keeps its allocation only for a future of the same layout): no
/// async block of that fn is rewritten, so they stay alike.
std::optional<Problem> layoutObserved(const Candidate& c) {
  auto observer = rust::layoutObserver(c.asyncBlock);
  if (!observer) return std::nullopt;
  return Problem{Applicability::Unavailable,
                 "`" + std::string(observer->fn.field("name").text()) + "` looks at a value's layout or type (`" +
                     std::string(observer->name.text()) + "`): `core::future::ready(..)` has another size and " +
                     "type than the async block",
                 observer->name, "looks at a layout or type"};
}

/// `Ok(v)`, `Err(v)`, `Some(v)` -> `v`, repeatedly: building a std enum variant runs no code.
Node withoutVariantConstructors(Node expr) {
  for (;;) {
    expr = rust::unparenthesize(expr);
    if (!expr.is("call_expression")) return expr;
    Node callee = expr.field("function"), arguments = expr.field("arguments");
    bool variant =
        callee.is("identifier") && contains(std::array<std::string_view, 3>{"Ok", "Err", "Some"}, callee.text());
    auto args = arguments ? arguments.namedChildren() : std::vector<Node>{};
    if (!variant || args.size() != 1) return expr;
    expr = args[0];
  }
}

/// The body now runs when the fn is called / the block is created, not when first polled: only
/// a single pure tail expression cannot tell the difference.
std::optional<Problem> bodyRunsEarlier(const Candidate& c) {
  auto items = rust::blockItems(c.body);
  Node tail = rust::blockTail(c.body);
  std::string when = "the body now runs when " + subject(c) + ", not when its future is first polled: ";
  std::string note = "runs when " + subject(c) + " after the rewrite";
  if (items.size() > (tail ? 1u : 0u))
    return Problem{Applicability::Unsafe, when + quotedOneLine(items[0]) + " may run code or panic", items[0], note};
  std::string why;  // "`<code>` may run code or panic", the code as written
  if (tail && !rust::isPure(withoutVariantConstructors(tail), &why)) {
    size_t close = why.rfind('`');
    if (why.size() > 2 && why[0] == '`' && close > 0) why = quotedOneLine(why.substr(1, close - 1)) + why.substr(close + 1);
    return Problem{Applicability::Unsafe, when + why, tail, note};
  }
  return std::nullopt;
}

bool isUnit(Node type) { return !type || type.is("unit_type"); }

std::optional<Problem> noValue(const Candidate& c) {
  if (!c.fn || rust::blockTail(c.body) || isUnit(c.fn->returnType)) return std::nullopt;
  return Problem{Applicability::Unavailable, "the body ends without a value (it diverges)", c.body,
                 "no tail expression"};
}

// ---------------------------------------------------------------------------------------------
// The rewrite.

/// How the rewrite spells `Future`: bare where the fn's module (or an enclosing block) imports
/// std's, or in edition 2024 where nothing else takes the name; `core::future::Future` otherwise.
std::string futurePath(Node fnItem, Edition edition, const FileFacts& file) {
  for (Node scope = fnItem.parent(); scope; scope = scope.parent()) {
    if (!isScope(scope)) continue;
    if (auto bound = file.futureNames.find(scope.index()); bound != file.futureNames.end()) return bound->second;
    if (!scope.is("block")) break;  // a module does not see its parent's imports
  }
  return edition >= Edition::E2024 ? "Future" : "core::future::Future";
}

/// True if `expr` has exactly `type` with no coercion: a type nothing coerces to, a parameter
/// declared with that type, or a tuple of such.
bool hasTypeAsWritten(const rust::Function& fn, Node expr, Node type, const TypeFacts& types) {
  expr = rust::unparenthesize(expr);
  if (types.coercionFree(type)) return true;
  if (expr.is("identifier"))
    for (Node p : fn.parameters.namedChildren())
      if (p.is("parameter") && bindingName(p.field("pattern")) == expr.text() &&
          rust::sameTokens(p.field("type"), type))
        return true;
  if (expr.is("tuple_expression") && type.is("tuple_type")) {
    auto values = expr.namedChildren(), parts = type.namedChildren();
    if (values.size() != parts.size()) return false;
    for (size_t i = 0; i < values.size(); ++i)
      if (!hasTypeAsWritten(fn, values[i], parts[i], types)) return false;
    return true;
  }
  return false;
}

/// The tail may rely on a coercion to the declared output (`&String` -> `&str`), which
/// `ready(..)` would not apply: then the output type is spelled out, `ready::<&str>(..)`.
bool needsTypeHint(const rust::Function& fn, Node tail, const TypeFacts& types) {
  Node output = fn.returnType;
  return output && output.text().find("impl ") == std::string_view::npos &&
         !hasTypeAsWritten(fn, tail, output, types);
}

/// Inserts `core::future::ready(())` as the last item of a block that has no tail.
TextEdit appendReadyUnit(std::string_view text, Node block) {
  uint32_t close = block.end() - 1;
  auto items = rust::blockItems(block);
  uint32_t afterItems = items.empty() ? block.begin() + 1 : items.back().end();
  std::string_view gap = text.substr(afterItems, close - afterItems);
  std::string ready = std::string(kReady) + "(())";
  if (gap.find('\n') == std::string_view::npos) return {{close, close}, (gap.empty() ? " " : "") + ready + " "};
  // `}` on its own line: the new line goes just before it, indented like the statements.
  uint32_t lineStart = close - static_cast<uint32_t>(rust::lineIndent(text, close).size());
  std::string indent = items.empty() ? std::string(rust::lineIndent(text, close)) + "    "
                                     : std::string(rust::lineIndent(text, items.back().begin()));
  return {{lineStart, lineStart}, indent + ready + "\n"};
}

std::vector<TextEdit> fnRewrite(const Candidate& c, const RuleInput& input, const TypeFacts& types) {
  const rust::Function& fn = *c.fn;
  std::vector<TextEdit> edits;
  for (Node m : fn.item.namedChildren())
    if (m.is("function_modifiers"))
      for (Node token : m.children())
        if (token.kind() == "async") {
          uint32_t end = token.end();
          while (end < input.text.size() && (input.text[end] == ' ' || input.text[end] == '\t')) ++end;
          edits.push_back({{token.begin(), end}, ""});
        }
  std::string future = futurePath(fn.item, input.project.edition, types.file());
  std::string output = fn.returnType ? std::string(fn.returnType.text()) : "()";
  std::string signature = "impl " + future + "<Output = " + output + ">";
  if (fn.returnType)
    edits.push_back({{fn.returnType.begin(), fn.returnType.end()}, signature});
  else
    edits.push_back({{fn.parameters.end(), fn.parameters.end()}, " -> " + signature});
  if (Node tail = rust::blockTail(c.body)) {
    std::string hint = needsTypeHint(fn, tail, types) ? "::<" + output + ">" : "";
    edits.push_back({{tail.begin(), tail.end()}, std::string(kReady) + hint + "(" + std::string(tail.text()) + ")"});
  } else {
    edits.push_back(appendReadyUnit(input.text, c.body));
  }
  return edits;
}

/// `async move { v }` -> `core::future::ready(v)`; the whole block goes in when it has
/// statements or comments.
std::vector<TextEdit> blockRewrite(const Candidate& c) {
  Node tail = rust::blockTail(c.body);
  auto items = rust::blockItems(c.body);
  bool comments = !rust::commentsIn(c.body, c.body.begin(), c.body.end()).empty();
  std::string_view value = c.body.text();
  if (items.empty() && !comments) value = "()";
  if (tail && items.size() == 1 && !comments) value = tail.text();
  return {{{c.asyncBlock.begin(), c.asyncBlock.end()}, std::string(kReady) + "(" + std::string(value) + ")"}};
}

// ---------------------------------------------------------------------------------------------

/// Every safety condition that fails, in the order of the documentation: the fix is unavailable
/// at the first Unavailable one, else unsafe if there is any.
std::vector<Problem> safetyProblems(const Candidate& c, const TypeFacts& types, const FileFacts& file) {
  std::vector<std::optional<Problem>> checked = {
      attributeMacro(c),
      earlyReturn(c, file),
      opaqueMacro(c, file.macroRules),
      c.fn ? outputNotSend(c, types) : blockValueNotSend(c, types),
      c.fn ? paramDroppedEarlier(c, types) : captureDroppedElsewhere(c, types),
      c.fn ? std::nullopt : layoutObserved(c),
      noValue(c),
      bodyRunsEarlier(c),
  };
  std::vector<Problem> out;
  for (auto& p : checked)
    if (p) out.push_back(std::move(*p));
  return out;
}

class ReadyFuture : public RustRule {
 public:
  std::string_view id() const override { return kCheck; }
  std::string_view summary() const override {
    return "an `async fn` or async block that never awaits: return `core::future::ready(..)` instead";
  }

  std::vector<Finding> check(const RuleInput& input) const override {
    std::vector<Finding> findings;
    if (input.project.edition == Edition::E2015) return findings;  // no `async` before 2018
    FileFacts file(input.tree.root());
    for (const Candidate& c : findCandidates(input, file)) findings.push_back(finding(c, input, file));
    return findings;
  }

 private:
  static Finding finding(const Candidate& c, const RuleInput& input, const FileFacts& file) {
    TypeFacts types(file, c.fn ? &*c.fn : nullptr);
    Finding f;
    f.check = std::string(kCheck);
    if (c.fn) {
      f.message = "`async fn " + std::string(c.fn->name.text()) + "` never awaits: " + std::string(kCost);
      f.range = {c.fn->item.begin(), c.fn->name.end()};
      for (Node m : c.fn->item.namedChildren())
        if (m.is("function_modifiers")) f.range.begin = m.begin();
    } else {
      f.message = "this async block never awaits: " + std::string(kCost);
      f.range = {c.asyncBlock.begin(), c.body.begin()};
    }
    std::string unsafeReasons;
    for (const auto& p : safetyProblems(c, types, file)) {
      f.notes.push_back({{p.at.begin(), p.at.end()}, p.note});
      if (p.level == Applicability::Unavailable) {
        f.fix = Fix::unavailable(p.reason);
        return f;
      }
      unsafeReasons += (unsafeReasons.empty() ? "" : "; ") + p.reason;
    }
    std::string description = c.fn ? "make `" + std::string(c.fn->name.text()) +
                                         "` a plain `fn` that returns `core::future::ready(..)`"
                                   : "replace the async block with `core::future::ready(..)`";
    auto edits = c.fn ? fnRewrite(c, input, types) : blockRewrite(c);
    f.fix = unsafeReasons.empty() ? Fix::safe(description, edits) : Fix::unsafe(description, unsafeReasons, edits);
    return f;
  }
};

CORO_FIX_REGISTER_RULE(ReadyFuture);

}  // namespace
}  // namespace corofix

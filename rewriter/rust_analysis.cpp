#include "rewriter/rust_analysis.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

namespace corofix::rust {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool allNamedChildrenPure(Node n, std::string* why) {
  for (Node c : n.namedChildren())
    if (!c.is("mutable_specifier") && !isPure(c, why)) return false;
  return true;
}

void leaves(Node root, std::vector<std::string_view>& out) {
  walk(root, [&](Node n) {
    if (n.isComment()) return false;
    if (n.childCount() == 0) {
      if (!n.text().empty()) out.push_back(n.text());
      return false;
    }
    return true;
  });
}

}  // namespace

bool isOneOf(std::string_view kind, std::initializer_list<std::string_view> kinds) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

bool isPure(Node expr, std::string* why) {
  std::string_view k = expr.kind();
  if (endsWith(k, "_literal") || isOneOf(k, {"identifier", "self", "scoped_identifier", "unit_expression",
                                               "closure_expression", "generic_function", "metavariable"}))
    return true;
  if (isOneOf(k, {"field_expression"})) return isPure(expr.field("value"), why);
  if (isOneOf(k, {"reference_expression", "unary_expression", "parenthesized_expression", "tuple_expression",
                  "array_expression", "type_cast_expression", "struct_expression", "field_initializer_list",
                  "field_initializer", "shorthand_field_initializer", "base_field_initializer"})) {
    if (k == "type_cast_expression") return isPure(expr.field("value"), why);
    if (k == "struct_expression") return isPure(expr.field("body"), why);
    if (k == "field_initializer") return isPure(expr.field("value"), why);
    return allNamedChildrenPure(expr, why);
  }
  if (why) *why = "`" + std::string(expr.text()) + "` may run code or panic";
  return false;
}

bool sameTokens(Node a, Node b) {
  std::vector<std::string_view> la, lb;
  leaves(a, la);
  leaves(b, lb);
  return la == lb;
}

Node unparenthesize(Node expr) {
  while (expr.is("parenthesized_expression") && expr.namedChildren().size() == 1) expr = expr.namedChildren()[0];
  return expr;
}

bool insideMacro(Node node) {
  for (Node p = node.parent(); p; p = p.parent())
    if (p.is("token_tree") || p.is("macro_invocation") || p.is("macro_definition")) return true;
  return false;
}

std::optional<LayoutObserver> layoutObserver(Node node) {
  Node fn = node;
  while (fn && !fn.is("function_item")) fn = fn.parent();
  Node found;
  walk(fn, [&](Node n) {
    if (found) return false;
    if ((n.is("identifier") || n.is("field_identifier")) &&
        isOneOf(n.text(), {"size_of_val", "align_of_val", "for_value", "type_name_of_val", "size_of_val_raw",
                           "align_of_val_raw", "type_id"}))
      found = n;
    return !found;
  });
  if (!found) return std::nullopt;
  return LayoutObserver{fn, found};
}

std::vector<Node> awaitsIn(Node root) {
  std::vector<Node> out;
  walk(root, [&](Node n) {
    if (n == root) return true;
    if (isOneOf(n.kind(), {"closure_expression", "async_block", "function_item", "impl_item", "trait_item",
                           "mod_item"}))
      return false;
    if (n.is("await_expression")) out.push_back(n);
    // Macro arguments are token trees: `select! { x = f().await => .. }` awaits, but unparsed.
    if (n.is("macro_invocation")) {
      if (n.text().find(".await") != std::string_view::npos) out.push_back(n);
      return false;
    }
    return true;
  });
  return out;
}

std::vector<Node> blockItems(Node block) {
  std::vector<Node> out;
  for (Node c : block.namedChildren())
    if (!c.is("label")) out.push_back(c);
  return out;
}

Node blockTail(Node block) {
  auto items = blockItems(block);
  if (items.empty()) return {};
  Node last = items.back();
  if (last.is("expression_statement")) {
    // A block-like expression (`match`, `if`, ...) at the end parses as a statement; it is the
    // tail unless a `;` follows it.
    if (last.child(last.childCount() - 1).kind() == ";") return {};
    return last.namedChildren().empty() ? Node{} : last.namedChildren()[0];
  }
  if (endsWith(last.kind(), "_item") || isOneOf(last.kind(), {"let_declaration", "empty_statement",
                                                               "attribute_item", "inner_attribute_item"}))
    return {};
  return last;
}

std::optional<AwaitedCall> awaitedCall(Node expr) {
  expr = unparenthesize(expr);
  while (expr.is("expression_statement") || expr.is("return_expression")) {  // `return g().await;`
    auto inner = expr.namedChildren();
    if (inner.size() != 1) return std::nullopt;
    expr = unparenthesize(inner[0]);
  }
  if (!expr.is("await_expression")) return std::nullopt;
  auto awaited = expr.namedChildren();
  if (awaited.size() != 1 || !awaited[0].is("call_expression")) return std::nullopt;
  AwaitedCall call;
  call.await = expr;
  call.call = awaited[0];
  call.function = call.call.field("function");
  call.arguments = call.call.field("arguments");
  if (!call.function || !call.arguments) return std::nullopt;
  Node callee = call.function.is("generic_function") ? call.function.field("function") : call.function;
  if (callee.is("field_expression")) {
    call.receiver = callee.field("value");
    call.name = std::string(callee.field("field").text());
  } else if (callee.is("identifier") || callee.is("scoped_identifier")) {
    call.name = std::string(callee.text());
  } else {
    return std::nullopt;
  }
  for (Node a : call.arguments.namedChildren())
    if (!a.is("attribute_item")) call.args.push_back(a);
  return call;
}

std::optional<Function> asFunction(Node item) {
  if (!item.is("function_item")) return std::nullopt;
  Function f;
  f.item = item;
  f.name = item.field("name");
  f.parameters = item.field("parameters");
  f.returnType = item.field("return_type");
  f.body = item.field("body");
  f.typeParameters = item.field("type_parameters");
  for (Node c : item.namedChildren()) {
    if (c.is("where_clause")) f.whereClause = c;
    if (c.is("function_modifiers")) {
      for (Node m : c.children()) {
        f.isAsync |= m.kind() == "async";
        f.isUnsafe |= m.kind() == "unsafe";
        f.isConst |= m.kind() == "const";
        f.isExtern |= m.is("extern_modifier");
      }
    }
  }
  for (Node p = item.prevNamedSibling(); p && (p.is("attribute_item") || p.isComment()); p = p.prevNamedSibling())
    if (p.is("attribute_item")) f.attributes.insert(f.attributes.begin(), p);
  Node list = item.parent();
  if (list.is("declaration_list")) {
    Node owner = list.parent();
    if (owner.is("impl_item")) {
      f.impl = owner;
      f.inTraitImpl = !owner.field("trait").isNull();
    }
    f.inTraitDefinition = owner.is("trait_item");
  }
  return f;
}

namespace {

/// Compiler attributes that neither see nor change the fn's body.
bool isBuiltinAttribute(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kBuiltin = {
      "inline", "allow", "warn", "deny", "forbid", "expect", "cfg", "doc", "must_use", "deprecated",
      "cold", "rustfmt::skip", "automatically_derived"};
  if (name.substr(0, 8) == "clippy::" || name.substr(0, 12) == "diagnostic::") return true;
  return std::find(kBuiltin.begin(), kBuiltin.end(), name) != kBuiltin.end();
}

/// `cfg_attr(predicate, a, b(..))` applies `a` and `b` when the predicate holds: a macro if any is.
bool cfgAttrMayApplyMacro(Node arguments) {
  if (!arguments) return true;
  std::string_view inner = arguments.text();
  if (inner.size() < 2) return true;
  inner = inner.substr(1, inner.size() - 2);
  int depth = 0;
  size_t start = 0;
  std::vector<std::string_view> items;
  for (size_t i = 0; i <= inner.size(); ++i) {
    char c = i < inner.size() ? inner[i] : ',';
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      items.push_back(inner.substr(start, i - start));
      start = i + 1;
    }
  }
  for (size_t i = 1; i < items.size(); ++i) {
    std::string_view item = items[i];
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    size_t end = 0;
    while (end < item.size() && (std::isalnum(static_cast<unsigned char>(item[end])) || item[end] == '_' ||
                                 item[end] == ':'))
      ++end;
    std::string_view name = item.substr(0, end);
    if (name.empty() || name == "cfg_attr" || !isBuiltinAttribute(name)) return true;
  }
  return false;
}

}  // namespace

bool underReference(Node n, Node root) {
  for (Node p = n.parent(); p && p != root.parent(); p = p.parent())
    if (p.is("reference_type")) return true;
  return false;
}

std::string sharedByParameters(Node fn) {
  std::set<std::string> typeParameters;
  if (Node generics = fn.field("type_parameters"))
    for (Node g : generics.namedChildren())
      if (g.is("type_parameter")) typeParameters.emplace(g.field("name").text());
  std::map<std::string, int> parametersUsing;
  for (Node p : fn.field("parameters").namedChildren()) {
    std::set<std::string> used;
    walk(p, [&](Node n) {
      if (n.is("lifetime") && n.text() != "'static" && n.text() != "'_") used.emplace(n.text());
      if (n.is("type_identifier") && typeParameters.count(std::string(n.text())) && !underReference(n, p))
        used.emplace(n.text());
      return true;
    });
    for (const auto& name : used)
      if (++parametersUsing[name] == 2) return name;
  }
  return "";
}

bool isAttributeMacro(Node attributeItem) {
  Node attribute = attributeItem.namedChildren().empty() ? Node{} : attributeItem.namedChildren()[0];
  if (!attribute) return true;
  Node path = attribute.namedChildren().empty() ? Node{} : attribute.namedChildren()[0];
  std::string_view name = path ? path.text() : attribute.text();
  if (name == "cfg_attr") return cfgAttrMayApplyMacro(attribute.field("arguments"));
  return !isBuiltinAttribute(name);
}

std::string_view lineIndent(std::string_view text, uint32_t offset) {
  size_t lineStart = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  lineStart = (lineStart == std::string_view::npos || offset == 0) ? 0 : lineStart + 1;
  size_t end = lineStart;
  while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
  return text.substr(lineStart, end - lineStart);
}

std::string reindent(std::string_view snippet, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  bool first = true;
  while (pos <= snippet.size()) {
    size_t nl = snippet.find('\n', pos);
    std::string_view line = snippet.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!first && line.substr(0, from.size()) == from) {
      out += to;
      line.remove_prefix(from.size());
    }
    out += line;
    if (nl == std::string_view::npos) break;
    out += '\n';
    pos = nl + 1;
    first = false;
  }
  return out;
}

std::vector<Node> commentsIn(Node root, uint32_t begin, uint32_t end) {
  std::vector<Node> out;
  // Start from the smallest node spanning the range, so the cost follows the range, not the file.
  root = root.tree()->smallestSpanning(root, begin, end);
  walk(root, [&](Node n) {
    if (n.end() <= begin || n.begin() >= end) return false;
    if (n.isComment()) {
      if (n.begin() >= begin && n.end() <= end) out.push_back(n);
      return false;
    }
    return true;
  });
  return out;
}

}  // namespace corofix::rust

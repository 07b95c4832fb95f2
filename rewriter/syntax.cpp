#include "rewriter/syntax.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

extern "C" const TSLanguage* tree_sitter_rust();

namespace corofix {

namespace {
/// Each symbol's name, looked up once: kinds are compared constantly.
const std::vector<std::string_view>& symbolNames() {
  static const std::vector<std::string_view> names = [] {
    const TSLanguage* language = tree_sitter_rust();
    std::vector<std::string_view> out;
    for (uint32_t symbol = 0, count = ts_language_symbol_count(language); symbol < count; ++symbol)
      out.emplace_back(ts_language_symbol_name(language, static_cast<TSSymbol>(symbol)));
    return out;
  }();
  return names;
}

TSFieldId fieldId(std::string_view name) {
  static const std::unordered_map<std::string_view, TSFieldId> ids = [] {
    const TSLanguage* language = tree_sitter_rust();
    std::unordered_map<std::string_view, TSFieldId> out;
    for (TSFieldId id = 1, count = static_cast<TSFieldId>(ts_language_field_count(language)); id <= count; ++id)
      if (const char* field = ts_language_field_name_for_id(language, id)) out.emplace(field, id);
    return out;
  }();
  auto it = ids.find(name);
  return it == ids.end() ? 0 : it->second;
}

/// Calls `visit(child)` for each child of `parent` until it returns false.
template <typename Visit>
void forEachChild(const Node& parent, Visit&& visit) {
  if (parent.isNull()) return;
  const auto& nodes = parent.tree()->flat();
  for (uint32_t c = parent.index() + 1, end = nodes[parent.index()].subtreeEnd; c < end; c = nodes[c].subtreeEnd)
    if (!visit(Node(parent.tree(), c))) return;
}

/// The first child for which `accept` holds, or a null node.
template <typename Accept>
Node firstChild(const Node& parent, Accept&& accept) {
  Node found;
  forEachChild(parent, [&](Node c) {
    if (accept(c)) found = c;
    return found.isNull();
  });
  return found;
}
}  // namespace

bool Node::has(Flag flag) const { return !isNull() && (tree_->flat()[index_].flags & flag); }
uint32_t Node::begin() const { return isNull() ? 0 : tree_->flat()[index_].begin; }
uint32_t Node::end() const { return isNull() ? 0 : tree_->flat()[index_].end; }
uint32_t Node::line() const { return isNull() ? 0 : tree_->flat()[index_].row; }
std::string_view Node::source() const { return isNull() ? std::string_view() : tree_->text(); }
Node Node::at(uint32_t index) const { return index == SyntaxTree::kNone ? Node() : Node(tree_, index); }

std::string_view Node::kind() const {
  if (isNull()) return {};
  TSSymbol symbol = tree_->flat()[index_].symbol;
  const auto& names = symbolNames();
  return symbol < names.size() ? names[symbol] : std::string_view("ERROR");  // ts_builtin_sym_error
}

bool Node::isComment() const {
  std::string_view k = kind();
  return k == "line_comment" || k == "block_comment";
}

std::string_view Node::text() const {
  return isNull() ? std::string_view() : tree_->text().substr(begin(), end() - begin());
}

Node Node::parent() const { return isNull() ? Node() : at(tree_->flat()[index_].parent); }
Node Node::prevSibling() const { return isNull() ? Node() : at(tree_->flat()[index_].prevSibling); }

Node Node::nextSibling() const {
  if (isNull()) return {};
  const auto& nodes = tree_->flat();
  uint32_t parent = nodes[index_].parent, next = nodes[index_].subtreeEnd;
  return parent != SyntaxTree::kNone && next < nodes[parent].subtreeEnd ? Node(tree_, next) : Node();
}

Node Node::nextNamedSibling() const {
  Node n = nextSibling();
  while (n && !n.isNamed()) n = n.nextSibling();
  return n;
}

Node Node::prevNamedSibling() const {
  Node n = prevSibling();
  while (n && !n.isNamed()) n = n.prevSibling();
  return n;
}

Node Node::field(std::string_view name) const {
  TSFieldId id = fieldId(name);
  if (id == 0) return {};
  return firstChild(*this, [&](Node c) { return tree_->flat()[c.index_].field == id; });
}

std::string_view Node::fieldName() const {
  if (isNull()) return "";
  const char* name = ts_language_field_name_for_id(tree_sitter_rust(), tree_->flat()[index_].field);
  return name ? name : "";
}

uint32_t Node::childCount() const {
  uint32_t count = 0;
  forEachChild(*this, [&](Node) {
    ++count;
    return true;
  });
  return count;
}

uint32_t Node::namedChildCount() const {
  uint32_t count = 0;
  forEachChild(*this, [&](Node c) {
    count += c.isNamed();
    return true;
  });
  return count;
}

Node Node::child(uint32_t i) const {
  return firstChild(*this, [&](Node) { return i-- == 0; });
}

Node Node::namedChild(uint32_t i) const {
  return firstChild(*this, [&](Node c) { return c.isNamed() && i-- == 0; });
}

std::vector<Node> Node::children() const {
  std::vector<Node> out;
  forEachChild(*this, [&](Node c) {
    out.push_back(c);
    return true;
  });
  return out;
}

std::vector<Node> Node::namedChildren() const {
  std::vector<Node> out;
  forEachChild(*this, [&](Node c) {
    if (c.isNamed() && !c.isComment()) out.push_back(c);
    return true;
  });
  return out;
}

std::vector<Node> Node::fieldChildren(std::string_view name) const {
  std::vector<Node> out;
  TSFieldId id = fieldId(name);
  forEachChild(*this, [&](Node c) {
    if (id != 0 && tree_->flat()[c.index()].field == id) out.push_back(c);
    return true;
  });
  return out;
}

namespace {
/// The calling thread's parser: creating one costs more than parsing a small fn.
TSParser* threadParser() {
  static thread_local std::unique_ptr<TSParser, decltype(&ts_parser_delete)> parser = [] {
    std::unique_ptr<TSParser, decltype(&ts_parser_delete)> made(ts_parser_new(), &ts_parser_delete);
    ts_parser_set_language(made.get(), tree_sitter_rust());
    return made;
  }();
  return parser.get();
}

/// Parses `text` within `included` (empty: all of it).
TSTree* parse(std::string_view text, const std::vector<TSRange>& included) {
  TSParser* parser = threadParser();
  if (!ts_parser_set_included_ranges(parser, included.data(), static_cast<uint32_t>(included.size())))
    return nullptr;
  return ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
}
}  // namespace

std::unique_ptr<SyntaxTree> SyntaxTree::parseRust(std::string_view text) {
  return std::unique_ptr<SyntaxTree>(new SyntaxTree(parse(text, {}), text));
}

std::string SyntaxTree::sexpOf(std::string_view text) {
  TSTree* tree = parse(text, {});
  char* sexp = ts_node_string(ts_tree_root_node(tree));
  std::string out(sexp);
  free(sexp);
  ts_tree_delete(tree);
  return out;
}

std::unique_ptr<SyntaxTree> SyntaxTree::parseRustSkipping(std::string_view text,
                                                         const std::vector<std::pair<uint32_t, uint32_t>>& skip) {
  if (skip.empty()) return parseRust(text);
  auto point = [&, row = 0u, lineStart = 0u, scanned = 0u](uint32_t offset) mutable {
    for (; scanned < offset; ++scanned)  // offsets arrive in increasing order
      if (text[scanned] == '\n') {
        ++row;
        lineStart = scanned + 1;
      }
    return TSPoint{row, offset - lineStart};
  };
  std::vector<TSRange> included;
  uint32_t from = 0;
  for (auto [begin, end] : skip) {
    if (begin > from) included.push_back({point(from), point(begin), from, begin});
    from = end;
  }
  if (from < text.size()) included.push_back({point(from), point(static_cast<uint32_t>(text.size())), from,
                                              static_cast<uint32_t>(text.size())});
  if (included.empty()) return parseRust(text);
  TSTree* tree = parse(text, included);
  if (!tree) return parseRust(text);
  std::unique_ptr<SyntaxTree> result(new SyntaxTree(tree, text));
  if (result->hasError()) return parseRust(text);
  result->skipped_ = skip;
  return result;
}

bool SyntaxTree::skipsInside(Node node) const {
  auto after = std::upper_bound(skipped_.begin(), skipped_.end(), std::make_pair(node.begin(), UINT32_MAX));
  return after != skipped_.end() && after->second <= node.end();
}

SyntaxTree::SyntaxTree(TSTree* tree, std::string_view text) : text_(text) {
  TSNode root = ts_tree_root_node(tree);
  flat_.reserve(ts_node_descendant_count(root));
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  // The innermost open ancestors, and the last child seen under each.
  std::vector<std::pair<uint32_t, uint32_t>> open;
  for (;;) {
    TSNode current = ts_tree_cursor_current_node(&cursor);
    uint32_t index = static_cast<uint32_t>(flat_.size());
    uint32_t parent = open.empty() ? kNone : open.back().first;
    uint32_t prev = open.empty() ? kNone : std::exchange(open.back().second, index);
    uint8_t flags = (ts_node_is_named(current) ? Node::kNamed : 0) | (ts_node_has_error(current) ? Node::kHasError : 0) |
                    (ts_node_is_error(current) || ts_node_is_missing(current) ? Node::kErrorOrMissing : 0);
    flat_.push_back({ts_node_start_byte(current), ts_node_end_byte(current), ts_node_start_point(current).row, parent,
                     prev, index + 1, ts_node_symbol(current), ts_tree_cursor_current_field_id(&cursor), flags});
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      open.emplace_back(index, kNone);
      continue;
    }
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        ts_tree_cursor_delete(&cursor);
        ts_tree_delete(tree);
        return;
      }
      flat_[open.back().first].subtreeEnd = static_cast<uint32_t>(flat_.size());
      open.pop_back();
    }
  }
}

Node SyntaxTree::smallestSpanning(Node within, uint32_t begin, uint32_t end) const {
  for (Node inner = within; inner;) {
    within = inner;
    inner = firstChild(within, [&](Node c) { return c.begin() <= begin && end <= c.end(); });
  }
  return within;
}

std::vector<std::pair<uint32_t, uint32_t>> SyntaxTree::errorRanges() const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  if (!hasError()) return out;
  walk(root(), [&](Node n) {
    if (!n.hasError()) return false;
    if (n.isErrorOrMissing()) {
      out.emplace_back(n.begin(), n.end());
      return false;
    }
    return true;
  });
  return out;
}

}  // namespace corofix

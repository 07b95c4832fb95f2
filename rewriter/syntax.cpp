#include "rewriter/syntax.h"

extern "C" const TSLanguage* tree_sitter_rust();

namespace corofix {

namespace {
/// Calls `visit(child, fieldName)` for each child; a cursor makes this linear (ts_node_child(i)
/// walks from the first child each time).
template <typename Visit>
void forEachChild(const Node& parent, Visit&& visit) {
  if (parent.isNull()) return;
  TSTreeCursor cursor = ts_tree_cursor_new(parent.raw());
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      const char* field = ts_tree_cursor_current_field_name(&cursor);
      visit(Node(ts_tree_cursor_current_node(&cursor), parent.source(), parent.tree()),
            field ? std::string_view(field) : "");
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
}
}  // namespace

std::string_view Node::kind() const {
  if (isNull()) return {};
  // Node kinds are compared constantly: name each symbol once instead of strlen on every call.
  static const std::vector<std::string_view> names = [] {
    const TSLanguage* language = tree_sitter_rust();
    std::vector<std::string_view> out;
    for (uint32_t symbol = 0, count = ts_language_symbol_count(language); symbol < count; ++symbol)
      out.emplace_back(ts_language_symbol_name(language, static_cast<TSSymbol>(symbol)));
    return out;
  }();
  TSSymbol symbol = ts_node_symbol(node_);
  return symbol < names.size() ? names[symbol] : std::string_view(ts_node_type(node_));
}

std::vector<Node> Node::children() const {
  std::vector<Node> out;
  forEachChild(*this, [&](Node c, std::string_view) { out.push_back(c); });
  return out;
}

std::vector<Node> Node::namedChildren() const {
  std::vector<Node> out;
  forEachChild(*this, [&](Node c, std::string_view) {
    if (c.isNamed() && !c.isComment()) out.push_back(c);
  });
  return out;
}

std::vector<Node> Node::fieldChildren(std::string_view name) const {
  std::vector<Node> out;
  forEachChild(*this, [&](Node c, std::string_view field) {
    if (field == name) out.push_back(c);
  });
  return out;
}

std::unique_ptr<SyntaxTree> SyntaxTree::parseRust(std::string_view text) {
  TSParser* parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_rust());
  TSTree* tree = ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
  ts_parser_delete(parser);
  return std::unique_ptr<SyntaxTree>(new SyntaxTree(tree, text));
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
  TSParser* parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_rust());
  bool ok = ts_parser_set_included_ranges(parser, included.data(), static_cast<uint32_t>(included.size()));
  TSTree* tree = ok ? ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size())) : nullptr;
  ts_parser_delete(parser);
  if (!tree) return parseRust(text);
  std::unique_ptr<SyntaxTree> result(new SyntaxTree(tree, text));
  return result->hasError() ? parseRust(text) : std::move(result);
}

SyntaxTree::~SyntaxTree() { ts_tree_delete(tree_); }

Node SyntaxTree::root() const { return Node(ts_tree_root_node(tree_), text_, this); }

Node Node::parent() const {
  if (isNull()) return {};
  return Node(tree_ ? tree_->parentOf(node_) : ts_node_parent(node_), text_, tree_);
}

void SyntaxTree::buildFlat() const {
  TSTreeCursor cursor = ts_tree_cursor_new(ts_tree_root_node(tree_));
  std::vector<uint32_t> ancestors;
  auto close = [&] {  // the subtree of the innermost open node ends here
    flat_[ancestors.back()].subtreeEnd = static_cast<uint32_t>(flat_.size());
    ancestors.pop_back();
  };
  for (;;) {
    TSNode current = ts_tree_cursor_current_node(&cursor);
    uint32_t index = static_cast<uint32_t>(flat_.size());
    flat_.push_back({current, ancestors.empty() ? UINT32_MAX : ancestors.back(), index + 1});
    index_.emplace(NodeKey{current.id, ts_node_start_byte(current)}, index);
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      ancestors.push_back(index);
      continue;
    }
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        ts_tree_cursor_delete(&cursor);
        return;
      }
      close();
    }
  }
}

const std::vector<SyntaxTree::FlatNode>& SyntaxTree::flat() const {
  std::call_once(flatBuilt_, [this] { buildFlat(); });
  return flat_;
}

uint32_t SyntaxTree::indexOf(TSNode node) const {
  flat();
  auto it = index_.find(NodeKey{node.id, ts_node_start_byte(node)});
  return it == index_.end() ? UINT32_MAX : it->second;
}

TSNode SyntaxTree::parentOf(TSNode node) const {
  uint32_t i = indexOf(node);
  if (i == UINT32_MAX) return ts_node_parent(node);
  uint32_t parent = flat_[i].parent;
  return parent == UINT32_MAX ? TSNode{} : flat_[parent].node;
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

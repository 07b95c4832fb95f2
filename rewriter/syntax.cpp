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
      visit(Node(ts_tree_cursor_current_node(&cursor), parent.source()), field ? std::string_view(field) : "");
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
}
}  // namespace

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

Node SyntaxTree::root() const { return Node(ts_tree_root_node(tree_), text_); }

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

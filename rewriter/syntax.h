// A thin, copyable view over tree-sitter's Rust syntax tree. One parse per file is shared by
// every rule; nodes borrow the tree and the text, so they must not outlive the SyntaxTree.
#pragma once
#include <tree_sitter/api.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

namespace corofix {

class SyntaxTree;

class Node {
 public:
  Node() = default;
  /// `tree`, when given, answers parent() from its cached parent links.
  Node(TSNode node, std::string_view text, const SyntaxTree* tree = nullptr) : node_(node), text_(text), tree_(tree) {}

  bool isNull() const { return ts_node_is_null(node_); }
  explicit operator bool() const { return !isNull(); }
  // A null node (a missing optional field) reads as empty rather than crashing.
  std::string_view kind() const;
  bool is(std::string_view kind) const { return !isNull() && this->kind() == kind; }
  bool isNamed() const { return ts_node_is_named(node_); }
  bool hasError() const { return ts_node_has_error(node_); }
  bool isErrorOrMissing() const { return ts_node_is_error(node_) || ts_node_is_missing(node_); }
  uint32_t begin() const { return ts_node_start_byte(node_); }
  uint32_t end() const { return ts_node_end_byte(node_); }
  std::string_view text() const { return isNull() ? std::string_view() : text_.substr(begin(), end() - begin()); }
  /// 0-based line of the node's first byte.
  uint32_t line() const { return ts_node_start_point(node_).row; }

  /// tree-sitter finds a parent by descending from the root; a tree's nodes share a cached map.
  Node parent() const;
  Node field(std::string_view name) const {
    return wrap(ts_node_child_by_field_name(node_, name.data(), static_cast<uint32_t>(name.size())));
  }
  uint32_t childCount() const { return ts_node_child_count(node_); }
  Node child(uint32_t i) const { return wrap(ts_node_child(node_, i)); }
  uint32_t namedChildCount() const { return ts_node_named_child_count(node_); }
  Node namedChild(uint32_t i) const { return wrap(ts_node_named_child(node_, i)); }
  Node nextSibling() const { return wrap(ts_node_next_sibling(node_)); }
  Node prevSibling() const { return wrap(ts_node_prev_sibling(node_)); }
  Node nextNamedSibling() const { return wrap(ts_node_next_named_sibling(node_)); }
  Node prevNamedSibling() const { return wrap(ts_node_prev_named_sibling(node_)); }
  /// The field name under which child `i` hangs off this node, or "" if none.
  std::string_view fieldNameOfChild(uint32_t i) const {
    const char* name = ts_node_field_name_for_child(node_, i);
    return name ? name : "";
  }

  std::vector<Node> children() const;
  /// Named children that are not comments.
  std::vector<Node> namedChildren() const;
  /// All children under a field name (e.g. several `attribute_item`s are not fields, but
  /// `arguments` of a call may repeat).
  std::vector<Node> fieldChildren(std::string_view name) const;
  bool isComment() const { return is("line_comment") || is("block_comment"); }

  friend bool operator==(const Node& a, const Node& b) { return ts_node_eq(a.node_, b.node_); }
  TSNode raw() const { return node_; }
  std::string_view source() const { return text_; }
  const SyntaxTree* tree() const { return tree_; }

 private:
  Node wrap(TSNode n) const { return Node(n, text_, tree_); }
  TSNode node_{};
  std::string_view text_;
  const SyntaxTree* tree_ = nullptr;
};

/// Owns a parsed Rust file. The text must stay alive and unchanged while the tree is used.
class SyntaxTree {
 public:
  static std::unique_ptr<SyntaxTree> parseRust(std::string_view text);
  /// Parses `text` without the byte ranges in `skip` (sorted, disjoint, each a whole item), so
  /// nodes keep their offsets in `text`. Falls back to a full parse if the result has errors.
  static std::unique_ptr<SyntaxTree> parseRustSkipping(std::string_view text,
                                                       const std::vector<std::pair<uint32_t, uint32_t>>& skip);
  ~SyntaxTree();
  SyntaxTree(const SyntaxTree&) = delete;
  SyntaxTree& operator=(const SyntaxTree&) = delete;

  Node root() const;
  std::string_view text() const { return text_; }
  bool hasError() const { return root().hasError(); }
  /// Byte ranges of ERROR and MISSING nodes, so edits near them can be refused.
  std::vector<std::pair<uint32_t, uint32_t>> errorRanges() const;
  /// The parent of `node` (a node of this tree), from links gathered in one walk on first use.
  TSNode parentOf(TSNode node) const;

  /// Every node in pre-order, with its parent's index and the index just past its subtree: every
  /// rule walks the whole tree, and an array is much cheaper to walk than a tree cursor.
  struct FlatNode {
    TSNode node;
    uint32_t parent;
    uint32_t subtreeEnd;
  };
  const std::vector<FlatNode>& flat() const;
  /// The index of `node` in flat(), or UINT32_MAX if it is not a node of this tree.
  uint32_t indexOf(TSNode node) const;

 private:
  SyntaxTree(TSTree* tree, std::string_view text) : tree_(tree), text_(text) {}
  struct NodeKey {
    const void* id;
    uint32_t begin;
    bool operator==(const NodeKey& o) const { return id == o.id && begin == o.begin; }
  };
  struct NodeKeyHash {
    size_t operator()(const NodeKey& k) const { return std::hash<const void*>()(k.id) ^ (size_t(k.begin) << 1); }
  };
  TSTree* tree_;
  std::string_view text_;
  void buildFlat() const;
  mutable std::once_flag flatBuilt_;
  mutable std::vector<FlatNode> flat_;
  mutable std::unordered_map<NodeKey, uint32_t, NodeKeyHash> index_;
};

/// Calls `visit(node)` for every node in pre-order; if it returns false the node's children are
/// skipped. Iterative, so 5,000-deep nesting does not exhaust the stack.
template <typename Visit>
void walk(Node root, Visit&& visit) {
  std::string_view text = root.source();
  if (const SyntaxTree* tree = root.tree(); tree && !root.isNull()) {
    uint32_t i = tree->indexOf(root.raw());
    if (i != UINT32_MAX) {
      const auto& nodes = tree->flat();
      for (uint32_t end = nodes[i].subtreeEnd; i < end;)
        i = visit(Node(nodes[i].node, text, tree)) ? i + 1 : nodes[i].subtreeEnd;
      return;
    }
  }
  TSTreeCursor cursor = ts_tree_cursor_new(root.raw());
  for (;;) {
    bool descend = visit(Node(ts_tree_cursor_current_node(&cursor), text, root.tree()));
    if (descend && ts_tree_cursor_goto_first_child(&cursor)) continue;
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        ts_tree_cursor_delete(&cursor);
        return;
      }
    }
  }
}

}  // namespace corofix

// A thin, copyable view over tree-sitter's Rust syntax tree. One parse per file is shared by
// every rule; nodes borrow the tree and the text, so they must not outlive the SyntaxTree.
//
// The tree is flattened once, in pre-order, with each node's offsets, parent, previous sibling,
// subtree end, symbol and field. Rules navigate constantly (parents, siblings, fields, kinds), and
// tree-sitter answers parent and previous-sibling queries by descending from the root again: the
// flat array answers all of them in constant time. tree-sitter's own tree is freed once flattened:
// a run holds the trees of every file it checks.
#pragma once
#include <tree_sitter/api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corofix {

class SyntaxTree;

class Node {
 public:
  Node() = default;
  Node(const SyntaxTree* tree, uint32_t index) : tree_(tree), index_(index) {}

  bool isNull() const { return tree_ == nullptr; }
  explicit operator bool() const { return !isNull(); }
  // A null node (a missing optional field) reads as empty rather than crashing.
  std::string_view kind() const;
  bool is(std::string_view kind) const { return this->kind() == kind; }
  bool isNamed() const { return has(kNamed); }
  bool hasError() const { return has(kHasError); }
  bool isErrorOrMissing() const { return has(kErrorOrMissing); }
  bool isComment() const;
  uint32_t begin() const;
  uint32_t end() const;
  std::string_view text() const;
  /// 0-based line of the node's first byte.
  uint32_t line() const;

  Node parent() const;
  Node field(std::string_view name) const;
  uint32_t childCount() const;
  Node child(uint32_t i) const;
  uint32_t namedChildCount() const;
  Node namedChild(uint32_t i) const;
  Node nextSibling() const;
  Node prevSibling() const;
  Node nextNamedSibling() const;
  Node prevNamedSibling() const;
  /// The field name under which this node hangs off its parent, or "" if none.
  std::string_view fieldName() const;

  std::vector<Node> children() const;
  /// Named children that are not comments.
  std::vector<Node> namedChildren() const;
  /// All children under a field name (`arguments` of a call may repeat).
  std::vector<Node> fieldChildren(std::string_view name) const;

  friend bool operator==(const Node& a, const Node& b) { return a.tree_ == b.tree_ && a.index_ == b.index_; }
  std::string_view source() const;
  const SyntaxTree* tree() const { return tree_; }
  /// Position in the tree's pre-order: unique per node, and ancestors come first.
  uint32_t index() const { return index_; }

 private:
  friend class SyntaxTree;
  enum Flag : uint8_t { kNamed = 1, kHasError = 2, kErrorOrMissing = 4 };
  bool has(Flag flag) const;
  Node at(uint32_t index) const;
  const SyntaxTree* tree_ = nullptr;
  uint32_t index_ = 0;
};

/// Owns a parsed Rust file. The text must stay alive and unchanged while the tree is used.
class SyntaxTree {
 public:
  static std::unique_ptr<SyntaxTree> parseRust(std::string_view text);
  /// Parses `text` without the byte ranges in `skip` (sorted, disjoint, each a whole item), so
  /// nodes keep their offsets in `text`. Falls back to a full parse if the result has errors.
  static std::unique_ptr<SyntaxTree> parseRustSkipping(std::string_view text,
                                                       const std::vector<std::pair<uint32_t, uint32_t>>& skip);
  SyntaxTree(const SyntaxTree&) = delete;
  SyntaxTree& operator=(const SyntaxTree&) = delete;

  Node root() const { return Node(this, 0); }
  std::string_view text() const { return text_; }
  bool hasError() const { return root().hasError(); }
  /// Some of the text was skipped by the parse (see parseRustSkipping), which did not fall back.
  bool isPartial() const { return !skipped_.empty(); }
  /// Part of `node`'s text was skipped by the parse (see parseRustSkipping): an `async fn` body
  /// that awaits reads as an empty block.
  bool skipsInside(Node node) const;
  /// The byte ranges the parse skipped, sorted: a plain fn there has no node at all.
  const std::vector<std::pair<uint32_t, uint32_t>>& skipped() const { return skipped_; }
  /// Byte ranges of ERROR and MISSING nodes, so edits near them can be refused.
  std::vector<std::pair<uint32_t, uint32_t>> errorRanges() const;
  /// The smallest node under `within` that spans [begin, end), or `within`.
  Node smallestSpanning(Node within, uint32_t begin, uint32_t end) const;
  /// tree-sitter's S-expression for `text`, as `--dump-syntax` prints it.
  static std::string sexpOf(std::string_view text);

  static constexpr uint32_t kNone = UINT32_MAX;
  struct FlatNode {
    uint32_t begin, end;   // byte offsets
    uint32_t row;          // 0-based line of `begin`
    uint32_t parent;       // kNone for the root
    uint32_t prevSibling;  // kNone for a first child
    uint32_t subtreeEnd;   // the index just past this node's subtree
    TSSymbol symbol;
    TSFieldId field;       // 0: no field
    uint8_t flags;         // Node::Flag
  };
  /// Every node in pre-order.
  const std::vector<FlatNode>& flat() const { return flat_; }

 private:
  /// Flattens `tree`, then deletes it.
  SyntaxTree(TSTree* tree, std::string_view text);
  std::string_view text_;
  std::vector<FlatNode> flat_;
  std::vector<std::pair<uint32_t, uint32_t>> skipped_;  // sorted, disjoint
};

/// Calls `visit(node)` for every node in pre-order; if it returns false the node's children are
/// skipped. Iterative, so 5,000-deep nesting does not exhaust the stack.
template <typename Visit>
void walk(Node root, Visit&& visit) {
  if (root.isNull()) return;
  const auto& nodes = root.tree()->flat();
  for (uint32_t i = root.index(), end = nodes[i].subtreeEnd; i < end;)
    i = visit(Node(root.tree(), i)) ? i + 1 : nodes[i].subtreeEnd;
}

}  // namespace corofix

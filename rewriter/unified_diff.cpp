// Unified diffs for --diff: a line diff by Myers' O(ND) algorithm in linear space (bisecting at
// the point where the forward and backward searches meet), printed with 3 lines of context.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "rewriter/output.h"

namespace corofix {
namespace {

constexpr int kContext = 3;

/// The lines of `text`, each with its '\n'; the last one may have none.
std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    size_t length = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(0, length));
    text.remove_prefix(length);
  }
  return lines;
}

/// Which lines of `a` are removed and which of `b` are added, in a shortest edit script.
class LineDiff {
 public:
  LineDiff(const std::vector<int>& a, const std::vector<int>& b)
      : removed(a.size(), false), added(b.size(), false), a_(a), b_(b) {
    compare(0, static_cast<int>(a.size()), 0, static_cast<int>(b.size()));
  }

  std::vector<bool> removed, added;

 private:
  void compare(int aBegin, int aEnd, int bBegin, int bEnd) {
    while (aBegin < aEnd && bBegin < bEnd && a_[aBegin] == b_[bBegin]) ++aBegin, ++bBegin;
    while (aBegin < aEnd && bBegin < bEnd && a_[aEnd - 1] == b_[bEnd - 1]) --aEnd, --bEnd;
    if (aBegin == aEnd || bBegin == bEnd) {
      std::fill(removed.begin() + aBegin, removed.begin() + aEnd, true);
      std::fill(added.begin() + bBegin, added.begin() + bEnd, true);
      return;
    }
    // Both sides are non-empty and differ at both ends, so the edit distance is at least 2 and
    // the split point is strictly inside: both halves are smaller problems.
    auto [x, y] = split(aBegin, aEnd, bBegin, bEnd);
    compare(aBegin, x, bBegin, y);
    compare(x, aEnd, y, bEnd);
  }

  /// A point on a shortest edit path from (aBegin, bBegin) to (aEnd, bEnd), about halfway: the
  /// forward search from the start and the backward search from the end advance one edit at a
  /// time until their furthest-reaching paths on some diagonal overlap.
  std::pair<int, int> split(int aBegin, int aEnd, int bBegin, int bEnd) {
    const int n = aEnd - aBegin, m = bEnd - bBegin, delta = n - m;
    const int maxD = (n + m + 1) / 2, offset = maxD + 1, size = 2 * maxD + 3;
    const bool forwardChecks = delta % 2 != 0;  // which search can meet the other first
    // forward[offset + k]: furthest x on diagonal k = x - y from the start; backward likewise,
    // counted from the end. -1: not reached yet.
    std::vector<int> forward(size, -1), backward(size, -1);
    forward[offset + 1] = backward[offset + 1] = 0;
    // Diagonals whose paths ran off the grid are skipped from then on.
    int forwardStart = 0, forwardEnd = 0, backwardStart = 0, backwardEnd = 0;
    for (int d = 0; d <= maxD; ++d) {
      for (int k = -d + forwardStart; k <= d - forwardEnd; k += 2) {
        int x = furthest(forward, offset, k, d), y = x - k;
        while (x < n && y < m && a_[aBegin + x] == b_[bBegin + y]) ++x, ++y;
        forward[offset + k] = x;
        if (x > n) {
          forwardEnd += 2;
        } else if (y > m) {
          forwardStart += 2;
        } else if (forwardChecks) {
          int mirrored = offset + delta - k;
          if (mirrored >= 0 && mirrored < size && backward[mirrored] != -1 && x >= n - backward[mirrored])
            return {aBegin + x, bBegin + y};
        }
      }
      for (int k = -d + backwardStart; k <= d - backwardEnd; k += 2) {
        int x = furthest(backward, offset, k, d), y = x - k;
        while (x < n && y < m && a_[aEnd - 1 - x] == b_[bEnd - 1 - y]) ++x, ++y;
        backward[offset + k] = x;
        if (x > n) {
          backwardEnd += 2;
        } else if (y > m) {
          backwardStart += 2;
        } else if (!forwardChecks) {
          int mirrored = offset + delta - k;
          if (mirrored >= 0 && mirrored < size && forward[mirrored] != -1) {
            int forwardX = forward[mirrored], forwardY = forwardX - (mirrored - offset);
            if (forwardX >= n - x) return {aBegin + forwardX, bBegin + forwardY};
          }
        }
      }
    }
    return {aEnd, bEnd};  // unreachable: the searches meet by d = maxD
  }

  /// The furthest x on diagonal k after d edits: one more down move from diagonal k + 1 or one
  /// more right move from diagonal k - 1, whichever reaches further.
  static int furthest(const std::vector<int>& v, int offset, int k, int d) {
    if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) return v[offset + k + 1];
    return v[offset + k - 1] + 1;
  }

  const std::vector<int>& a_;
  const std::vector<int>& b_;
};

/// a[aBegin, aEnd) replaced by b[bBegin, bEnd).
struct Change {
  int aBegin, aEnd, bBegin, bEnd;
};

std::vector<Change> changes(const LineDiff& diff) {
  const int n = static_cast<int>(diff.removed.size()), m = static_cast<int>(diff.added.size());
  std::vector<Change> result;
  int i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && !diff.removed[i] && !diff.added[j]) {
      ++i, ++j;
      continue;
    }
    Change change{i, i, j, j};
    while (i < n && diff.removed[i]) ++i;
    while (j < m && diff.added[j]) ++j;
    change.aEnd = i, change.bEnd = j;
    result.push_back(change);
  }
  return result;
}

/// "start,count" of a hunk side; an empty side names the line before it, a one-line side omits
/// the count (as GNU diff and git).
std::string hunkRange(int begin, int count) {
  if (count == 0) return std::to_string(begin) + ",0";
  if (count == 1) return std::to_string(begin + 1);
  return std::to_string(begin + 1) + "," + std::to_string(count);
}

void appendLine(std::string& out, char prefix, std::string_view line) {
  out += prefix;
  out += line;
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::string unifiedDiff(std::string_view path, std::string_view before, std::string_view after) {
  if (before == after) return "";
  std::vector<std::string_view> a = splitLines(before), b = splitLines(after);
  std::unordered_map<std::string_view, int> ids;
  auto intern = [&](const std::vector<std::string_view>& lines) {
    std::vector<int> result;
    for (std::string_view line : lines) result.push_back(ids.emplace(line, static_cast<int>(ids.size())).first->second);
    return result;
  };
  std::vector<int> aIds = intern(a), bIds = intern(b);
  std::vector<Change> all = changes(LineDiff(aIds, bIds));

  std::string out = "--- a/" + std::string(path) + "\n+++ b/" + std::string(path) + "\n";
  for (size_t first = 0; first < all.size();) {
    // A hunk takes every following change whose context would touch or overlap its own.
    size_t last = first;
    while (last + 1 < all.size() && all[last + 1].aBegin - all[last].aEnd <= 2 * kContext) ++last;
    int leading = std::min(kContext, all[first].aBegin);
    int trailing = std::min(kContext, static_cast<int>(a.size()) - all[last].aEnd);
    int aStart = all[first].aBegin - leading, bStart = all[first].bBegin - leading;
    int aCount = all[last].aEnd + trailing - aStart, bCount = all[last].bEnd + trailing - bStart;
    out += "@@ -" + hunkRange(aStart, aCount) + " +" + hunkRange(bStart, bCount) + " @@\n";
    int position = aStart;
    for (size_t i = first; i <= last; ++i) {
      for (; position < all[i].aBegin; ++position) appendLine(out, ' ', a[position]);
      for (int line = all[i].aBegin; line < all[i].aEnd; ++line) appendLine(out, '-', a[line]);
      for (int line = all[i].bBegin; line < all[i].bEnd; ++line) appendLine(out, '+', b[line]);
      position = all[i].aEnd;
    }
    for (; position < all[last].aEnd + trailing; ++position) appendLine(out, ' ', a[position]);
    first = last + 1;
  }
  return out;
}

}  // namespace corofix

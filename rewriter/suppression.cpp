#include "rewriter/suppression.h"

#include <algorithm>
#include <limits>

namespace corofix {
namespace {

/// After `NOLINT…` at `pos`: `(a,b*)` gives those globs; nothing gives "every check".
GlobList checksAfter(std::string_view line, size_t pos, std::string& rawSpec) {
  if (pos < line.size() && line[pos] == '(') {
    size_t close = line.find(')', pos);
    if (close != std::string_view::npos) {
      rawSpec = std::string(line.substr(pos + 1, close - pos - 1));
      return GlobList(rawSpec);
    }
  }
  rawSpec = "*";
  return GlobList("*");
}

}  // namespace

Suppressions::Suppressions(std::string_view text) {
  struct Open {
    uint32_t line;
    std::string spec;
  };
  std::vector<Open> open;
  uint32_t lineNo = 0;
  for (size_t pos = 0; pos <= text.size();) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineNo;
    for (size_t at = line.find("NOLINT"); at != std::string_view::npos; at = line.find("NOLINT", at + 6)) {
      std::string_view rest = line.substr(at + 6);
      std::string spec;
      if (rest.substr(0, 8) == "NEXTLINE") {
        nextLine_.push_back({lineNo + 1, checksAfter(line, at + 14, spec)});
      } else if (rest.substr(0, 5) == "BEGIN") {
        checksAfter(line, at + 11, spec);
        open.push_back({lineNo, spec});
      } else if (rest.substr(0, 3) == "END") {
        checksAfter(line, at + 9, spec);
        auto match = std::find_if(open.rbegin(), open.rend(), [&](const Open& o) { return o.spec == spec; });
        if (match == open.rend()) {
          problems_.push_back("line " + std::to_string(lineNo) + ": NOLINTEND without a matching NOLINTBEGIN");
        } else {
          regions_.push_back({match->line, lineNo, GlobList(match->spec)});
          open.erase(std::next(match).base());
        }
      } else {
        sameLine_.push_back({lineNo, checksAfter(line, at + 6, spec)});
      }
    }
  }
  for (const auto& o : open) {
    problems_.push_back("line " + std::to_string(o.line) + ": NOLINTBEGIN without a matching NOLINTEND");
    regions_.push_back({o.line, std::numeric_limits<uint32_t>::max(), GlobList(o.spec)});
  }
}

bool Suppressions::suppresses(std::string_view check, uint32_t line) const {
  for (const auto& m : sameLine_)
    if (m.line == line && m.checks.contains(check)) return true;
  for (const auto& m : nextLine_)
    if (m.line == line && m.checks.contains(check)) return true;
  for (const auto& r : regions_)
    if (r.begin <= line && line <= r.end && r.checks.contains(check)) return true;
  return false;
}

}  // namespace corofix

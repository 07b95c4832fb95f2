// How every rule, Rust or C++, quotes code in its messages.
#pragma once
#include <string>
#include <string_view>

namespace corofix {

/// `code` in backticks, as written.
inline std::string quoted(std::string_view code) { return "`" + std::string(code) + "`"; }

/// `code` in backticks on one line (each run of whitespace becomes one space), shortened past 48
/// bytes, for quoting a whole body or statement in a reason.
inline std::string quotedOneLine(std::string_view code) {
  std::string out;
  for (char c : code) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  if (out.size() > 48) out = out.substr(0, 45) + "...";
  return "`" + out + "`";
}

}  // namespace corofix

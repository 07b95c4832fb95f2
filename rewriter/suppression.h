// clang-tidy suppression comments: `NOLINT`, `NOLINTNEXTLINE` and `NOLINTBEGIN`/`NOLINTEND`, each
// optionally followed (no space) by `(check,glob*)`.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/config.h"

namespace corofix {

class Suppressions {
 public:
  explicit Suppressions(std::string_view text);
  /// True if a finding of `check` starting on 1-based `line` is suppressed.
  bool suppresses(std::string_view check, uint32_t line) const;
  /// `NOLINTBEGIN` without a matching `NOLINTEND` (and the reverse), as "line N: ..." messages.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  struct Marker {
    uint32_t line;
    GlobList checks;
  };
  struct Region {
    uint32_t begin, end;
    GlobList checks;
  };
  std::vector<Marker> sameLine_, nextLine_;
  std::vector<Region> regions_;
  std::vector<std::string> problems_;
};

}  // namespace corofix

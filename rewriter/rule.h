// The one interface between the engine and the rules. A rule sees a parsed file and the project
// context, and returns findings; it never touches files, output or configuration itself.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/project.h"
#include "rewriter/syntax.h"

namespace corofix {

enum class Language { Rust, Cpp };

/// A half-open byte range [begin, end) in the file's text (BOM and CRLF already normalised away).
struct TextRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool overlaps(const TextRange& other) const {
    return begin < other.end && other.begin < end;
  }
};

struct TextEdit {
  TextRange range;
  std::string replacement;
};

/// Like ruff: a safe fix keeps behaviour and is applied by --apply; an unsafe one may change
/// behaviour (e.g. evaluation moves earlier) and needs --unsafe-fixes; an unavailable one is a
/// diagnostic only, with the reason.
enum class Applicability { Safe, Unsafe, Unavailable };

struct Fix {
  Applicability applicability = Applicability::Unavailable;
  /// What the fix does, for the reader ("return the inner future directly").
  std::string description;
  /// Why the fix is unsafe or unavailable; empty for a safe fix.
  std::string reason;
  std::vector<TextEdit> edits;

  static Fix safe(std::string description, std::vector<TextEdit> edits) {
    return {Applicability::Safe, std::move(description), "", std::move(edits)};
  }
  static Fix unsafe(std::string description, std::string reason, std::vector<TextEdit> edits) {
    return {Applicability::Unsafe, std::move(description), std::move(reason), std::move(edits)};
  }
  static Fix unavailable(std::string reason) {
    return {Applicability::Unavailable, "", std::move(reason), {}};
  }
};

struct Note {
  TextRange range;
  std::string message;
};

struct Finding {
  std::string check;
  /// What was found and why it costs.
  std::string message;
  TextRange range;
  std::vector<Note> notes;
  Fix fix;
};

/// `CheckOptions` from configuration, keyed "check-id.Option".
using CheckOptions = std::map<std::string, std::string, std::less<>>;

inline std::string checkOption(const CheckOptions& options, std::string_view check, std::string_view name,
                               std::string fallback) {
  auto it = options.find(std::string(check) + "." + std::string(name));
  return it == options.end() ? fallback : it->second;
}

struct RuleInput {
  std::string_view path;
  std::string_view text;
  const SyntaxTree& tree;
  const FileContext& project;
  const CheckOptions& options;

  std::string option(std::string_view check, std::string_view name, std::string fallback) const {
    return checkOption(options, check, name, std::move(fallback));
  }
};

/// A check's half for one language. A check id may have a Rust and a C++ half (same concept, same
/// doc page); each half is registered as its own Rule.
class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string_view id() const = 0;
  /// One line, for --list-checks and SARIF.
  virtual std::string_view summary() const = 0;
  virtual Language language() const = 0;
};

/// The Rust half of a check: a function from a parsed file plus project context to findings.
class RustRule : public Rule {
 public:
  Language language() const final { return Language::Rust; }
  virtual std::vector<Finding> check(const RuleInput& input) const = 0;
};

/// Every linked-in rule, in id order (a check with both halves appears twice: Rust, then C++).
const std::vector<std::unique_ptr<Rule>>& allRules();
/// A check as lists show it (--list-checks, SARIF): its first half and every language it has a half for.
struct CheckHalves {
  const Rule* first;
  std::vector<Language> languages;
};
/// Every linked-in check once, in id order.
std::vector<CheckHalves> allChecks();
/// "Rust", "C++".
std::string_view languageName(Language language);
/// A half of check `id`, or null.
const Rule* findRule(std::string_view id, Language language);
/// The Rust half of check `id`, or null.
const RustRule* findRustRule(std::string_view id);
/// The rule's Markdown documentation (rules/<id>.md), embedded at build time.
std::optional<std::string_view> ruleDoc(std::string_view id);

namespace detail {
bool registerRule(std::unique_ptr<Rule> rule);
}  // namespace detail

}  // namespace corofix

/// Registers a rule class at static-initialisation time; put it once in the rule's source file.
#define CORO_FIX_REGISTER_RULE(RuleClass) \
  static const bool registered_##RuleClass = ::corofix::detail::registerRule(std::make_unique<RuleClass>())

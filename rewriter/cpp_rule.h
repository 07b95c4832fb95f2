// The C++ half of a check: a function from one translation unit's AST to findings placed by Clang
// source locations. The C++ frontend maps them into the engine's findings (file and offsets), so
// every output, the suppression comments and .coro-fix.yaml work as for Rust. It also drops what
// lies in a macro expansion or outside the project, and merges what a header yields in several
// translation units.
#pragma once
#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceLocation.h"
#include "clang/Tooling/Core/Replacement.h"
#include "rewriter/rule.h"

namespace corofix {

/// Like Fix, with the edits as Clang replacements (all in the file of the finding's range).
struct CppFix {
  Applicability applicability = Applicability::Unavailable;
  std::string description;
  std::string reason;
  clang::tooling::Replacements edits;

  static CppFix safe(std::string description, clang::tooling::Replacements edits) {
    return {Applicability::Safe, std::move(description), "", std::move(edits)};
  }
  static CppFix unsafe(std::string description, std::string reason, clang::tooling::Replacements edits) {
    return {Applicability::Unsafe, std::move(description), std::move(reason), std::move(edits)};
  }
  static CppFix unavailable(std::string reason) { return {Applicability::Unavailable, "", std::move(reason), {}}; }
};

struct CppNote {
  clang::CharSourceRange range;
  std::string message;
};

struct CppFinding {
  std::string check;
  /// What was found and why it costs.
  std::string message;
  clang::CharSourceRange range;
  std::vector<CppNote> notes;
  CppFix fix;
};

struct CppRuleInput {
  clang::ASTContext& ast;
  /// The configuration of the translation unit's main file.
  const CheckOptions& options;

  std::string option(std::string_view check, std::string_view name, std::string fallback) const {
    return checkOption(options, check, name, std::move(fallback));
  }
};

class CppRule : public Rule {
 public:
  Language language() const final { return Language::Cpp; }
  /// Judges templates by their pattern (the primary template's body), never by one instantiation.
  virtual std::vector<CppFinding> check(const CppRuleInput& input) const = 0;
};

/// The C++ half of check `id`, or null.
inline const CppRule* findCppRule(std::string_view id) {
  return static_cast<const CppRule*>(findRule(id, Language::Cpp));
}

}  // namespace corofix

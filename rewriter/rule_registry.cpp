#include <algorithm>

#include "rewriter/rule.h"

namespace corofix {

const std::map<std::string_view, std::string_view>& ruleDocs();  // generated from rules/*.md

namespace {
std::vector<std::unique_ptr<Rule>>& registry() {
  static std::vector<std::unique_ptr<Rule>> rules;
  return rules;
}
}  // namespace

bool detail::registerRule(std::unique_ptr<Rule> rule) {
  auto& rules = registry();
  auto key = [](const Rule& r) { return std::make_pair(r.id(), r.language()); };
  auto at = std::lower_bound(rules.begin(), rules.end(), key(*rule),
                             [&](const auto& r, const auto& k) { return key(*r) < k; });
  rules.insert(at, std::move(rule));
  return true;
}

const std::vector<std::unique_ptr<Rule>>& allRules() { return registry(); }

std::vector<CheckHalves> allChecks() {
  std::vector<CheckHalves> checks;
  for (const auto& rule : registry()) {
    if (checks.empty() || checks.back().first->id() != rule->id()) checks.push_back({rule.get(), {}});
    checks.back().languages.push_back(rule->language());
  }
  return checks;
}

std::string_view languageName(Language language) { return language == Language::Rust ? "Rust" : "C++"; }

const Rule* findRule(std::string_view id, Language language) {
  for (const auto& rule : registry())
    if (rule->id() == id && rule->language() == language) return rule.get();
  return nullptr;
}

const RustRule* findRustRule(std::string_view id) {
  return static_cast<const RustRule*>(findRule(id, Language::Rust));
}

std::optional<std::string_view> ruleDoc(std::string_view id) {
  auto it = ruleDocs().find(id);
  if (it == ruleDocs().end()) return std::nullopt;
  return it->second;
}

}  // namespace corofix

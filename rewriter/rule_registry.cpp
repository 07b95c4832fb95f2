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
  auto at = std::lower_bound(rules.begin(), rules.end(), rule->id(),
                             [](const auto& r, std::string_view id) { return r->id() < id; });
  rules.insert(at, std::move(rule));
  return true;
}

const std::vector<std::unique_ptr<Rule>>& allRules() { return registry(); }

const Rule* findRule(std::string_view id) {
  for (const auto& rule : registry())
    if (rule->id() == id) return rule.get();
  return nullptr;
}

std::optional<std::string_view> ruleDoc(std::string_view id) {
  auto it = ruleDocs().find(id);
  if (it == ruleDocs().end()) return std::nullopt;
  return it->second;
}

}  // namespace corofix

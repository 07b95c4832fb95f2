// `.coro-fix.yaml`, clang-tidy style: found by walking up from each file (or given with
// --config-file), merged with its parents when `InheritParentConfig: true`, and overridden by
// --checks.
//
//   Checks: '*,-ready-future'        # globs, `-` removes, the last match wins
//   WarningsAsErrors: 'hoist-await'
//   CheckOptions:
//     ready-future.Factories: '...'
//   ExcludePaths: ['generated/*']     # globs relative to the file's directory
//   InheritParentConfig: true
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewriter/rule.h"

namespace corofix {

/// A clang-tidy check filter: comma-separated globs, `-glob` removes; the last match decides.
class GlobList {
 public:
  explicit GlobList(std::string_view spec = "");
  void append(std::string_view spec);
  bool contains(std::string_view name) const;
  bool empty() const { return globs_.empty(); }

 private:
  struct Glob {
    std::string pattern;
    bool positive;
  };
  std::vector<Glob> globs_;
};

struct Config {
  GlobList checks{"*"};
  GlobList warningsAsErrors{""};
  CheckOptions options;
  std::vector<std::string> excludePaths;  // absolute globs
  std::string source;                     // where it came from, for messages
};

/// Parses a config file's text. `dir` anchors ExcludePaths. Returns nullopt and sets `error`.
struct ConfigFile {
  std::optional<std::string> checks, warningsAsErrors;
  CheckOptions options;
  std::vector<std::string> excludePaths;
  bool inheritParent = false;
};
std::optional<ConfigFile> parseConfigFile(std::string_view yaml, const std::string& dir, std::string& error);

/// Finds and caches the effective configuration per directory.
class ConfigResolver {
 public:
  /// `explicitFile` replaces discovery; `checksOverride` is appended to Checks.
  ConfigResolver(std::string explicitFile, std::string checksOverride);
  /// The configuration for `file`; on a broken config file, nullopt and `error`.
  std::optional<Config> forFile(const std::string& file, std::string& error);
  static bool isExcluded(const Config& config, std::string_view absolutePath);

 private:
  std::optional<Config> forDirectory(const std::string& dir, std::string& error);
  std::optional<Config> load(const std::string& path, const Config& parent, std::string& error);

  std::string explicitFile_, checksOverride_;
  std::mutex mutex_;
  std::map<std::string, std::optional<Config>> cache_;
  std::map<std::string, std::string> errors_;
};

}  // namespace corofix

#include "rewriter/config.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/YAMLTraits.h"

namespace corofix {
namespace {
constexpr const char* kConfigName = ".coro-fix.yaml";

bool globMatches(std::string_view pattern, std::string_view text) {
  auto glob = llvm::GlobPattern::create(pattern);
  return glob && glob->match(text);
}
}  // namespace
}  // namespace corofix

// YAML mapping of the config file; CheckOptions accepts a map or clang-tidy's list of {key, value}.
namespace llvm::yaml {
template <>
struct CustomMappingTraits<corofix::CheckOptions> {
  static void inputOne(IO& io, StringRef key, corofix::CheckOptions& options) {
    io.mapRequired(key.str().c_str(), options[key.str()]);
  }
  static void output(IO& io, corofix::CheckOptions& options) {
    for (auto& [key, value] : options) io.mapRequired(key.c_str(), value);
  }
};
template <>
struct MappingTraits<corofix::ConfigFile> {
  static void mapping(IO& io, corofix::ConfigFile& file) {
    io.mapOptional("Checks", file.checks);
    io.mapOptional("WarningsAsErrors", file.warningsAsErrors);
    io.mapOptional("CheckOptions", file.options);
    io.mapOptional("ExcludePaths", file.excludePaths);
    io.mapOptional("InheritParentConfig", file.inheritParent);
  }
};
}  // namespace llvm::yaml

namespace corofix {

GlobList::GlobList(std::string_view spec) { append(spec); }

void GlobList::append(std::string_view spec) {
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (item.empty()) continue;
    bool positive = item.front() != '-';
    if (!positive) item.remove_prefix(1);
    globs_.push_back({std::string(item), positive});
  }
}

bool GlobList::contains(std::string_view name) const {
  bool result = false;
  for (const auto& glob : globs_)
    if (globMatches(glob.pattern, name)) result = glob.positive;
  return result;
}

std::optional<ConfigFile> parseConfigFile(std::string_view yaml, const std::string& dir, std::string& error) {
  ConfigFile file;
  llvm::yaml::Input input(llvm::StringRef(yaml.data(), yaml.size()));
  input >> file;
  if (input.error()) {
    error = "invalid configuration: " + input.error().message();
    return std::nullopt;
  }
  for (auto& pattern : file.excludePaths) {
    llvm::SmallString<256> absolute(dir);
    llvm::sys::path::append(absolute, pattern);
    pattern = std::string(absolute);
  }
  return file;
}

ConfigResolver::ConfigResolver(std::string explicitFile, std::string checksOverride)
    : explicitFile_(std::move(explicitFile)), checksOverride_(std::move(checksOverride)) {}

bool ConfigResolver::isExcluded(const Config& config, std::string_view absolutePath) {
  for (const auto& pattern : config.excludePaths)
    if (globMatches(pattern, absolutePath)) return true;
  return false;
}

std::optional<Config> ConfigResolver::load(const std::string& path, const Config& parent, std::string& error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = path + ": cannot read: " + buffer.getError().message();
    return std::nullopt;
  }
  std::string dir(llvm::sys::path::parent_path(path));
  auto file = parseConfigFile((*buffer)->getBuffer(), dir, error);
  if (!file) {
    error = path + ": " + error;
    return std::nullopt;
  }
  Config config = file->inheritParent ? parent : Config{};
  if (file->checks) config.checks.append(*file->checks);
  if (file->warningsAsErrors) config.warningsAsErrors.append(*file->warningsAsErrors);
  for (auto& [key, value] : file->options) config.options[key] = value;
  config.excludePaths.insert(config.excludePaths.end(), file->excludePaths.begin(), file->excludePaths.end());
  config.source = path;
  return config;
}

std::optional<Config> ConfigResolver::forDirectory(const std::string& dir, std::string& error) {
  if (auto it = cache_.find(dir); it != cache_.end()) {
    if (!it->second) error = errors_[dir];
    return it->second;
  }
  std::string parentDir(llvm::sys::path::parent_path(dir));
  std::optional<Config> parent = parentDir.empty() || parentDir == dir ? Config{} : forDirectory(parentDir, error);
  std::optional<Config> result = parent;
  llvm::SmallString<256> candidate(dir);
  llvm::sys::path::append(candidate, kConfigName);
  if (parent && llvm::sys::fs::exists(candidate)) result = load(std::string(candidate), *parent, error);
  if (!result) errors_[dir] = error;
  cache_[dir] = result;
  return result;
}

std::optional<Config> ConfigResolver::forFile(const std::string& file, std::string& error) {
  std::lock_guard lock(mutex_);
  std::optional<Config> config;
  if (!explicitFile_.empty()) {
    auto it = cache_.find(explicitFile_);
    if (it == cache_.end()) {
      it = cache_.emplace(explicitFile_, load(explicitFile_, Config{}, error)).first;
      if (!it->second) errors_[explicitFile_] = error;
    }
    if (!it->second) error = errors_[explicitFile_];
    config = it->second;
  } else {
    llvm::SmallString<256> absolute(file);
    llvm::sys::fs::make_absolute(absolute);
    config = forDirectory(std::string(llvm::sys::path::parent_path(absolute)), error);
  }
  if (config && !checksOverride_.empty()) config->checks.append(checksOverride_);
  return config;
}

}  // namespace corofix

#include "rewriter/dependency_index.h"

#include <chrono>
#include <cstdlib>
#include <map>

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MD5.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "rewriter/discovery.h"
#include "rewriter/process.h"
#include "rewriter/source.h"
#include "spdlog/spdlog.h"

namespace corofix {
namespace json = llvm::json;
namespace {

/// Bumped whenever what is indexed or how it is stored changes: older entries are then not read.
constexpr int64_t kCacheFormat = 10;
/// Bumped whenever what is asked of cargo, or how the answer is stored, changes.
constexpr int64_t kGraphFormat = 3;

/// Where entries of one format live (`deps/v10`): a run removes every other format's, which no
/// run of this version reads again.
std::string formatDir(const std::string& cacheDir, llvm::StringRef kind, int64_t format) {
  llvm::SmallString<256> path(cacheDir);
  llvm::sys::path::append(path, kind, "v" + std::to_string(format));
  return std::string(path);
}

void removeOtherFormats(const std::string& currentDir) {
  std::error_code ec;
  llvm::StringRef parent = llvm::sys::path::parent_path(currentDir);
  for (llvm::sys::fs::directory_iterator it(parent, ec), end; it != end && !ec; it.increment(ec)) {
    if (it->path() == currentDir) continue;
    std::error_code removed = it->type() == llvm::sys::fs::file_type::directory_file
                                  ? llvm::sys::fs::remove_directories(it->path())
                                  : llvm::sys::fs::remove(it->path());
    if (removed) spdlog::debug("{}: cannot remove an older cache entry: {}", it->path(), removed.message());
  }
}

std::string str(const json::Object& object, llvm::StringRef key) {
  auto value = object.getString(key);
  return value ? value->str() : std::string();
}

/// The array, or an empty one when the key is missing.
const json::Array& arrayOrEmpty(const json::Array* array) {
  static const json::Array kEmpty;
  return array ? *array : kEmpty;
}

/// The package's lib target (`lib`, `rlib`, ..; a proc-macro exports no fns), or null.
const json::Object* libTarget(const json::Object& package) {
  const json::Array* targets = package.getArray("targets");
  for (const json::Value& target : arrayOrEmpty(targets)) {
    const json::Object* t = target.getAsObject();
    const json::Array* kinds = t ? t->getArray("kind") : nullptr;
    for (const json::Value& kind : arrayOrEmpty(kinds)) {
      auto k = kind.getAsString();
      if (k && (*k == "lib" || *k == "rlib" || *k == "dylib")) return t;
    }
  }
  return nullptr;
}

std::optional<DependencyPackage> packageOf(const json::Object& object) {
  const json::Object* lib = libTarget(object);
  if (!lib) return std::nullopt;
  DependencyPackage p{str(object, "id"), str(object, "name"), str(object, "version"), str(*lib, "name"), "", "", false};
  std::replace(p.crateName.begin(), p.crateName.end(), '-', '_');
  p.sourceDir = llvm::sys::path::parent_path(str(*lib, "src_path")).str();
  p.packageDir = llvm::sys::path::parent_path(str(object, "manifest_path")).str();
  p.immutable = llvm::StringRef(str(object, "source")).startswith("registry+") ||
                llvm::StringRef(str(object, "source")).startswith("sparse+");
  return p;
}

/// The first line of cargo's stderr worth showing: its `error:` line, else the first one.
std::string firstErrorLine(llvm::StringRef err) {
  llvm::SmallVector<llvm::StringRef> lines;
  err.split(lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef line : lines)
    if (line.trim().startswith("error")) return line.trim().str();
  return lines.empty() ? "it printed nothing" : lines.front().trim().str();
}

/// `cargo metadata`'s JSON for the project at `root`, or nullopt with `error` set.
std::optional<json::Value> cargoMetadata(const std::string& root, bool offline, std::string& error) {
  llvm::SmallString<256> manifest(root);
  llvm::sys::path::append(manifest, "Cargo.toml");
  // Every feature: a dependency only some feature pulls in may still define the callee's name.
  std::vector<llvm::StringRef> args{"metadata", "--format-version", "1", "--all-features", "--manifest-path", manifest};
  if (offline) args.push_back("--offline");
  auto cargo = runProgram("cargo", args);
  if (!cargo) {
    error = "`cargo` is not on PATH";
    return std::nullopt;
  }
  if (cargo->exitCode != 0) {
    error = "`cargo metadata` failed: " + firstErrorLine(cargo->err);
    return std::nullopt;
  }
  auto parsed = json::parse(cargo->out);
  if (!parsed) {
    error = "`cargo metadata` printed no JSON: " + llvm::toString(parsed.takeError());
    return std::nullopt;
  }
  return std::move(*parsed);
}

llvm::StringRef lazinessName(Laziness laziness) {
  switch (laziness) {
    case Laziness::Lazy: return "lazy";
    case Laziness::Eager: return "eager";
    case Laziness::Unknown: break;
  }
  return "unknown";
}

std::optional<Laziness> lazinessNamed(llvm::StringRef name) {
  for (Laziness l : {Laziness::Lazy, Laziness::Eager, Laziness::Unknown})
    if (name == lazinessName(l)) return l;
  return std::nullopt;
}

std::string cacheFile(const std::string& cacheDir, const DependencyPackage& package) {
  llvm::MD5 hash;
  hash.update(std::to_string(kCacheFormat) + "\n" + package.id);
  llvm::SmallString<256> path(formatDir(cacheDir, "deps", kCacheFormat));
  llvm::sys::path::append(path, package.name + "-" + package.version + "-" +
                                    llvm::toHex(hash.final(), /*LowerCase=*/true).substr(0, 16) + ".tsv");
  return std::string(path);
}

// Both caches (a package's fns, a project's graph) are record files: a header line naming the
// format and what the file is about, a record a line (fields separated by tabs, each with tab,
// newline and backslash escaped), then `end <number of records>`, so a file cut short is refused.

std::string escaped(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string unescaped(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    char next = text[++i];
    out += next == 't' ? '\t' : next == 'n' ? '\n' : next;
  }
  return out;
}

/// The records of a record file's text, a line each, still escaped; false when it has another
/// header or is cut short.
bool recordLines(llvm::StringRef text, const std::string& header, llvm::SmallVectorImpl<llvm::StringRef>& records) {
  text.split(records, '\n', -1, /*KeepEmpty=*/false);
  if (records.size() < 2 || records.front() != header || records.back() != "end " + std::to_string(records.size() - 2))
    return false;
  records.pop_back();
  records.erase(records.begin());
  return true;
}

/// Calls `read` with each record's fields, still escaped; false when the file is missing, has
/// another header, is cut short, or `read` refuses a record.
bool readRecords(const std::string& path, const std::string& header,
                 llvm::function_ref<bool(llvm::ArrayRef<llvm::StringRef>)> read) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  llvm::SmallVector<llvm::StringRef, 0> lines;
  if (!buffer || !recordLines((*buffer)->getBuffer(), header, lines)) return false;
  llvm::SmallVector<llvm::StringRef, 8> fields;
  for (llvm::StringRef line : lines) {
    fields.clear();
    line.split(fields, '\t');
    if (!read(fields)) return false;
  }
  return true;
}

void writeRecords(const std::string& path, const std::string& header,
                  const std::vector<std::vector<std::string>>& records) {
  std::string text = header + "\n";
  for (const auto& record : records) {
    for (size_t i = 0; i < record.size(); ++i) text += (i ? "\t" : "") + escaped(record[i]);
    text += "\n";
  }
  text += "end " + std::to_string(records.size()) + "\n";
  if (auto error = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(path)))
    return spdlog::debug("{}: cannot create the cache directory: {}", path, error.message());
  if (std::string error = writeFileAtomically(path, text); !error.empty()) spdlog::debug("{}: {}", path, error);
}

// A package's cache is read on every run for every dependency (hundreds of thousands of
// definitions in a server's dependency graph), so it is records rather than JSON, in name order
// (CalleeIndex::entries) so that a run decodes only the names it asks about:
//   <name> <laziness> <"free" or "self"> <"machine" or "other"> <forwardsTo> <ties> <reason>

std::string cacheHeader(const DependencyPackage& package) {
  return "coro-fix-index " + std::to_string(kCacheFormat) + " " + package.id;
}

/// A package's cache entry as read, sorted by name: a name's records are decoded the first time
/// it is asked for, as most never are.
class CachedDefinitions : public CalleeIndex::Stored {
 public:
  /// The entry at `path`; null when it is missing, of another format or package, cut short, or
  /// not in order.
  static std::unique_ptr<CachedDefinitions> read(const std::string& path, const DependencyPackage& package) {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer) return nullptr;
    std::unique_ptr<CachedDefinitions> out(new CachedDefinitions(std::move(*buffer), path));
    if (!recordLines(out->buffer_->getBuffer(), cacheHeader(package), out->records_)) return nullptr;
    for (size_t i = 1; i < out->records_.size(); ++i)
      if (nameOf(out->records_[i]) < nameOf(out->records_[i - 1])) return nullptr;
    return out;
  }

  std::vector<CalleeIndex::Definition> named(std::string_view name) const override {
    std::string key = escaped(name);
    auto first = std::lower_bound(records_.begin(), records_.end(), key,
                                  [](llvm::StringRef record, const std::string& k) { return nameOf(record) < k; });
    std::vector<CalleeIndex::Definition> out;
    for (auto it = first; it != records_.end() && nameOf(*it) == key; ++it) out.push_back(decoded(*it, name));
    return out;
  }

 private:
  CachedDefinitions(std::unique_ptr<llvm::MemoryBuffer> buffer, std::string path)
      : buffer_(std::move(buffer)), path_(std::move(path)) {}

  static llvm::StringRef nameOf(llvm::StringRef record) { return record.take_until([](char c) { return c == '\t'; }); }

  /// A record (see cacheHeader); one that does not read is taken for a definition of unknown
  /// laziness, which makes no fix safe.
  CalleeIndex::Definition decoded(llvm::StringRef record, std::string_view name) const {
    llvm::SmallVector<llvm::StringRef, 7> f;
    record.split(f, '\t');
    auto laziness = f.size() == 7 ? lazinessNamed(f[1]) : std::nullopt;
    if (!laziness || (f[2] != "free" && f[2] != "self") || (f[3] != "machine" && f[3] != "other"))
      return {Laziness::Unknown, "`" + std::string(name) + "` has an entry in the dependency cache that does not "
                                     "read (" + path_ + ")", "", true, false, false};
    return {*laziness, unescaped(f[6]), unescaped(f[4]), true, f[2] == "free", f[3] == "machine", "", unescaped(f[5])};
  }

  std::unique_ptr<llvm::MemoryBuffer> buffer_;
  std::string path_;
  llvm::SmallVector<llvm::StringRef, 0> records_;
};

void writeCache(const std::string& path, const DependencyPackage& package, const CalleeIndex& index) {
  std::vector<std::vector<std::string>> records;
  for (const auto& [name, d] : index.entries())
    records.push_back({name, lazinessName(d.laziness).str(), d.withoutSelf ? "free" : "self",
                       d.stateMachine ? "machine" : "other", d.forwardsTo, d.ties, d.reason});
  writeRecords(path, cacheHeader(package), records);
}

/// Indexes the package's sources as the workspace's are, each file named from the registry's
/// folder down (`tokio-1.47.1/src/io/util/read.rs`).
void indexSources(const DependencyPackage& package, CalleeIndex& index) {
  llvm::StringRef shownFrom = llvm::sys::path::parent_path(package.packageDir);
  for (const std::string& file : discoverSources({package.sourceDir}).files) {
    if (languageOf(file) != Language::Rust) continue;
    std::string reason;
    auto source = SourceFile::load(file, reason);
    llvm::StringRef shown = llvm::StringRef(file).drop_front(shownFrom.size()).ltrim('/');
    if (source) indexRustSource(shown.str(), source->text(), index);
  }
}

/// The crate names each workspace member's code uses for its dependencies (renames included), by package id.
std::multimap<std::string, std::string> namesUsedByMembers(const json::Object& metadata) {
  std::multimap<std::string, std::string> out;
  const json::Array* members = metadata.getArray("workspace_members");
  const json::Object* resolve = metadata.getObject("resolve");
  const json::Array* nodes = resolve ? resolve->getArray("nodes") : nullptr;
  for (const json::Value& node : arrayOrEmpty(nodes)) {
    const json::Object* n = node.getAsObject();
    bool member = n && members && llvm::any_of(*members, [&](const json::Value& m) { return m.getAsString() == n->getString("id"); });
    const json::Array* deps = member ? n->getArray("deps") : nullptr;
    for (const json::Value& dep : arrayOrEmpty(deps))
      if (const json::Object* d = dep.getAsObject()) out.emplace(str(*d, "pkg"), str(*d, "name"));
  }
  return out;
}

/// The files whose change may change cargo's answer for the project at `root` whatever its
/// members: its manifest and lock file, and cargo's configuration (in the root and each directory
/// above it, and in CARGO_HOME).
std::vector<std::string> projectInputs(const std::string& root) {
  std::vector<std::string> inputs{root + "/Cargo.toml", root + "/Cargo.lock"};
  std::vector<std::string> configDirs;
  for (llvm::StringRef dir = root; !dir.empty(); dir = llvm::sys::path::parent_path(dir)) {
    configDirs.push_back(dir.str() + "/.cargo");
    if (dir == llvm::sys::path::root_path(dir)) break;
  }
  llvm::SmallString<256> home;
  if (const char* cargoHome = std::getenv("CARGO_HOME"); cargoHome && *cargoHome) configDirs.push_back(cargoHome);
  else if (llvm::sys::path::home_directory(home)) configDirs.push_back(std::string(home) + "/.cargo");
  for (const std::string& dir : configDirs)
    for (const char* config : {"/config.toml", "/config"}) inputs.push_back(dir + config);
  return inputs;
}

/// The graph `cargo metadata` printed for the project at `root`.
DependencyGraph graphOf(const std::string& root, const json::Object& metadata) {
  DependencyGraph graph;
  graph.usedNames = namesUsedByMembers(metadata);
  const json::Array* members = metadata.getArray("workspace_members");
  graph.inputs = projectInputs(root);
  for (const json::Value& value : arrayOrEmpty(metadata.getArray("packages"))) {
    const json::Object* p = value.getAsObject();
    std::optional<DependencyPackage> package = p ? packageOf(*p) : std::nullopt;
    if (!package) continue;
    // A manifest outside the registry may change: cargo's answer stands while none of them does.
    if (!package->immutable) graph.inputs.push_back(package->packageDir + "/Cargo.toml");
    if (members && llvm::any_of(*members, [&](const json::Value& m) { return m.getAsString() == package->id; }))
      graph.memberCrates.push_back(package->crateName);
    else
      graph.packages.push_back(std::move(*package));
  }
  return graph;
}

/// A digest of a file's bytes, or "absent": what tells that an input changed (manifests and lock
/// files are small; a modification time can stay the same across an edit).
std::string stamp(const std::string& file) {
  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) return "absent";
  llvm::MD5 hash;
  hash.update((*buffer)->getBuffer());
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
}

// A project's graph is cached while cargo's inputs stay as they were (a record per input with its
// stamp), and only with a lock file: without one, cargo resolves afresh from the registry.
//   input <path> <stamp> | member <crate> | used <package id> <name>
//   package <id> <name> <version> <crate> <source dir> <package dir> <0|1>
// So is cargo's failing, for kFailureKept: it takes a fraction of a second and often the network
// each time, and asking again is only worth it once something may have changed. A failure makes
// results more conservative, never less.
//   failed <error> <seconds since the epoch>

std::string graphCacheFile(const std::string& cacheDir, const std::string& root) {
  llvm::MD5 hash;
  hash.update(root);
  llvm::SmallString<256> path(formatDir(cacheDir, "graphs", kGraphFormat));
  llvm::sys::path::append(path, llvm::toHex(hash.final(), /*LowerCase=*/true).substr(0, 16) + ".tsv");
  return std::string(path);
}

constexpr std::chrono::minutes kFailureKept{10};

int64_t secondsNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string graphHeader(const std::string& root) { return "coro-fix-graph " + std::to_string(kGraphFormat) + " " + root; }

/// The cached graph while its inputs are unchanged; nullopt otherwise, with `failure` set when what
/// is cached is cargo's recent failure.
std::optional<DependencyGraph> loadGraph(const std::string& path, const std::string& root, std::string& failure) {
  DependencyGraph graph;
  std::string failed;
  bool current = readRecords(path, graphHeader(root), [&](llvm::ArrayRef<llvm::StringRef> f) {
    std::vector<std::string> field;
    for (llvm::StringRef x : f.drop_front()) field.push_back(unescaped(x));
    if (f[0] == "input" && field.size() == 2) {
      graph.inputs.push_back(field[0]);
      return stamp(field[0]) == field[1];
    }
    if (f[0] == "member" && field.size() == 1) graph.memberCrates.push_back(field[0]);
    else if (f[0] == "used" && field.size() == 2) graph.usedNames.emplace(field[0], field[1]);
    else if (f[0] == "package" && field.size() == 7)
      graph.packages.push_back({field[0], field[1], field[2], field[3], field[4], field[5], field[6] == "1"});
    else if (f[0] == "failed" && field.size() == 2) failed = field[0];
    else return false;
    // An older failure is asked about again.
    int64_t at = 0;
    return f[0] != "failed" || (!llvm::StringRef(field[1]).getAsInteger(10, at) &&
                                secondsNow() - at < std::chrono::seconds(kFailureKept).count());
  });
  if (!current) return std::nullopt;
  if (!failed.empty()) {
    failure = failed;
    return std::nullopt;
  }
  return graph;
}

/// Caches `records` about the project at `root` (a graph, or cargo's failure) with its inputs'
/// stamps; nothing without a lock file.
void saveGraphRecords(const std::string& path, const std::string& root, const std::vector<std::string>& inputs,
                      std::vector<std::vector<std::string>> records) {
  std::vector<std::vector<std::string>> stamped;
  for (const std::string& input : inputs) {
    std::string digest = stamp(input);
    if (input == root + "/Cargo.lock" && digest == "absent") return;
    stamped.push_back({"input", input, digest});
  }
  stamped.insert(stamped.end(), std::make_move_iterator(records.begin()), std::make_move_iterator(records.end()));
  writeRecords(path, graphHeader(root), stamped);
}

void saveGraph(const std::string& path, const std::string& root, const DependencyGraph& graph) {
  std::vector<std::vector<std::string>> records;
  for (const std::string& member : graph.memberCrates) records.push_back({"member", member});
  for (const auto& [id, name] : graph.usedNames) records.push_back({"used", id, name});
  for (const DependencyPackage& p : graph.packages)
    records.push_back({"package", p.id, p.name, p.version, p.crateName, p.sourceDir, p.packageDir, p.immutable ? "1" : "0"});
  saveGraphRecords(path, root, graph.inputs, std::move(records));
}

}  // namespace

std::optional<DependencyGraph> dependencyGraph(const std::string& root, const DependencyOptions& options,
                                               std::string& error) {
  std::string cached = graphCacheFile(dependencyCacheDir(options), root);
  if (std::optional<DependencyGraph> graph = loadGraph(cached, root, error)) return graph;
  if (!error.empty()) {
    error += " (a few minutes ago: asked again after " + std::to_string(kFailureKept.count()) +
             " minutes, or once the manifest, lock file or cargo's configuration changes)";
    return std::nullopt;
  }
  std::optional<json::Value> metadata = cargoMetadata(root, options.offline, error);
  const json::Object* object = metadata ? metadata->getAsObject() : nullptr;
  if (!object || !object->getArray("packages")) {
    if (error.empty()) error = "`cargo metadata` listed no packages";
    saveGraphRecords(cached, root, projectInputs(root), {{"failed", error, std::to_string(secondsNow())}});
    return std::nullopt;
  }
  DependencyGraph graph = graphOf(root, *object);
  saveGraph(cached, root, graph);
  return graph;
}

void indexPackage(const DependencyPackage& package, const std::string& cacheDir, CalleeIndex& index,
                  IndexCounts& counts) {
  std::string cached = package.immutable ? cacheFile(cacheDir, package) : "";
  if (auto stored = cached.empty() ? nullptr : CachedDefinitions::read(cached, package)) {
    index.addStored(std::move(stored));
    ++counts.fromCache;
    return;
  }
  indexSources(package, index);
  ++counts.indexed;
  if (!cached.empty()) writeCache(cached, package, index);
}

PackageIndexes::PackageIndexes(DependencyOptions options)
    : options_(std::move(options)), cacheDir_(dependencyCacheDir(options_)) {
  removeOtherFormats(formatDir(cacheDir_, "deps", kCacheFormat));
  removeOtherFormats(formatDir(cacheDir_, "graphs", kGraphFormat));
}

const CalleeIndex* PackageIndexes::indexFor(DependencyPackage package, llvm::ThreadPool& pool) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = byId_.try_emplace(package.id);
  if (!fresh) return it->second.get();
  it->second = std::make_unique<CalleeIndex>("crate `" + package.crateName + "`");
  pool.async([this, package = std::move(package), index = it->second.get()] {
    indexPackage(package, cacheDir_, *index, counts);
  });
  return it->second.get();
}

std::string dependencyCacheDir(const DependencyOptions& options) {
  if (!options.cacheDir.empty()) return options.cacheDir;
  llvm::SmallString<256> dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) dir = xdg;
  else if (!llvm::sys::path::cache_directory(dir)) dir = ".cache";
  llvm::sys::path::append(dir, "coro-fix");
  return std::string(dir);
}

CrateIndexes indexDependencies(const std::string& root, const CalleeIndex& workspace, PackageIndexes& packages,
                               llvm::ThreadPool& pool) {
  CrateIndexes out;
  std::optional<DependencyGraph> graph = dependencyGraph(root, packages.options(), out.unavailable);
  if (!graph) {
    spdlog::warn("{}: dependencies not indexed: {}", root, out.unavailable);
    return out;
  }
  for (const std::string& member : graph->memberCrates) out.byCrateName[member].push_back(&workspace);
  for (DependencyPackage& package : graph->packages) {
    auto [begin, end] = graph->usedNames.equal_range(package.id);
    const CalleeIndex* index = packages.indexFor(std::move(package), pool);
    out.all.push_back(index);
    for (auto it = begin; it != end; ++it) out.byCrateName[it->second].push_back(index);
  }
  return out;
}

}  // namespace corofix

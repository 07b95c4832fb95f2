// The callee indexes of a Cargo project's dependencies, so that a call into another crate
// (`tokio::time::sleep`, `self.io.write(buf)` on an `embedded_io_async::Write`) resolves like one
// into the workspace. `cargo metadata` names the packages and where their sources are; each is
// indexed like the workspace (rewriter/project.h) and, when its source cannot change (a registry
// package), cached on disk by package id.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rewriter/project.h"

namespace llvm {
class ThreadPool;
}

namespace corofix {

struct DependencyOptions {
  bool offline = false;  // `cargo metadata --offline`: no network, only what is already downloaded
  std::string cacheDir;  // empty: $XDG_CACHE_HOME/coro-fix, or ~/.cache/coro-fix
};

/// How many dependency packages a run read from their sources, and from the cache.
struct IndexCounts {
  std::atomic<unsigned> indexed{0}, fromCache{0};
};

/// A package `cargo metadata` lists, as far as indexing it goes.
struct DependencyPackage {
  std::string id, name, version;
  std::string crateName;   // its lib target's name, as code names it (`embedded_io_async`)
  std::string sourceDir;   // the directory of the lib target's root file
  std::string packageDir;  // the manifest's directory
  bool immutable = false;  // from a registry: a given id always has the same source, so it is cached
};

/// Fills `index` with the package's fns: from the cache when it is immutable and cached, else from
/// its sources (then caching them). Counts which it was in `counts`.
void indexPackage(const DependencyPackage& package, const std::string& cacheDir, CalleeIndex& index,
                  IndexCounts& counts);

/// The dependency packages of one run, by package id: a package that several project roots depend
/// on (tokio under a dozen crates) is indexed, or read from the cache, once.
class PackageIndexes {
 public:
  explicit PackageIndexes(DependencyOptions options);
  /// The index of `package`; the first time it is asked for, its indexing is queued on `pool`.
  const CalleeIndex* indexFor(DependencyPackage package, llvm::ThreadPool& pool);
  const DependencyOptions& options() const { return options_; }
  IndexCounts counts;

 private:
  DependencyOptions options_;
  std::string cacheDir_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<CalleeIndex>, std::less<>> byId_;
};

/// What `cargo metadata` says a project's code can call: the packages of its dependency graph and
/// the names the workspace members' code uses for them.
struct DependencyGraph {
  std::vector<DependencyPackage> packages;            // every package but the members
  std::vector<std::string> memberCrates;              // the members' own crate names
  std::multimap<std::string, std::string> usedNames;  // package id -> a name members' code uses for it
  std::vector<std::string> inputs;  // the files whose change may change it: manifests, lock file, cargo configs
};

/// The graph of the Cargo project at `root`: from the cache while none of its inputs changed, else
/// from `cargo metadata` (then cached, when a lock file pins it); nullopt with `error` set.
std::optional<DependencyGraph> dependencyGraph(const std::string& root, const DependencyOptions& options,
                                               std::string& error);

/// Finds the graph of the Cargo project whose root directory is `root` and takes the index
/// of each package that is not a workspace member from `packages` (queuing its indexing on `pool`):
/// the result is complete once the pool is waited for. The members' crate names resolve to
/// `workspace`, the index of the root's own files. When cargo cannot say, `unavailable` says why.
CrateIndexes indexDependencies(const std::string& root, const CalleeIndex& workspace, PackageIndexes& packages,
                               llvm::ThreadPool& pool);

/// The directory the cache lives in for `options`.
std::string dependencyCacheDir(const DependencyOptions& options);

}  // namespace corofix

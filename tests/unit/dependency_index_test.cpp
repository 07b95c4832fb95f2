// Calls into Cargo dependencies: `cargo metadata` on a small project with path dependencies, the
// on-disk cache of registry packages, and the reasons given when a call does not resolve.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ThreadPool.h"
#include "rewriter/dependency_index.h"
#include "rewriter/syntax.h"
#include "tests/unit/temp_tree.h"

using namespace corofix;

namespace {

constexpr const char* kNetlib =
    "pub async fn fetch(url: &str) -> usize { url.len() }\n"
    "pub fn connect(addr: u32) -> Connect { let c = Connect(addr); c }\n"  // eager: statements run
    "pub struct Connect(u32);\n"
    "pub struct Read<'a> { buf: &'a mut [u8] }\n"
    "pub fn read_into(buf: &mut [u8]) -> Read<'_> { Read { buf } }\n"
    "pub trait Bus { async fn transfer(&mut self, buf: &mut [u8]) -> usize; }\n"
    "pub fn transfer(bus: u32) -> Transfer { let t = Transfer(bus); t }\n"  // eager, but no method
    "impl Connect { pub fn open(&self) -> Opening { let o = Opening; o } }\n"
    "pub trait Io { async fn write(&mut self, buf: &[u8]) -> usize; fn len(&self) -> usize; }\n"
    "pub struct Sync;\n"
    "impl Sync { pub fn write(&mut self, buf: &[u8]) -> WriteFuture { WriteFuture::start(buf) } }\n";

/// An app depending on `netlib` by path, renamed `net`; returns the app's directory.
std::string cargoProject(const TempTree& tree) {
  tree.write("netlib/Cargo.toml", "[package]\nname = \"netlib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
  tree.write("netlib/src/lib.rs", kNetlib);
  tree.write("app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
            "net = { package = \"netlib\", path = \"../netlib\" }\n");
  tree.write("app/src/main.rs", "fn main() {}\n");
  return tree.path("app");
}

struct Indexed {
  TempTree ownCache;  // the cache when the test does not share one
  CalleeIndex workspace;
  PackageIndexes packages;
  CrateIndexes dependencies;
  std::unique_ptr<SyntaxTree> tree;
  PathOrigins origins;

  Indexed(const std::string& root, std::string_view file, std::optional<DependencyOptions> options = std::nullopt)
      : packages(options.value_or(DependencyOptions{true, ownCache.root()})) {
    workspace.addParsedFile("app/src/main.rs", *SyntaxTree::parseRust("async fn connect(addr: u32) {}\nimpl Link { async fn open(&self) {} }\n"));
    llvm::ThreadPool pool(llvm::hardware_concurrency(2));
    dependencies = indexDependencies(root, workspace, packages, pool);
    pool.wait();
    tree = SyntaxTree::parseRust(file);
    origins = PathOrigins(*tree);
  }
  CalleeResolution resolve(std::string_view name, bool isMethod = false) const {
    FileContext context{Edition::E2021, &workspace, &origins, &dependencies};
    return context.resolve({name, isMethod});
  }
};

}  // namespace

TEST(DependencyIndex, PathCallsResolveInTheCrateTheyName) {
  TempTree tree;
  Indexed project(cargoProject(tree), "use net::fetch as get;\nuse net::connect;\nuse net::{self as nl};\n");
  EXPECT_TRUE(project.dependencies.unavailable.empty()) << project.dependencies.unavailable;
  EXPECT_EQ(project.resolve("net::fetch").laziness, Laziness::Lazy);  // named as the manifest renames it
  EXPECT_NE(project.resolve("net::fetch").reason.find("`fetch` is an `async fn` (netlib/src/lib.rs:1)"),
            std::string::npos);
  EXPECT_NE(project.resolve("netlib::fetch").reason.find("crate `netlib`, which is not a dependency"), std::string::npos);
  EXPECT_EQ(project.resolve("get").laziness, Laziness::Lazy);
  EXPECT_EQ(project.resolve("nl::read_into").laziness, Laziness::Lazy);
  EXPECT_NE(project.resolve("nl::read_into").reason.find("only builds a `Read`"), std::string::npos);
  // The workspace's `connect` is an `async fn`; the one called here is netlib's, a plain fn.
  EXPECT_EQ(project.resolve("connect").laziness, Laziness::Eager);
  EXPECT_NE(project.resolve("connect").reason.find("plain fn returning `Connect`"), std::string::npos);
  EXPECT_EQ(project.resolve("tokio::time::sleep").laziness, Laziness::Unknown);
  EXPECT_NE(project.resolve("tokio::time::sleep").reason.find("crate `tokio`, which is not a dependency of this package"),
            std::string::npos);
}

TEST(DependencyIndex, MethodsResolveAcrossEveryIndexedCrate) {
  TempTree tree;
  Indexed project(cargoProject(tree), "");
  // A trait `async fn`; netlib's free fn `transfer` is eager, but `x.transfer(..)` cannot call it.
  EXPECT_EQ(project.resolve("transfer", true).laziness, Laziness::Lazy);
  EXPECT_EQ(project.resolve("net::transfer").laziness, Laziness::Unknown);
  EXPECT_NE(project.resolve("transfer", true).reason.find("trait `async fn`"), std::string::npos);
  // `write` is a trait `async fn` and a plain method returning a future: either may be the callee.
  CalleeResolution write = project.resolve("write", true);
  EXPECT_EQ(write.laziness, Laziness::Unknown);
  EXPECT_NE(write.reason.find("`write` has 2 definitions in crate `netlib` that differ"), std::string::npos) << write.reason;
  EXPECT_NE(write.reason.find("`write` returns `WriteFuture::start`'s future (netlib/src/lib.rs:11), and "
                              "`WriteFuture::start` is not defined in crate `netlib`"),
            std::string::npos)
      << write.reason;
  // The method `open` is lazy in the workspace, eager in netlib.
  CalleeResolution open = project.resolve("open", true);
  EXPECT_EQ(open.laziness, Laziness::Unknown);
  EXPECT_NE(open.reason.find("in crate `netlib` and the indexed workspace that differ"), std::string::npos)
      << open.reason;
  EXPECT_NE(project.resolve("missing", true).reason.find("not defined in the workspace and its 1 indexed dependencies"),
            std::string::npos);
}

TEST(DependencyIndex, CargoMetadataFailingIsTheReason) {
  TempTree tree;
  const std::string& root = tree.root();
  tree.write("Cargo.toml", "[package]\nname = \"broken\"\nversion = \"0.1.0\"\n\n[dependencies]\nnetlib = 7\n");
  tree.write("src/lib.rs", "");
  Indexed project(root, "use netlib::fetch;\n");
  const std::string& why = project.dependencies.unavailable;
  EXPECT_EQ(why.rfind("`cargo metadata` failed: error", 0), 0u) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  CalleeResolution fetch = project.resolve("fetch");
  EXPECT_EQ(fetch.laziness, Laziness::Unknown);
  EXPECT_NE(fetch.reason.find("the dependencies are not indexed: `cargo metadata` failed: error"), std::string::npos)
      << fetch.reason;
  // The workspace's own `open` is an `async fn`, but a dependency's type may have an `open` method too.
  CalleeResolution connect = project.resolve("open", true);
  EXPECT_EQ(connect.laziness, Laziness::Unknown);
  EXPECT_NE(connect.reason.find("is an `async fn` (app/src/main.rs:2), but a dependency may define `open` too, and "
                                "the dependencies are not indexed: `cargo metadata` failed"),
            std::string::npos)
      << connect.reason;
}

TEST(DependencyIndex, CargoFailingIsCachedUntilAnInputChanges) {
  TempTree tree, cache;
  const std::string& root = tree.root();
  tree.write("Cargo.toml", "[package]\nname = \"broken\"\nversion = \"0.1.0\"\n\n[dependencies]\nnetlib = 7\n");
  tree.write("Cargo.lock", "version = 3\n");
  tree.write("src/lib.rs", "");
  auto unavailable = [&] { return Indexed(root, "", DependencyOptions{true, cache.root()}).dependencies.unavailable; };
  EXPECT_EQ(unavailable().rfind("`cargo metadata` failed: error", 0), 0u);
  std::string path = std::getenv("PATH");
  setenv("PATH", "/nonexistent", 1);  // cargo cannot run again: what follows is the cache's
  std::string cached = unavailable();
  EXPECT_EQ(cached.rfind("`cargo metadata` failed: error", 0), 0u) << cached;
  EXPECT_NE(cached.find("asked again after 10 minutes"), std::string::npos) << cached;
  tree.write("Cargo.toml", "[package]\nname = \"broken\"\nversion = \"0.1.1\"\n");
  EXPECT_EQ(unavailable(), "`cargo` is not on PATH");
  setenv("PATH", path.c_str(), 1);
}

TEST(DependencyIndex, PathDependenciesAreIndexedAgainEachRun) {
  TempTree tree, cache;
  std::string app = cargoProject(tree);
  for (int run = 0; run < 2; ++run) {
    Indexed project(app, "", DependencyOptions{true, cache.root()});
    EXPECT_EQ(project.packages.counts.indexed, 1u);
    EXPECT_EQ(project.packages.counts.fromCache, 0u);
  }
}

TEST(DependencyIndex, RegistryPackagesAreCachedAndACorruptEntryIsRebuilt) {
  TempTree sources, cacheTree;
  const std::string &dir = sources.root(), &cache = cacheTree.root();
  sources.write("lazy-1.0.0/src/lib.rs", "pub async fn nap() {}\n");
  DependencyPackage package{"registry+https://example.invalid#lazy@1.0.0", "lazy", "1.0.0", "lazy",
                            dir + "/lazy-1.0.0/src", dir + "/lazy-1.0.0", true};
  auto indexOnce = [&](unsigned expectIndexed, unsigned expectCached) {
    CalleeIndex index("crate `lazy`");
    IndexCounts counts;
    indexPackage(package, cache, index, counts);
    EXPECT_EQ(counts.indexed, expectIndexed);
    EXPECT_EQ(counts.fromCache, expectCached);
    return index.resolve({"nap"});
  };
  EXPECT_EQ(indexOnce(1, 0).laziness, Laziness::Lazy);
  std::error_code ec;
  std::string cached;
  for (llvm::sys::fs::recursive_directory_iterator it(cache + "/deps", ec), end; it != end && !ec; it.increment(ec))
    if (it->type() == llvm::sys::fs::file_type::regular_file) cached = it->path();
  ASSERT_FALSE(ec);
  EXPECT_NE(cached.find("lazy-1.0.0-"), std::string::npos) << cached;

  // Entries of other formats are never read again: a run removes them.
  cacheTree.write("deps/old-1.0.0-0123456789abcdef.tsv", "coro-fix-index 5 old\nend 0\n");
  cacheTree.write("deps/v1/old-1.0.0-0123456789abcdef.tsv", "coro-fix-index 1 old\nend 0\n");
  cacheTree.write("graphs/v1/0123456789abcdef.tsv", "coro-fix-graph 1 /old\nend 0\n");
  PackageIndexes run(DependencyOptions{true, cache});
  EXPECT_FALSE(llvm::sys::fs::exists(cache + "/deps/old-1.0.0-0123456789abcdef.tsv"));
  EXPECT_FALSE(llvm::sys::fs::exists(cache + "/deps/v1"));
  EXPECT_FALSE(llvm::sys::fs::exists(cache + "/graphs/v1"));
  EXPECT_TRUE(llvm::sys::fs::exists(cached));

  // The source changes, the cache is what is read: the second run does not look at the sources.
  sources.write("lazy-1.0.0/src/lib.rs", "pub fn nap() -> Nap { let n = Nap::now(); n }\n");
  CalleeResolution fromCache = indexOnce(0, 1);
  EXPECT_EQ(fromCache.laziness, Laziness::Lazy);
  EXPECT_EQ(fromCache.reason, "`nap` is an `async fn` (lazy-1.0.0/src/lib.rs:1)");

  for (const char* corrupt : {"{\"format\": 1, \"package\": \"registry+https://example.invalid#lazy@1.0.0\", \"defin",
                              "{\"format\": 1, \"package\": \"other\", \"definitions\": []}",
                              "{\"format\": 1, \"package\": \"registry+https://example.invalid#lazy@1.0.0\", "
                              "\"definitions\": [{\"name\": \"nap\", \"laziness\": \"sleepy\"}]}"}) {
    std::ofstream(cached, std::ios::binary) << corrupt;
    EXPECT_EQ(indexOnce(1, 0).laziness, Laziness::Eager) << corrupt;  // re-indexed from the new source
    EXPECT_EQ(indexOnce(0, 1).laziness, Laziness::Eager) << corrupt;  // and cached again
  }
  std::string header;
  std::getline(std::ifstream(cached), header);
  std::string record = "\tlazy\tfree\tmachine\t\t\t`nap` is an `async fn` (lazy-1.0.0/src/lib.rs:1)\n";
  for (std::string corrupt : {header + "\nnap" + record,                             // cut short
                              header + "\nzap" + record + "nap" + record + "end 2\n"}) {  // out of name order
    std::ofstream(cached, std::ios::binary) << corrupt;
    EXPECT_EQ(indexOnce(1, 0).laziness, Laziness::Eager) << corrupt;
  }
  // Records are decoded when their name is asked for: one that does not read is unknown.
  std::ofstream(cached, std::ios::binary) << header + "\nnap\tsleepy\tfree\tmachine\t\t\tr\nend 1\n";
  CalleeResolution unreadable = indexOnce(0, 1);
  EXPECT_EQ(unreadable.laziness, Laziness::Unknown);
  EXPECT_NE(unreadable.reason.find("an entry in the dependency cache that does not read"), std::string::npos)
      << unreadable.reason;
}

TEST(DependencyIndex, AFnOfATypeParameterResolvesLikeAMethod) {
  TempTree tree;
  Indexed project(cargoProject(tree), "use net::Bus;\n");
  CalleeResolution read = project.resolve("R::read_into");  // netlib's, which only builds a future
  EXPECT_EQ(read.laziness, Laziness::Lazy) << read.reason;
  CalleeResolution write = project.resolve("W::write");  // `Io::write` is lazy, `Sync::write` is not
  EXPECT_EQ(write.laziness, Laziness::Unknown) << write.reason;
  EXPECT_EQ(project.resolve("net::read_into").laziness, Laziness::Lazy);
}

TEST(DependencyIndex, TheGraphIsCachedUntilAManifestChanges) {
  TempTree tree, cache;
  std::string app = cargoProject(tree);
  auto indexed = [&] { return std::make_unique<Indexed>(app, "use net::fetch;\n", DependencyOptions{true, cache.root()}); };
  EXPECT_EQ(indexed()->dependencies.unavailable, "");
  // Without cargo on PATH, the graph can only come from the cache.
  std::string path = std::getenv("PATH");
  setenv("PATH", "/nonexistent", 1);
  auto cached = indexed();
  EXPECT_EQ(cached->dependencies.unavailable, "");
  EXPECT_EQ(cached->resolve("fetch").laziness, Laziness::Lazy);
  tree.write("netlib/Cargo.toml", "[package]\nname = \"netlib\"\nversion = \"0.1.1\"\nedition = \"2021\"\n");
  EXPECT_EQ(indexed()->dependencies.unavailable, "`cargo` is not on PATH");  // a path dependency changed
  setenv("PATH", path.c_str(), 1);
}

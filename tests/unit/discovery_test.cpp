// Which files a run reads: .gitignore in a work tree, skipped folders, and paths named on the
// command line.
#include <gtest/gtest.h>

#include <cstdlib>

#include "rewriter/discovery.h"
#include "rewriter/process.h"
#include "tests/unit/temp_tree.h"

using namespace corofix;

namespace {

/// A git work tree with an ignored folder, a `target/` and a hidden folder beside the sources.
struct Repository {
  TempTree tree;
  Repository() {
    tree.write(".gitignore", "generated/\n");
    for (const char* file : {"src/lib.rs", "generated/out.rs", "target/debug/build.rs", ".hidden/x.rs", "notes.txt"})
      tree.write(file, "async fn f() {}\n");
    auto git = runProgram("git", {"-C", tree.root(), "init", "-q"});
    EXPECT_TRUE(git && git->exitCode == 0) << "git init failed";
  }
  std::vector<std::string> relative(const std::vector<std::string>& files) const {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.substr(tree.root().size() + 1));
    return out;
  }
};

}  // namespace

TEST(Discovery, AWorkTreeHonoursGitignoreAndSkipsBuildAndHiddenFolders) {
  Repository repo;
  EXPECT_EQ(repo.relative(discoverSources({repo.tree.root()}).files), std::vector<std::string>{"src/lib.rs"});
}

TEST(Discovery, AnIgnoredDirectoryNamedOnTheCommandLineIsRead) {
  Repository repo;
  EXPECT_EQ(repo.relative(discoverSources({repo.tree.path("generated")}).files),
            std::vector<std::string>{"generated/out.rs"});
}

TEST(Discovery, ANamedFileIsReadAndOthersAreSkippedWithAReason) {
  Repository repo;
  Discovered found = discoverSources({repo.tree.path("generated/out.rs"), repo.tree.path("notes.txt"),
                                      repo.tree.path("missing.rs")});
  EXPECT_EQ(repo.relative(found.files), std::vector<std::string>{"generated/out.rs"});
  ASSERT_EQ(found.skipped.size(), 2u);
  EXPECT_EQ(found.skipped[0].second, "not a source file coro-fix reads (by its extension)");
  EXPECT_EQ(found.skipped[1].second, "no such file or directory");
}

// The engine without the real rules: edits and conflicts, passes to a fixed point, reverting
// fixes that break parsing, suppression comments, configuration, editions and the callee index.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "rewriter/config.h"
#include "rewriter/driver.h"
#include "rewriter/relevant_ranges.h"
#include "rewriter/rust_analysis.h"
#include "rewriter/suppression.h"
#include "tests/unit/temp_tree.h"

using namespace corofix;

namespace {

/// Wraps every `.await` expression in parentheses unless it already is: nested awaits make
/// overlapping fixes, so converging takes one pass per nesting level.
class ParenthesizeAwait : public RustRule {
 public:
  std::string_view id() const override { return "test-parenthesize"; }
  std::string_view summary() const override { return "test rule"; }
  std::vector<Finding> check(const RuleInput& input) const override {
    std::vector<Finding> out;
    walk(input.tree.root(), [&](Node n) {
      if (n.is("await_expression") && !n.parent().is("parenthesized_expression")) {
        TextRange range{n.begin(), n.end()};
        out.push_back({std::string(id()), "await", range, {},
                       Fix::safe("parenthesize", {{range, "(" + std::string(n.text()) + ")"}})});
      }
      return true;
    });
    return out;
  }
};

/// Replaces a fn named `breaks` with unparsable text, or `drops_comment`'s body without its comment.
class BadFixes : public RustRule {
 public:
  std::string_view id() const override { return "test-bad"; }
  std::string_view summary() const override { return "test rule"; }
  std::vector<Finding> check(const RuleInput& input) const override {
    std::vector<Finding> out;
    walk(input.tree.root(), [&](Node n) {
      auto f = rust::asFunction(n);
      if (!f) return true;
      TextRange body{f->body.begin(), f->body.end()};
      if (f->name.text() == "breaks") out.push_back({"test-bad", "breaks", body, {}, Fix::safe("x", {{body, "{ let = ; }"}})});
      if (f->name.text() == "drops_comment") out.push_back({"test-bad", "drops", body, {}, Fix::safe("x", {{body, "{}"}})});
      if (f->name.text() == "unsafe_one")
        out.push_back({"test-bad", "unsafe", body, {}, Fix::unsafe("x", "because", {{body, "{ 2 }"}})});
      return false;
    });
    return out;
  }
};

FileResult process(std::string text, const std::vector<const Rule*>& rules, RunMode mode = RunMode::Apply,
                   bool unsafeFixes = false, Config config = {}) {
  FileResult result;
  result.path = "test.rs";
  result.source = SourceFile::fromBytes("test.rs", std::move(text));
  CalleeIndex index;
  RunOptions options;
  options.mode = mode;
  options.unsafeFixes = unsafeFixes;
  processFile(result, nullptr, FileContext{Edition::E2021, &index}, config, options, rules);
  return result;
}

}  // namespace

TEST(Passes, NestedOverlappingFixesConvergeInOneRun) {
  ParenthesizeAwait rule;
  auto result = process("async fn f() { a(b(c().await).await).await; }\n", {&rule});
  EXPECT_EQ(result.fixedText(), "async fn f() { (a((b((c().await)).await)).await); }\n");
  EXPECT_EQ(result.fixesApplied, 3u);
  EXPECT_EQ(result.passes, 3u);
  ASSERT_EQ(result.findings.size(), 3u);
  for (const auto& f : result.findings) EXPECT_EQ(f.outcome, Outcome::Applied);
}

TEST(Passes, AppliedRangesFollowLaterPasses) {
  // The outer await is wrapped first, the inner one (overlapping it) in the next pass: the outer
  // fix's range grows with the inner edit.
  ParenthesizeAwait rule;
  auto result = process("async fn f() { x; a(b().await).await; }\n", {&rule});
  ASSERT_EQ(result.fixedText(), "async fn f() { x; (a((b().await)).await); }\n");
  std::vector<std::string> covered;
  for (const AppliedFix& fix : result.applied)
    covered.push_back(result.fixedText().substr(fix.range.begin, fix.range.end - fix.range.begin));
  EXPECT_EQ(covered, (std::vector<std::string>{"(a((b().await)).await)", "(b().await)"}));
}

TEST(Passes, CheckModeChangesNothingAndReportsFixable) {
  ParenthesizeAwait rule;
  auto result = process("async fn f() { c().await; }\n", {&rule}, RunMode::Check);
  EXPECT_FALSE(result.changed());
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].outcome, Outcome::Fixable);
  EXPECT_EQ(result.findings[0].line, 1u);
  EXPECT_EQ(result.findings[0].column, 16u);
}

TEST(Passes, FixThatBreaksParsingIsDroppedOthersKept) {
  BadFixes bad;
  ParenthesizeAwait paren;
  auto result = process("fn breaks() { 1 }\nasync fn ok() { c().await; }\n", {&bad, &paren});
  EXPECT_NE(result.fixedText().find("fn breaks() { 1 }"), std::string::npos);
  EXPECT_NE(result.fixedText().find("(c().await)"), std::string::npos);
  ASSERT_TRUE(result.internalError);
  EXPECT_EQ(result.findings[0].outcome, Outcome::Reverted);
}

TEST(Passes, FixThatDeletesACommentIsRefused) {
  BadFixes bad;
  auto result = process("fn drops_comment() {\n    // keep me\n    1\n}\n", {&bad});
  EXPECT_FALSE(result.changed());
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].outcome, Outcome::NoFix);
}

TEST(Passes, UnsafeFixesNeedTheFlag) {
  BadFixes bad;
  auto without = process("fn unsafe_one() -> u8 { 1 }\n", {&bad});
  EXPECT_FALSE(without.changed());
  EXPECT_EQ(without.findings[0].outcome, Outcome::NeedsUnsafeFixes);
  auto with = process("fn unsafe_one() -> u8 { 1 }\n", {&bad}, RunMode::Apply, true);
  EXPECT_EQ(with.fixedText(), "fn unsafe_one() -> u8 { 2 }\n");
}

TEST(Passes, NotEditedNearSyntaxErrors) {
  ParenthesizeAwait rule;
  auto result = process("async fn broken() { c().await; let = ; }\nasync fn fine() { d().await; }\n", {&rule});
  EXPECT_NE(result.fixedText().find("c().await;"), std::string::npos);
  EXPECT_NE(result.fixedText().find("(d().await)"), std::string::npos);
  EXPECT_EQ(result.findings[0].outcome, Outcome::NearParseError);
}

TEST(Passes, ConfigurationDisablesChecksAndMarksErrors) {
  ParenthesizeAwait rule;
  Config config;
  config.checks.append("-test-*");
  EXPECT_TRUE(process("async fn f() { c().await; }\n", {&rule}, RunMode::Apply, false, config).findings.empty());
  Config errors;
  errors.warningsAsErrors.append("test-parenthesize");
  auto result = process("async fn f() { c().await; }\n", {&rule}, RunMode::Check, false, errors);
  EXPECT_TRUE(result.findings.at(0).isError);
}

TEST(Suppression, SameLineNextLineAndRegions) {
  Suppressions s(
      "a // NOLINT\n"
      "b // NOLINT(hoist-await)\n"
      "// NOLINTNEXTLINE(forward-*)\n"
      "c\n"
      "// NOLINTBEGIN(ready-future)\n"
      "d\n"
      "// NOLINTEND(ready-future)\n"
      "e\n");
  EXPECT_TRUE(s.suppresses("anything", 1));
  EXPECT_TRUE(s.suppresses("hoist-await", 2));
  EXPECT_FALSE(s.suppresses("forward-await", 2));
  EXPECT_TRUE(s.suppresses("forward-await", 4));
  EXPECT_FALSE(s.suppresses("hoist-await", 4));
  EXPECT_TRUE(s.suppresses("ready-future", 6));
  EXPECT_FALSE(s.suppresses("forward-await", 6));
  EXPECT_FALSE(s.suppresses("ready-future", 8));
  EXPECT_TRUE(s.problems().empty());
}

TEST(Suppression, SpaceBeforeParenthesisMeansAllChecksAndUnmatchedRegionsAreReported) {
  Suppressions s("x // NOLINT (hoist-await)\n// NOLINTBEGIN\ny\n");
  EXPECT_TRUE(s.suppresses("forward-await", 1));
  EXPECT_TRUE(s.suppresses("forward-await", 3));
  ASSERT_EQ(s.problems().size(), 1u);
  EXPECT_NE(s.problems()[0].find("NOLINTBEGIN without"), std::string::npos);
}

TEST(Config, GlobListLastMatchWins) {
  GlobList list("*,-hoist-*,hoist-await");
  EXPECT_TRUE(list.contains("forward-await"));
  EXPECT_TRUE(list.contains("hoist-await"));
  EXPECT_FALSE(list.contains("hoist-other"));
  EXPECT_FALSE(GlobList("-*").contains("forward-await"));
}

TEST(Config, FoundByWalkingUpAndInherited) {
  TempTree tree;
  const std::string& root = tree.root();
  tree.write(".coro-fix.yaml",
            "Checks: '-ready-future'\nWarningsAsErrors: 'hoist-await'\nCheckOptions:\n  ready-future.Factories: 'a=b'\n"
            "ExcludePaths: ['gen/*']\n");
  tree.write("sub/.coro-fix.yaml", "InheritParentConfig: true\nChecks: '-forward-await'\n");
  tree.write("other/.coro-fix.yaml", "Checks: '-forward-await'\n");
  ConfigResolver resolver("", "");
  std::string error;
  auto top = resolver.forFile(root + "/a.rs", error);
  ASSERT_TRUE(top) << error;
  EXPECT_FALSE(top->checks.contains("ready-future"));
  EXPECT_TRUE(top->warningsAsErrors.contains("hoist-await"));
  EXPECT_EQ(top->options.at("ready-future.Factories"), "a=b");
  EXPECT_TRUE(ConfigResolver::isExcluded(*top, root + "/gen/x.rs"));
  EXPECT_FALSE(ConfigResolver::isExcluded(*top, root + "/src/x.rs"));
  auto sub = resolver.forFile(root + "/sub/deeper/b.rs", error);
  ASSERT_TRUE(sub);
  EXPECT_FALSE(sub->checks.contains("ready-future"));
  EXPECT_FALSE(sub->checks.contains("forward-await"));
  auto other = resolver.forFile(root + "/other/c.rs", error);
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->checks.contains("ready-future"));
  EXPECT_FALSE(other->checks.contains("forward-await"));
}

TEST(Config, ChecksOverrideAndExplicitFileAndErrors) {
  TempTree tree;
  const std::string& root = tree.root();
  tree.write("custom.yaml", "Checks: '-*,hoist-await'\n");
  tree.write("broken/.coro-fix.yaml", "Checks: [unclosed\n");
  std::string error;
  ConfigResolver explicitFile(root + "/custom.yaml", "forward-await");
  auto config = explicitFile.forFile(root + "/x.rs", error);
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->checks.contains("hoist-await"));
  EXPECT_TRUE(config->checks.contains("forward-await"));
  EXPECT_FALSE(config->checks.contains("ready-future"));
  ConfigResolver discovered("", "");
  EXPECT_FALSE(discovered.forFile(root + "/broken/y.rs", error));
  EXPECT_NE(error.find(".coro-fix.yaml"), std::string::npos);
}

TEST(Edition, EditionAndRustVersionFromPackageAndWorkspace) {
  TempTree tree;
  const std::string& root = tree.root();
  tree.write("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.package]\nedition = \"2024\"\n"
                           "rust-version = \"1.70\"\n");
  tree.write("a/Cargo.toml", "[package]\nname = \"a\"\nedition.workspace = true\nrust-version.workspace = true\n");
  tree.write("b/Cargo.toml", "[package]\nname = \"b\"\nedition = \"2018\"\nrust-version = \"1.85.0\"\n");
  tree.write("c/Cargo.toml", "[package]\nname = \"c\"\nedition = { workspace = true }\n");
  tree.write("d/Cargo.toml", "[package]\nname = \"d\"\n");
  EXPECT_EQ(editionFor(root + "/a/src/lib.rs"), Edition::E2024);
  EXPECT_EQ(editionFor(root + "/b/src/lib.rs"), Edition::E2018);
  EXPECT_EQ(editionFor(root + "/c/src/lib.rs"), Edition::E2024);
  EXPECT_EQ(editionFor(root + "/d/src/lib.rs"), Edition::E2015);
  EXPECT_EQ(rustVersionFor(root + "/a/src/lib.rs"), "1.70");
  EXPECT_EQ(rustVersionFor(root + "/b/src/lib.rs"), "1.85.0");
  EXPECT_EQ(rustVersionFor(root + "/c/src/lib.rs"), "");
  for (const char* below : {"1.70", "1.81.2"}) EXPECT_TRUE(rustVersionBelow(below, 1, 82)) << below;
  for (const char* notBelow : {"1.82", "1.85.0", "", "stable"}) EXPECT_FALSE(rustVersionBelow(notBelow, 1, 82)) << notBelow;
  EXPECT_EQ(projectRootFor(root + "/a/src/lib.rs"), root);
  TempTree loneTree;
  const std::string& lone = loneTree.root();
  EXPECT_EQ(editionFor(lone + "/main.rs"), Edition::E2021);
  EXPECT_EQ(projectRootFor(lone + "/main.rs"), lone);
}

TEST(CalleeIndex, OnlyTypesThatMayBeFuturesAreAwaitable) {
  for (const char* future : {"impl Future<Output = u8> + '_", "Read<'a, R>", "Self", "Pin<Box<dyn Future<Output = ()>>>",
                             "tokio::task::JoinHandle<T>"})
    EXPECT_TRUE(mayBeAFuture(future)) << future;
  for (const char* plain : {"", "()", "u8", "&str", "&'a mut T", "(u8, u8)", "[u8; 4]", "String", "Vec<u8>",
                            "Option<T>", "io::Result<usize>", "core::task::Poll<()>", "impl Iterator<Item = u8>", "!"})
    EXPECT_FALSE(mayBeAFuture(plain)) << plain;
}

TEST(CalleeIndex, ResolvesLazinessAndAmbiguity) {
  std::string text =
      "async fn fetch() {}\n"
      "fn builds() -> impl core::future::Future<Output = ()> { async move {} }\n"
      "fn eager() -> impl core::future::Future<Output = ()> { println!(); async {} }\n"
      "trait Bus { async fn write(&mut self); fn read(&mut self) -> impl core::future::Future<Output = ()>; }\n"
      "async fn twice() {}\n"
      "struct S; impl S { fn twice(&self) -> Fut { Fut::new() } }\n"
      "async fn once() {}\n"
      "impl S { fn once(&self) {} fn len(&self) -> usize { 0 } }\n"
      "fn builds_struct(r: R) -> Read<R> { Read { r, done: false } }\n"
      "fn calls_in_struct(r: R) -> Read<R> { Read { r: open(r), done: false } }\n"
      "fn forwards_to_std() -> Ready<u8> { core::future::ready(1) }\n";
  auto tree = SyntaxTree::parseRust(text);
  CalleeIndex index;
  index.addParsedFile("lib.rs", *tree);
  indexRustSource("sync.rs", "pub fn plain() -> Fut {}\nfn  spaced() {}\n", index);
  EXPECT_EQ(index.resolve({"fetch"}).laziness, Laziness::Lazy);
  EXPECT_NE(index.resolve({"fetch"}).reason.find("lib.rs:1"), std::string::npos);
  EXPECT_EQ(index.resolve({"crate::net::fetch"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"builds"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"eager"}).laziness, Laziness::Eager);
  EXPECT_EQ(index.resolve({"write"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"read"}).laziness, Laziness::Eager);
  EXPECT_EQ(index.resolve({"twice"}).laziness, Laziness::Unknown);
  EXPECT_NE(index.resolve({"twice"}).reason.find("`twice` has 2 definitions in the indexed workspace that differ"),
            std::string::npos);
  // A fn returning `()` is never what `.await` awaits, so `once` has one candidate.
  EXPECT_EQ(index.resolve({"once"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"len"}).laziness, Laziness::Unknown);
  EXPECT_EQ(index.resolve({"builds_struct"}).laziness, Laziness::Lazy);
  EXPECT_NE(index.resolve({"builds_struct"}).reason.find("only builds a `Read`"), std::string::npos);
  EXPECT_EQ(index.resolve({"calls_in_struct"}).laziness, Laziness::Eager);
  EXPECT_EQ(index.resolve({"forwards_to_std"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"plain"}).laziness, Laziness::Eager);
  EXPECT_EQ(index.resolve({"missing"}).laziness, Laziness::Unknown);
  EXPECT_EQ(index.resolve({"core::future::ready"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"std::future::poll_fn"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"other::ready"}).laziness, Laziness::Unknown);
  // Only the compiler's async state machines are known never to be `Unpin`.
  for (const char* machine : {"fetch", "builds", "write"}) EXPECT_EQ(index.resolve({machine}).mayBeUnpin, "") << machine;
  EXPECT_NE(index.resolve({"builds_struct"}).mayBeUnpin.find("only builds a `Read`"), std::string::npos);
  EXPECT_NE(index.resolve({"forwards_to_std"}).mayBeUnpin.find("std's lazy future constructor"), std::string::npos);
}

TEST(Source, BomAndCrlfRoundTrip) {
  auto file = SourceFile::fromBytes("x.rs", "\xEF\xBB\xBF" "a\r\nbc\r\n");
  EXPECT_EQ(file.text(), "a\nbc\n");
  EXPECT_EQ(file.toDisk("a\nxyz\n"), "\xEF\xBB\xBF" "a\r\nxyz\r\n");
  EXPECT_EQ(file.diskOffset(2), 3u + 2u + 1u);
  auto mixed = SourceFile::fromBytes("y.rs", "a\r\nb\n");
  EXPECT_EQ(mixed.text(), "a\r\nb\n");
  EXPECT_EQ(mixed.toDisk(mixed.text()), "a\r\nb\n");
}

TEST(Source, LineIndex) {
  LineIndex lines("ab\ncd\n\nef");
  EXPECT_EQ(lines.line(0), 1u);
  EXPECT_EQ(lines.line(3), 2u);
  EXPECT_EQ(lines.column(4), 2u);
  EXPECT_EQ(lines.lineText(2), "cd");
  EXPECT_EQ(lines.lineText(3), "");
  EXPECT_EQ(lines.lineText(4), "ef");
}

TEST(Source, AtomicWriteKeepsPermissionsAndRefusesReadOnly) {
  TempTree tree;
  std::string path = tree.write("f.rs", "old");
  llvm::sys::fs::setPermissions(path, static_cast<llvm::sys::fs::perms>(0640));
  EXPECT_EQ(writeFileAtomically(path, "new"), "");
  EXPECT_EQ(static_cast<int>(*llvm::sys::fs::getPermissions(path)), 0640);
  llvm::sys::fs::setPermissions(path, static_cast<llvm::sys::fs::perms>(0444));
  EXPECT_NE(writeFileAtomically(path, "newer"), "");
}

TEST(RustAnalysis, PurityAndSameTokens) {
  auto tree = SyntaxTree::parseRust("fn f() { g(a, &b.c, 1, \"s\", x as u8, (p, q), next(), v[0], a + 1, |y| y); h(a /*c*/ , 1); h(a,1); }");
  std::vector<Node> calls;
  walk(tree->root(), [&](Node n) {
    if (n.is("call_expression")) calls.push_back(n);
    return true;
  });
  auto args = calls[0].field("arguments").namedChildren();
  std::vector<bool> pure;
  for (Node a : args) pure.push_back(rust::isPure(a));
  EXPECT_EQ(pure, (std::vector<bool>{true, true, true, true, true, true, false, false, false, true}));
  std::string why;
  EXPECT_FALSE(rust::isPure(args[6], &why));
  EXPECT_NE(why.find("next()"), std::string::npos);
  Node h1 = calls[calls.size() - 2], h2 = calls.back();
  EXPECT_TRUE(rust::sameTokens(h1, h2));
  EXPECT_FALSE(rust::sameTokens(calls[0], h2));
}

TEST(RelevantRanges, PlainFnsAreThoseWithoutAsyncOrAwait) {
  std::string text =
      "use std::fmt;\n"
      "#[inline]\npub(crate) unsafe fn plain<'a>(x: &'a str) -> char { let c = '{'; let s = r#\"}\"#; /* } /* { */ */ c }\n"
      "async fn kept() { plain(\"x\").len(); }\n"
      "impl S {\n    pub fn method(&self) -> u8 { b'}' as u8 }\n    fn awaits(&self) { let _ = async { f().await }; }\n"
      "    fn declared(&self);\n}\n"
      "fn outer() { fn inner() {} }\n"  // listed with the fns nested in it
      "fn named() { is_async(); awaited(); }\n"  // keywords, not text
      "fn apply(f: fn(u8) -> u8) -> u8 { let g: fn(u8) -> u8 = f; g(1) }\n";  // pointer types nest no fn
  SkippableText skippable = skippableText(text);
  std::vector<std::string_view> plain;
  for (const auto& fn : skippable.plainFunctions) plain.push_back(std::string_view(text).substr(fn.item.begin, fn.item.end - fn.item.begin));
  ASSERT_EQ(plain.size(), 6u);
  EXPECT_EQ(plain[0].substr(0, 9), "#[inline]");
  EXPECT_EQ(plain[0].substr(plain[0].size() - 3), "c }");
  EXPECT_EQ(plain[1], "pub fn method(&self) -> u8 { b'}' as u8 }");
  EXPECT_EQ(plain[2], "fn outer() { fn inner() {} }");
  EXPECT_EQ(plain[3], "fn inner() {}");
  EXPECT_EQ(plain[4], "fn named() { is_async(); awaited(); }");
  EXPECT_EQ(plain[5].substr(0, 9), "fn apply(");
  EXPECT_TRUE(skippable.mustParse);
}

TEST(RelevantRanges, AFileIsParsedOnlyWhenARuleMayMatchInIt) {
  auto mustParse = [](std::string_view text) { return skippableText(text).mustParse; };
  EXPECT_FALSE(mustParse("// async\nfn f() -> &'static str { \"await\" }\n"));
  EXPECT_FALSE(mustParse("trait T { async fn f(&self); }\n"));
  EXPECT_FALSE(mustParse("pub async unsafe fn f(a: u8) -> u8 { let b = g(a).await; b }\n"));
  EXPECT_TRUE(mustParse("async fn f(a: u8) -> u8 { g(a).await }\n"));
  EXPECT_FALSE(mustParse("fn f() { impl S { fn g(&self) {} } }\n"));  // lexed, nested fns too
  EXPECT_TRUE(mustParse("fn f() -> u8 { let v = 1; impl S { async fn g(&self) {} } v }\n"));
  EXPECT_TRUE(mustParse("const F: Fut = wrap(async { 1 });\n"));
  EXPECT_FALSE(mustParse("spawn!(async { 1 });\ncfg_rt! { pub async fn f(a: u8) -> u8 { g(a).await } }\n"));
}

TEST(RelevantRanges, AMacroInvocationIsSkippedAndOnlyItsFnsThatAreNotAsyncIndexed) {
  std::string text =
      "cfg_rt! {\n    pub fn spawn() -> Handle { Handle }\n    pub async fn sleep(d: u8) { g(d).await }\n"
      "    pub fn joined(&self) -> Join { let j = async move { 1 }; Join(j) }\n}\n"
      "macro_rules! m { () => { async fn templated() {} } }\n"
      "async fn kept() -> u8 { g(1).await }\n";
  SkippableText skippable = skippableText(text);
  std::vector<std::string> lexed;
  for (const auto& fn : skippable.macroFunctions) lexed.push_back(text.substr(fn.name.begin, fn.name.end - fn.name.begin));
  EXPECT_EQ(lexed, (std::vector<std::string>{"spawn", "joined"}));
  std::vector<std::pair<uint32_t, uint32_t>> skip;
  for (auto r : skippable.ranges) skip.emplace_back(r.begin, r.end);
  ASSERT_FALSE(skip.empty());
  uint32_t open = static_cast<uint32_t>(text.find('{')), close = static_cast<uint32_t>(text.find("\n}\n"));
  EXPECT_EQ(skip[0], std::make_pair(open + 1, close + 1));  // the inside of `cfg_rt! { .. }`
  auto tree = SyntaxTree::parseRustSkipping(text, skip);
  EXPECT_TRUE(tree->isPartial());  // `cfg_rt! {}` still parses
  std::vector<std::string_view> kinds;
  for (Node item : tree->root().namedChildren()) kinds.push_back(item.kind());
  EXPECT_EQ(kinds, (std::vector<std::string_view>{"macro_invocation", "macro_definition", "function_item"}));
}

TEST(CalleeIndex, AFileNoRuleCanMatchInIsIndexedFromItsFnsAlone) {
  std::string text =
      "use std::future::Future;\n"
      "trait Io { async fn read(&mut self) -> u8; fn write(&mut self) -> W; }\n"
      "impl S {\n  pub async fn fetch<'s>(&'s self, k: &'s str) -> u8 { let v = g(k).await; v }\n"
      "  fn len(&self) -> usize { 0 }\n  fn make(&self) -> Ready { Ready { v: 1 } }\n}\n";
  CalleeIndex index;
  EXPECT_EQ(indexRustSource("lib.rs", text, index), nullptr);
  EXPECT_EQ(index.resolve({"read", true}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"write", true}).laziness, Laziness::Eager);
  CalleeResolution fetch = index.resolve({"fetch", true});
  EXPECT_EQ(fetch.laziness, Laziness::Lazy);
  EXPECT_EQ(fetch.reason, "`fetch` is an `async fn` (lib.rs:4)");
  EXPECT_EQ(fetch.ties, "`fetch` gives `'s` to several parameters (lib.rs:4)");
  EXPECT_EQ(index.resolve({"make", true}).laziness, Laziness::Lazy);
  EXPECT_TRUE(index.candidates("len").empty());  // returns no future
}

TEST(CalleeIndex, MethodsOfImplsInFnBodiesAreIndexed) {
  // `x.m()` may call the `m` of an `impl` in a fn body: parsed or lexed, it makes `m` ambiguous.
  std::string nested = "fn outer() { impl S { fn m(&self) -> Fut { work(); Fut } } }\n";
  std::string lazy = "impl T { async fn m(&self) { let v = g().await; v } }\n";
  std::string kept = "async fn kept(s: &S) { s.m().await }\n";
  CalleeIndex parsed, lexed, withKept;
  parsed.addParsedFile("lib.rs", *SyntaxTree::parseRust(nested + lazy));
  EXPECT_EQ(indexRustSource("lib.rs", nested + lazy, lexed), nullptr);
  EXPECT_NE(indexRustSource("lib.rs", nested + lazy + kept, withKept), nullptr);
  for (const CalleeIndex* index : {&parsed, &lexed, &withKept}) {
    CalleeResolution m = index->resolve({"m", true});
    EXPECT_EQ(m.laziness, Laziness::Unknown) << m.reason;
    EXPECT_NE(m.reason.find("(lib.rs:1)"), std::string::npos) << m.reason;
  }
}

TEST(CalleeIndex, AFileIndexesTheSameWhetherParsedOrOnlyLexed) {
  // What the index learns from a file must not depend on whether some fn in it made it parsed.
  std::string text =
      "pub fn plain(a: u8) -> Ready { Ready { a } }\n"
      "fn outer() { impl S { fn m(&self) -> Fut { work(); Fut } } }\n"
      "async fn awaits(a: u8) -> u8 { let b = g(a).await; b }\n"
      "fn builds(a: u8) -> impl Future<Output = u8> { async move { let b = g(a).await; b } }\n"
      "async fn sized(&self) -> Vec<u8, { N }> { let b = g().await; vec![b] }\n"
      "cfg_rt! { pub fn spawn() -> Handle { Handle } pub async fn sleep() { let v = g().await; v } }\n"
      "macro_rules! m { () => { fn templated() -> Fut { Fut } async fn lazy() {} } }\n"
      "extern \"C\" { fn send(fd: i32) -> Sent; }\n"
      "trait Io { fn flush(&mut self) -> Flush; async fn read(&mut self) -> u8; }\n";
  auto listed = [](const CalleeIndex& index) {
    std::vector<std::string> out;
    for (const auto& [name, d] : index.entries())
      if (name != "kept") out.push_back(name + ": " + d.reason + (d.withoutSelf ? " (free)" : " (self)") + d.ties);
    return out;
  };
  CalleeIndex lexed, parsed;
  EXPECT_EQ(indexRustSource("lib.rs", text, lexed), nullptr);
  auto tree = indexRustSource("lib.rs", text + "async fn kept(a: u8) -> u8 { g(a).await }\n", parsed);
  ASSERT_NE(tree, nullptr);
  EXPECT_TRUE(tree->isPartial());
  EXPECT_EQ(listed(lexed), listed(parsed));
  EXPECT_EQ(listed(lexed).size(), 9u);  // not `outer` (no future), `send`, nor the macros' `sleep` and `lazy`
}

TEST(CalleeIndex, LexedFnsNotYetAskedForAreStillListed) {
  // Lexed fns are parsed when first asked for; the dependency cache lists every entry, asked or not.
  std::string text =
      "fn plain() -> Ready { Ready { v: 1 } }\nasync fn later() { let v = g().await; v }\nfn len() -> usize { 0 }\n";
  CalleeIndex index;
  EXPECT_EQ(indexRustSource("lib.rs", text, index), nullptr);
  EXPECT_EQ(index.resolve({"plain", false}).laziness, Laziness::Lazy);
  std::vector<std::string> names;
  for (const auto& [name, definition] : index.entries()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"later", "plain"}));
  EXPECT_EQ(index.resolve({"later", false}).reason, "`later` is an `async fn` (lib.rs:2)");
}

TEST(RelevantRanges, GivesUpOnWhatItCannotTokenize) {
  EXPECT_TRUE(skippableText("fn f() { let s = \"unterminated; }").ranges.empty());
  EXPECT_TRUE(skippableText("fn f() { ( }").ranges.empty());
}

TEST(RelevantRanges, CommentsAreSkippedExceptInAndJustBeforeKeptFns) {
  std::string text =
      "//! crate docs\n"
      "use a::b; // trailing\n"
      "/// plain docs\n#[inline]\nfn plain() {}\n"
      "/// struct docs\nstruct S { /* field */ x: u8 }\n"
      "/// kept docs\nasync fn kept() { /* inside */ }\n"
      "/// other docs\nasync fn other() { let v = g().await; v }\n"  // no rule reads or edits it
      "// tail\n";
  SkippableText skippable = skippableText(text);
  std::vector<std::string_view> skipped;
  for (auto r : skippable.ranges) skipped.push_back(std::string_view(text).substr(r.begin, r.end - r.begin));
  EXPECT_EQ(skipped, (std::vector<std::string_view>{"//! crate docs\n", " // trailing\n/// plain docs\n#[inline]\nfn plain() {}",
                                                    "\n/// struct docs\n", " /* field */ ", "\n/// other docs\n",
                                                    " let v = g().await; v ", "\n// tail\n"}));
  ASSERT_EQ(skippable.plainFunctions.size(), 1u);
}

TEST(RelevantRanges, AFnBodyNoRuleReadsKeepsOnlyItsSignature) {
  std::string text =
      "async fn skipped(a: u8) -> u8 { let b = g(a).await; b + 1 }\n"
      "async fn statements(a: u8) -> u8 { if a > 1 { g(a).await; } else { g(1).await; } h().await; 1 }\n"
      "fn spawns(a: u8) { let t = async move { let b = g(a).await; b }; spawn(t); }\n"
      "async fn ready_block(a: u8) -> u8 { let f = async move { a }; f.await; 1 }\n"  // ready-future's
      "fn builds(a: u8) -> impl Future<Output = u8> { async move { g(a).await } }\n"  // the index reads it
      "async fn forwards(a: u8) -> u8 { g(a).await }\n"            // forward-await's shape
      "async fn returns(a: u8) -> u8 { return g(a).await; }\n"
      "async fn never_awaits(a: u8) -> u8 { let b = a; b }\n"      // ready-future's
      "async fn branches(a: u8) -> u8 { let b = 1; if a > b { g(a).await } else { g(b).await } }\n"  // hoist-await's
      "async fn matches(a: u8) -> u8 { let b = 1; match a { 0 => g(a).await, _ => g(b).await } }\n"
      "async fn blocks(a: u8) { let f = async move { g(a).await }; f.await; }\n"  // redundant-async-block's
      "async fn loops(a: u8) { loop { g(a).await; } }\n"  // one expression, but no awaited call
      "fn builds_later(a: u8) -> impl Future<Output = u8> { async move { let b = g(a).await; b } }\n"
      "async fn sized(a: u8) -> Vec<u8, { N }> { let b = g(a).await; vec![b] }\n";  // a const argument
  std::vector<std::pair<uint32_t, uint32_t>> skip;
  for (auto r : skippableText(text).ranges) skip.emplace_back(r.begin, r.end);
  std::vector<std::string> skipped;
  for (auto [begin, end] : skip) skipped.push_back(text.substr(begin, end - begin));
  EXPECT_EQ(skipped, (std::vector<std::string>{" let b = g(a).await; b + 1 ",
                                               " if a > 1 { g(a).await; } else { g(1).await; } h().await; 1 ",
                                               " let t = async move { let b = g(a).await; b }; spawn(t); ",
                                               " loop { g(a).await; } ", " async move { let b = g(a).await; b } ",
                                               " let b = g(a).await; vec![b] "}));
  auto tree = SyntaxTree::parseRustSkipping(text, skip);
  ASSERT_FALSE(tree->hasError());
  Node first = tree->root().namedChild(0);
  EXPECT_EQ(first.field("return_type").text(), "u8");
  std::vector<bool> elided;
  for (Node fn : tree->root().namedChildren()) elided.push_back(tree->skipsInside(fn.field("body")));
  EXPECT_EQ(elided, (std::vector<bool>{true, true, true, false, false, false, false, false, false, false, false, true,
                                       true, true}));
}

TEST(CalleeIndex, ABodyTheParseSkippedIsIndexedFromTheLexer) {
  // The parse sees `builds` with an empty body; the lexer's text shows it only builds a future.
  std::string text =
      "fn builds(a: u8) -> impl Future<Output = u8> { async move { let b = g(a).await; b } }\n"
      "async fn kept(a: u8) -> u8 { builds(a).await }\n";
  CalleeIndex index;
  auto tree = indexRustSource("lib.rs", text, index);
  ASSERT_NE(tree, nullptr);
  EXPECT_TRUE(tree->skipsInside(tree->root().namedChild(0).field("body")));
  CalleeResolution builds = index.resolve({"builds", false});
  EXPECT_EQ(builds.laziness, Laziness::Lazy);
  EXPECT_EQ(builds.reason, "`builds` only builds an `async` block (lib.rs:1)");
}

TEST(RelevantRanges, ForeignFnsAreNotTakenForTraitDeclarations) {
  std::string text =
      "extern \"C\" { pub fn send(fd: i32, buf: *const u8) -> Sent; }\n"
      "unsafe extern \"C\" { fn read(fd: i32) -> Sent; }\n"
      "extern { fn write(fd: i32) -> Sent; }\n"
      "extern crate alloc;\n"
      "pub trait Io { fn flush(&mut self) -> Flush; }\n"
      "extern \"C\" fn callback() -> Sent { Sent }\n";
  std::vector<std::string> declared;
  for (const auto& fn : skippableText(text).otherFunctions) declared.push_back(text.substr(fn.name.begin, fn.name.end - fn.name.begin));
  EXPECT_EQ(declared, std::vector<std::string>{"flush"});
  CalleeIndex parsed;  // the parse agrees (tree-sitter-rust 0.24 does not know `unsafe extern`)
  parsed.addParsedFile("lib.rs", *SyntaxTree::parseRust(text));
  for (const char* foreign : {"send", "write"}) EXPECT_TRUE(parsed.candidates(foreign).empty()) << foreign;
  EXPECT_FALSE(parsed.candidates("flush").empty());
}

TEST(RelevantRanges, SkippingParseKeepsOffsetsAndTheRestOfTheTree) {
  std::string text = "fn plain() -> u8 { 1 }\n#[test]\nfn also() {}\nasync fn kept() -> u8 { 2 }\n";
  std::vector<std::pair<uint32_t, uint32_t>> skip;
  for (auto r : skippableText(text).ranges) skip.emplace_back(r.begin, r.end);
  ASSERT_EQ(skip.size(), 2u);
  auto tree = SyntaxTree::parseRustSkipping(text, skip);
  EXPECT_FALSE(tree->hasError());
  std::vector<std::string_view> names;
  walk(tree->root(), [&](Node n) {
    if (n.is("function_item")) names.push_back(n.field("name").text());
    return true;
  });
  EXPECT_EQ(names, std::vector<std::string_view>{"kept"});
  EXPECT_TRUE(tree->isPartial());
  std::string broken = "fn ok() {}\nfn broken( {}\n";
  auto fallback = SyntaxTree::parseRustSkipping(broken, {{0, 10}});
  EXPECT_TRUE(fallback->hasError());  // fell back to the full parse, whose errors are real
  EXPECT_FALSE(fallback->isPartial());
  EXPECT_EQ(fallback->root().namedChildren().at(0).kind(), "function_item");
  EXPECT_EQ(fallback->root().namedChildren().at(0).field("name").text(), "ok");
}

TEST(CalleeIndex, PathsIntoOtherCratesAreUnknownEvenWhenANameMatches) {
  auto workspace = SyntaxTree::parseRust("async fn sleep() {}\nasync fn fetch() {}\nasync fn spawn() {}\n");
  CalleeIndex index;
  index.addParsedFile("lib.rs", *workspace);
  auto file = SyntaxTree::parseRust(
      "use tokio::time::{sleep, timeout as t};\nuse crate::net::fetch;\nuse std::future::ready;\n"
      "mod local { pub async fn spawn() {} }\n");
  PathOrigins origins(*file);
  FileContext context{Edition::E2021, &index, &origins};
  EXPECT_EQ(context.resolve({"sleep"}).laziness, Laziness::Unknown);
  EXPECT_NE(context.resolve({"sleep"}).reason.find("another crate"), std::string::npos);
  EXPECT_EQ(context.resolve({"tokio::time::sleep"}).laziness, Laziness::Unknown);
  EXPECT_EQ(context.resolve({"::tokio::spawn"}).laziness, Laziness::Unknown);
  EXPECT_EQ(context.resolve({"fetch"}).laziness, Laziness::Lazy);
  EXPECT_EQ(context.resolve({"crate::net::fetch"}).laziness, Laziness::Lazy);
  EXPECT_EQ(context.resolve({"local::spawn"}).laziness, Laziness::Lazy);
  EXPECT_EQ(context.resolve({"Self::spawn"}).laziness, Laziness::Lazy);
  EXPECT_EQ(context.resolve({"ready"}).laziness, Laziness::Lazy);
  EXPECT_EQ(context.resolve({"core::future::pending"}).laziness, Laziness::Lazy);
  EXPECT_EQ(context.resolve({"std::thread::sleep"}).laziness, Laziness::Unknown);

  auto globbed = SyntaxTree::parseRust("use tokio::prelude::*;\n");
  PathOrigins globOrigins(*globbed);
  FileContext globContext{Edition::E2021, &index, &globOrigins};
  EXPECT_EQ(globContext.resolve({"fetch"}).laziness, Laziness::Unknown);
}

TEST(PathOrigins, NamesTheCrateAndThePathAPathStandsFor) {
  auto file = SyntaxTree::parseRust(
      "use tokio::time::{sleep as nap, self};\nuse embedded_io_async::Write;\nextern crate futures_util as fu;\n"
      "use fu::prelude::*;\n");
  PathOrigins origins(*file);
  auto external = [&](std::string_view path) {
    auto e = origins.external(path);
    return e.crate + " " + e.path;
  };
  EXPECT_EQ(external("nap"), "tokio tokio::time::sleep");
  EXPECT_EQ(external("time::timeout"), "tokio tokio::time::timeout");
  EXPECT_EQ(external("Write::write"), "embedded_io_async embedded_io_async::Write::write");
  EXPECT_EQ(external("::smoltcp::iface::poll"), "smoltcp smoltcp::iface::poll");
  EXPECT_EQ(external("fu::join"), "futures_util futures_util::join");
  EXPECT_EQ(external("select"), "futures_util select");  // from the one glob: the crate is known, not the path
  auto twoGlobs = SyntaxTree::parseRust("use tokio::prelude::*;\nuse futures::prelude::*;\n");
  EXPECT_EQ(PathOrigins(*twoGlobs).external("select").crate, "");
}

TEST(CalleeIndex, FnsThatReturnALazyCalleesFutureAreLazy) {
  auto tree = SyntaxTree::parseRust(
      "async fn leaf(x: u32) -> u32 { x }\n"
      "fn wrapper(x: u32) -> impl core::future::Future<Output = u32> { leaf(x) }\n"
      "fn outer(x: u32) -> impl core::future::Future<Output = u32> { wrapper(x) }\n"
      "fn impure() -> impl core::future::Future<Output = u32> { leaf(next()) }\n"
      "fn to_eager() -> impl core::future::Future<Output = u32> { eager() }\n"
      "fn eager() -> impl core::future::Future<Output = u32> { println!(); leaf(1) }\n"
      "fn cycle_a() -> impl core::future::Future<Output = ()> { cycle_b() }\n"
      "fn cycle_b() -> impl core::future::Future<Output = ()> { cycle_a() }\n");
  CalleeIndex index;
  index.addParsedFile("lib.rs", *tree);
  EXPECT_EQ(index.resolve({"wrapper"}).laziness, Laziness::Lazy);
  EXPECT_EQ(index.resolve({"outer"}).laziness, Laziness::Lazy);
  EXPECT_NE(index.resolve({"outer"}).reason.find("`leaf` is an `async fn`"), std::string::npos);
  EXPECT_EQ(index.resolve({"impure"}).laziness, Laziness::Eager);
  EXPECT_EQ(index.resolve({"to_eager"}).laziness, Laziness::Unknown);
  EXPECT_EQ(index.resolve({"cycle_a"}).laziness, Laziness::Unknown);
}

TEST(Run, FilesExcludedByConfigurationAreStillIndexed) {
  // gen/ is not checked, but its eager `go` may be what `l.go()` calls: the fix must stay unsafe.
  TempTree tree, cache;
  tree.write("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
  tree.write(".coro-fix.yaml", "ExcludePaths: ['src/gen/*']\n");
  tree.write("src/lib.rs",
             "mod gen;\npub struct L;\nimpl L { pub async fn go(&self) -> u8 { 1 } }\n"
             "pub async fn wrap(l: &L) -> u8 { l.go().await }\n");
  tree.write("src/gen/mod.rs",
             "pub struct E;\nimpl E { pub fn go(&self) -> impl core::future::Future<Output = u8> { println!(); async { 1 } } }\n");
  RunOptions options;
  options.dependencies = {true, cache.root()};
  RunResult result = run({tree.root()}, options);
  std::vector<const ReportedFinding*> found;
  for (const FileResult& file : result.files)
    for (const ReportedFinding& f : file.findings)
      if (f.finding.check == "forward-await") found.push_back(&f);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->finding.fix.applicability, Applicability::Unsafe);
  EXPECT_NE(found[0]->finding.fix.reason.find("gen/mod.rs"), std::string::npos) << found[0]->finding.fix.reason;
}

TEST(CalleeIndex, TypedSelfParametersAreMethods) {
  // `self: Box<Self>` and `self: Pin<&mut Self>` make methods too: `x.name()` may call them.
  std::string text =
      "struct S;\nimpl S {\n  fn boxed(self: Box<Self>) -> Fut { let f = Fut; f }\n"
      "  fn pinned(self: core::pin::Pin<&mut Self>) -> Fut { let f = Fut; f }\n  async fn kept() {}\n}\n";
  CalleeIndex parsed, lexed;
  parsed.addParsedFile("lib.rs", *SyntaxTree::parseRust(text));
  indexRustSource("lib.rs", text, lexed);
  for (const CalleeIndex* index : {&parsed, &lexed})
    for (const char* method : {"boxed", "pinned"})
      EXPECT_EQ(index->resolve({method, true}).laziness, Laziness::Eager) << method;
}

// redundant-async-block on small snippets: which shapes match, and how each safety condition
// decides from the way a variable was bound. The fixtures prove behaviour; these pin decisions
// the fixtures only touch once.
#include <gtest/gtest.h>

#include <string>

#include "rewriter/rule.h"

using namespace corofix;

namespace {

const char* const kPrelude = R"(
async fn g(n: u32) -> u32 { n }
async fn take(s: String) -> usize { s.len() }
async fn look(s: &str) -> usize { s.len() }
struct Client { id: u32 }
impl Client { async fn get(&self) -> u32 { self.id } }
fn plain(n: u32) -> std::future::Ready<u32> { println!("built"); std::future::ready(n) }
mod timer { pub async fn sleep(ms: u32) {} }
)";

struct Result {
  std::vector<Finding> findings;
  std::string text;
};

Result check(const std::string& body, Edition edition = Edition::E2021) {
  Result r;
  r.text = std::string(kPrelude) + body;
  auto tree = SyntaxTree::parseRust(r.text);
  CalleeIndex index;
  index.addParsedFile("src/main.rs", *tree);
  PathOrigins origins(*tree);
  FileContext project{edition, &index, &origins};
  CheckOptions options;
  RuleInput input{"src/main.rs", r.text, *tree, project, options};
  r.findings = findRustRule("redundant-async-block")->check(input);
  return r;
}

/// The single finding's fix: its applicability, and the replacement or the reason.
std::pair<Applicability, std::string> onlyFix(const std::string& body, Edition edition = Edition::E2021) {
  Result r = check(body, edition);
  EXPECT_EQ(r.findings.size(), 1u) << body;
  if (r.findings.size() != 1) return {Applicability::Unavailable, ""};
  const Fix& fix = r.findings[0].fix;
  if (fix.applicability == Applicability::Unavailable) return {fix.applicability, fix.reason};
  return {fix.applicability, fix.edits.at(0).replacement};
}

TEST(RedundantAsyncBlock, MatchesOnlyABlockThatAwaitsOneCallOrLocal) {
  EXPECT_EQ(onlyFix("fn f() { let _ = async { g(1).await }; }"), std::pair(Applicability::Safe, std::string("g(1)")));
  EXPECT_EQ(onlyFix("fn f(x: u32) { let _ = async { (g(x).await) }; }").second, "g(x)");
  EXPECT_EQ(onlyFix("fn f() { let h = g(1); let _ = async move { h.await }; }").second, "h");
  for (const char* notMatched : {
           "fn f() { let _ = async { let n = 1; g(n).await }; }",
           "fn f() { let _ = async { g(1).await; }; }",
           "fn f() { let _ = async { g(g(1).await).await }; }",
           "fn f() { let _ = async { g(1).await + 1 }; }",
           "fn f() -> Option<u32> { let _ = async { g(Some(1)?).await }; None }",
           "fn f() { let _ = async { g(return 1).await }; }",
           "fn f() { let _ = async { 'l: { g(1).await } }; }",
           "fn f(c: Client) { let _ = async { c.fut.await }; }",
           "fn f() { m!(async { g(1).await }); }",
           "fn f() { let _ = async || g(1).await; }",
       })
    EXPECT_TRUE(check(notMatched).findings.empty()) << notMatched;
}

TEST(RedundantAsyncBlock, CalleeAndOperandsDecideUnsafe) {
  auto eager = onlyFix("fn f() { let _ = async { plain(1).await }; }");
  EXPECT_EQ(eager.first, Applicability::Unsafe);
  auto impure = onlyFix("fn f(v: Vec<u32>) { let _ = async { g(v[0]).await }; }");
  EXPECT_EQ(impure.first, Applicability::Unsafe);
  auto impureReceiver = onlyFix("fn f() { let _ = async { make().get().await }; }");
  EXPECT_EQ(impureReceiver.first, Applicability::Unsafe);
}

TEST(RedundantAsyncBlock, PathsIntoOtherCratesAreNotTheWorkspacesFns) {
  // The index knows `timer::sleep`, an `async fn`, by its last name only.
  EXPECT_EQ(onlyFix("fn f(d: u32) { let _ = async move { timer::sleep(d).await }; }").first, Applicability::Safe);
  EXPECT_EQ(onlyFix("use crate::timer; fn f(d: u32) { let _ = async move { timer::sleep(d).await }; }").first,
            Applicability::Safe);
  EXPECT_EQ(onlyFix("use self::timer::sleep; fn f(d: u32) { let _ = async move { sleep(d).await }; }").first,
            Applicability::Safe);
  EXPECT_EQ(onlyFix("fn f() { let _ = async { std::future::ready(1).await }; }").first, Applicability::Safe);
  for (const char* otherCrate : {
           "fn f(d: u32) { let _ = async move { tokio::time::sleep(d).await }; }",
           "fn f(d: u32) { let _ = async move { ::tokio::time::sleep(d).await }; }",
           "use tokio::time::sleep; fn f(d: u32) { let _ = async move { sleep(d).await }; }",
           "use tokio::time::{self, timeout}; fn f(d: u32) { let _ = async move { time::sleep(d).await }; }",
           "use tokio::time::yield_now as sleep; fn f(d: u32) { let _ = async move { sleep(d).await }; }",
       }) {
    Result r = check(otherCrate);
    ASSERT_EQ(r.findings.size(), 1u) << otherCrate;
    EXPECT_EQ(r.findings[0].fix.applicability, Applicability::Unsafe) << otherCrate;
    EXPECT_NE(r.findings[0].fix.reason.find("comes from another crate"), std::string::npos) << otherCrate;
  }
}

TEST(RedundantAsyncBlock, ReferenceBindingsAllowBorrowsThroughThem) {
  // The nearest binding decides: a later `let c = &c;` makes `c` a reference again.
  EXPECT_EQ(onlyFix("fn f(c: Client) { let c = &c; let _ = async move { c.get().await }; }").first,
            Applicability::Safe);
  EXPECT_EQ(onlyFix("fn f(c: &Client) { let _ = async move { look(&c.name).await }; }").first, Applicability::Safe);
  EXPECT_EQ(onlyFix("fn f(c: &Client) { let _ = async move { g(c.id).await }; }").first, Applicability::Safe);
  EXPECT_EQ(onlyFix("fn f(c: &Client) { let _ = |k: u32| async move { c.get().await }; }").first,
            Applicability::Safe);
  EXPECT_EQ(onlyFix("fn f(s: &mut String) { let _ = async move { look(&*s).await }; }").first, Applicability::Safe);
  // A `let` binds only after its initialiser: the `c` inside is the parameter.
  EXPECT_EQ(onlyFix("fn f(c: &Client) { let c = async move { c.get().await }; }").first, Applicability::Safe);
}

TEST(RedundantAsyncBlock, OwnedOrUnknownBindingsRefuseBorrows) {
  for (const char* unavailable : {
           // shadowed by an owned binding, a pattern, an untyped closure parameter
           "fn f(c: &Client, d: Client) { let c = d; let _ = async move { c.get().await }; }",
           "fn f(c: &Client, o: Option<Client>) { if let Some(c) = o { let _ = async move { c.get().await }; } }",
           "fn f(c: &Client) { let _ = |c| async move { c.get().await }; }",
           "fn f(c: &Client) { match 1 { c => { let _ = async move { g(*c).await }; } } }",
           // borrowing the reference variable itself, not through it
           "fn f(s: &str) { let _ = async move { take_ref(&s).await }; }",
           // owned: field read, deref, index, local closure called
           "fn f(c: Client) { let _ = async move { g(c.id).await }; }",
           "fn f(b: Box<u32>) { let _ = async move { g(*b).await }; }",
           "fn f(v: Vec<u32>) { let _ = async move { g(v[0]).await }; }",
           "fn f() { let cb = |n| g(n); let _ = async move { cb(1).await }; }",
       }) {
    auto fix = onlyFix(unavailable);
    EXPECT_EQ(fix.first, Applicability::Unavailable) << unavailable;
  }
}

TEST(RedundantAsyncBlock, NamesTheVariableInTheReason) {
  EXPECT_NE(onlyFix("fn f(s: String) { let _ = async move { look(&s).await }; }").second.find("`&s` borrows from `s`"),
            std::string::npos);
  EXPECT_NE(onlyFix("fn f(c: Client) { let _ = async move { c.get().await }; }").second.find("may borrow from `c`"),
            std::string::npos);
}

TEST(RedundantAsyncBlock, Edition2018CapturesWholeVariables) {
  const char* fieldMove = "fn f(c: Client) { let _ = async { g(c.id).await }; }";
  EXPECT_EQ(onlyFix(fieldMove, Edition::E2021).first, Applicability::Safe);
  auto old = onlyFix(fieldMove, Edition::E2018);
  EXPECT_EQ(old.first, Applicability::Unavailable);
  EXPECT_NE(old.second.find("edition 2018"), std::string::npos);
  // Borrows without `move` are the same before and after, in any edition.
  EXPECT_EQ(onlyFix("fn f(s: String) { let _ = async { look(&s).await }; }", Edition::E2018).first,
            Applicability::Safe);
}

TEST(RedundantAsyncBlock, LeavesAFnBodyBlockToItsAttributeMacro) {
  const char* body =
      " fn f(c: &Client) -> impl std::future::Future<Output = u32> + '_ { async move { c.get().await } }";
  auto instrumented = onlyFix(std::string("#[tracing::instrument]") + body);
  EXPECT_EQ(instrumented.first, Applicability::Unavailable);
  EXPECT_NE(instrumented.second.find("`#[tracing::instrument]` sees the fn as written"), std::string::npos);
  EXPECT_EQ(onlyFix(std::string("#[tracing::instrument]") +
                    " fn f(c: &Client) -> std::pin::Pin<Box<dyn std::future::Future<Output = u32> + '_>> {"
                    " Box::pin(async move { c.get().await }) }")
                .first,
            Applicability::Unavailable);
  EXPECT_EQ(onlyFix(std::string("#[inline]") + body).first, Applicability::Safe);
  // Not the body's tail: the macro does not look there.
  EXPECT_EQ(onlyFix("#[tracing::instrument] fn f(c: &Client) { let _ = async move { c.get().await }; }").first,
            Applicability::Safe);
}

TEST(RedundantAsyncBlock, ReindentsAMultiLineCallToTheBlocksLine) {
  auto fix = onlyFix(
      "fn f(a: u32) {\n"
      "    let _ = async move {\n"
      "        g(\n"
      "            a,\n"
      "        )\n"
      "        .await\n"
      "    };\n"
      "}\n");
  EXPECT_EQ(fix.second, "g(\n        a,\n    )");
}

}  // namespace

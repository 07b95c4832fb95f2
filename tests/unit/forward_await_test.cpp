// forward-await matcher and safety conditions on cases the std-only fixtures cannot build: real
// attribute macros, edition 2015, closures, and the exact signatures the rule writes.
#include <gtest/gtest.h>

#include <algorithm>

#include "rewriter/rule.h"

namespace corofix {
namespace {

struct Checked {
  std::vector<Finding> findings;
  std::string text;

  /// The text after applying the first finding's fix.
  std::string fixed() const {
    std::string out = text;
    auto edits = findings.at(0).fix.edits;
    std::sort(edits.begin(), edits.end(), [](const auto& a, const auto& b) { return a.range.begin > b.range.begin; });
    for (const auto& e : edits) out.replace(e.range.begin, e.range.end - e.range.begin, e.replacement);
    return out;
  }
  const Fix& fix() const { return findings.at(0).fix; }
};

Checked check(std::string text, Edition edition = Edition::E2021) {
  Checked out{{}, std::move(text)};
  auto tree = SyntaxTree::parseRust(out.text);
  CalleeIndex index;
  index.addParsedFile("lib.rs", *tree);
  FileContext context{edition, &index};
  CheckOptions options;
  const Rule* rule = findRule("forward-await");
  EXPECT_NE(rule, nullptr);
  out.findings = rule->check({"lib.rs", out.text, *tree, context, options});
  return out;
}

constexpr std::string_view kCallee = "async fn g(x: u32) -> u32 { x }\n";

std::string withCallee(std::string_view code) { return std::string(kCallee) + std::string(code); }

TEST(ForwardAwait, RewritesAFreeFn) {
  auto c = check(withCallee("pub async fn f(x: u32) -> u32 {\n    g(x).await\n}\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe);
  EXPECT_EQ(c.fixed(), withCallee("pub fn f(x: u32) -> impl core::future::Future<Output = u32> {\n    g(x)\n}\n"));
}

TEST(ForwardAwait, AttributeMacroOnTheFnHasNoFix) {
  auto c = check(withCallee("#[tracing::instrument]\nasync fn f(x: u32) -> u32 { g(x).await }\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unavailable);
  EXPECT_NE(c.fix().reason.find("`#[tracing::instrument]` may be an attribute macro"), std::string::npos);
}

TEST(ForwardAwait, AttributeMacroOnTheImplHasNoFix) {
  auto c = check(withCallee("struct S;\n#[async_trait]\nimpl T for S {\n    async fn f(&self, x: u32) -> u32 { g(x).await }\n}\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unavailable);
  EXPECT_NE(c.fix().reason.find("`#[async_trait]`"), std::string::npos);
}

TEST(ForwardAwait, LooksInsideCfgAttr) {
  auto macro = check(withCallee("#[cfg_attr(feature = \"trace\", inline, tracing::instrument(skip(x)))]\n"
                                "async fn f(x: u32) -> u32 { g(x).await }\n"));
  ASSERT_EQ(macro.findings.size(), 1u);
  EXPECT_EQ(macro.fix().applicability, Applicability::Unavailable);
  auto builtin = check(withCallee("#[cfg_attr(test, allow(dead_code), inline)]\n#[must_use]\n"
                                  "async fn f(x: u32) -> u32 { g(x).await }\n"));
  ASSERT_EQ(builtin.findings.size(), 1u);
  EXPECT_EQ(builtin.fix().applicability, Applicability::Safe);
}

TEST(ForwardAwait, NothingInEdition2015) {
  EXPECT_TRUE(check(withCallee("async fn f(x: u32) -> u32 { g(x).await }\n"), Edition::E2015).findings.empty());
}

TEST(ForwardAwait, OnlyTheForwardingShape) {
  for (std::string_view body : {"{ g(x).await; }", "{ g(x).await? }", "{ let y = x; g(y).await }", "{ g(x).await + 1 }",
                                "{ { g(x).await } }", "{ x.await }"}) {
    auto c = check(withCallee("async fn f(x: u32) -> u32 " + std::string(body) + "\n"));
    EXPECT_TRUE(c.findings.empty()) << body;
  }
}

TEST(ForwardAwait, SkipsTraitDefaultsAndMacros) {
  EXPECT_TRUE(check(withCallee("trait T { async fn f(&self, x: u32) -> u32 { g(x).await } }\n")).findings.empty());
  EXPECT_TRUE(check(withCallee("m! { async fn f(x: u32) -> u32 { g(x).await } }\n")).findings.empty());
}

TEST(ForwardAwait, ClosuresThatBorrowAParameterHaveNoFix) {
  std::string callee = "async fn run<F: Fn() -> usize>(f: F) -> usize { f() }\n";
  auto owned = check(callee + "async fn f(s: String) -> usize { run(move || s.len()).await }\n");
  EXPECT_NE(owned.fix().reason.find("parameter `s` is captured by a `move` closure"), std::string::npos);
  auto copied = check(callee + "async fn f(n: usize) -> usize { run(|| n + 1).await }\n");
  EXPECT_NE(copied.fix().reason.find("parameter `n` is captured by a closure, which borrows it"), std::string::npos);
  auto moved = check(callee + "async fn f(n: usize, s: &str) -> usize { run(move || s.len() + n).await }\n");
  EXPECT_EQ(moved.fix().applicability, Applicability::Safe);
  // Edition 2021 closures capture the place used (`*s`), edition 2018 ones the variable `s`.
  std::string reborrowed = callee + "async fn f(s: &str) -> usize { run(|| s.len()).await }\n";
  EXPECT_EQ(check(reborrowed).fix().applicability, Applicability::Safe);
  EXPECT_NE(check(reborrowed, Edition::E2018).fix().reason.find("parameter `s` is captured by a closure"),
            std::string::npos);
  auto itself = check(callee + "async fn f(s: &str) -> usize { run(|| (&s).len()).await }\n");
  EXPECT_NE(itself.fix().reason.find("parameter `s` is borrowed by the call (`&s`)"), std::string::npos);
}

TEST(ForwardAwait, OwnedParametersMustBeMovedWholeOnce) {
  std::string callee = "async fn h<A, B>(a: A, b: B) -> u32 { 0 }\n";
  auto twice = check(callee + "async fn f<T: Copy>(t: T) -> u32 { h(t, t).await }\n");
  EXPECT_NE(twice.fix().reason.find("parameter `t` is used more than once"), std::string::npos);
  auto inMacro = check(callee + "async fn f(s: String) -> u32 { h(format!(\"{}\", s), 1).await }\n");
  EXPECT_NE(inMacro.fix().reason.find("parameter `s` is used inside a macro"), std::string::npos);
  auto receiver = check(callee + "async fn f(n: u32) -> u32 { n.h(1).await }\n");
  EXPECT_NE(receiver.fix().reason.find("parameter `n` is the receiver of `n.h(1)`"), std::string::npos);
  auto wrapped = check(callee + "struct W { s: String }\n"
                                "async fn f(s: String, t: String) -> u32 { h(W { s }, 1).await }\n");
  EXPECT_NE(wrapped.fix().reason.find("parameter `t` is never used"), std::string::npos);
  auto inOrder = check(callee + "async fn f(s: String, t: String, u: String) -> u32 { h((s, [t]), u).await }\n");
  EXPECT_EQ(inOrder.fix().applicability, Applicability::Safe);
  auto reordered = check(callee + "async fn f(s: String, t: String) -> u32 { h(t, s).await }\n");
  EXPECT_NE(reordered.fix().reason.find("parameters `s`, `t` reach `h(t, s)` in another order"), std::string::npos);
  auto inStruct = check(callee + "struct W { t: String, s: String }\n"
                                 "async fn f(s: String, t: String) -> u32 { h(W { s, t }, 1).await }\n");
  EXPECT_NE(inStruct.fix().reason.find("are moved into a struct literal"), std::string::npos);
  auto oneInStruct = check(callee + "struct W { s: String }\n"
                                    "async fn f(s: String, n: &u32) -> u32 { h(W { s }, n).await }\n");
  EXPECT_EQ(oneInStruct.fix().applicability, Applicability::Safe);
  auto selfMoved = check(callee + "struct S;\nimpl S {\n    async fn f(self) -> u32 { Self::h(self, 1).await }\n}\n");
  EXPECT_EQ(selfMoved.fix().applicability, Applicability::Safe);
}

TEST(ForwardAwait, ImpureReceiverIsUnsafe) {
  auto c = check("struct C;\nimpl C { async fn get(&self) -> u32 { 1 } }\nstruct P { conns: Vec<C> }\n"
                 "impl P {\n    async fn f(&self, i: usize) -> u32 { self.conns[i].get().await }\n}\n");
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_NE(c.fix().reason.find("the receiver `self.conns[i]` would run when `f` is called"), std::string::npos);
}

TEST(ForwardAwait, TemporaryReceiverHasNoFix) {
  auto c = check("struct C;\nimpl C { async fn get(&self) -> u32 { 1 } }\n"
                 "fn client() -> C { C }\nasync fn f() -> u32 { client().get().await }\n");
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_NE(c.fix().reason.find("the receiver `client()` is a temporary that `get` may borrow"), std::string::npos);
}

TEST(ForwardAwait, ControlFlowInTheCallIsAnotherShape) {
  for (std::string_view body : {"{ g(h().await).await }", "{ g(x?).await }", "{ x?.g().await }",
                                "{ g(match x { Ok(v) => v, Err(_) => return 0 }).await }"}) {
    auto c = check(withCallee("async fn h() -> u32 { 1 }\nasync fn f(x: Result<u32, ()>) -> u32 " + std::string(body) + "\n"));
    EXPECT_TRUE(c.findings.empty()) << body;
  }
  auto inClosure = check(withCallee("async fn run<F: Fn() -> Option<u32>>(f: F) -> u32 { 0 }\n"
                                    "async fn f(x: &Option<u32>) -> u32 { run(|| Some((*x)?)).await }\n"));
  EXPECT_EQ(inClosure.findings.size(), 1u);
}

TEST(ForwardAwait, NamesLifetimesThatDoNotClash) {
  auto c = check("struct P<'a>(&'a str);\nasync fn g(a: &str, b: &str, c: &str) -> usize { 0 }\n"
                 "impl<'a> P<'a> {\n    async fn f<T>(&self, b: &str, t: &mut T) -> usize { g(self.0, b, \"\").await }\n}\n");
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_NE(c.fixed().find("fn f<'b, 'c, 'd, T>(&'b self, b: &'c str, t: &'d mut T) -> "
                           "impl core::future::Future<Output = usize> + use<'b, 'c, 'd, 'a, T> {"),
            std::string::npos)
      << c.fixed();
}

TEST(ForwardAwait, NamesTheElidedLifetimeWhenUnderscoreWouldMeanAnother) {
  std::string callee = "async fn g<A, B>(a: A, b: B) -> usize { 0 }\nstruct S;\nstruct L<'x, T>(&'x T);\n";
  auto namedSelf = check(callee + "impl S {\n    async fn f<'a>(&'a self, k: &str) -> usize { g(self, k).await }\n}\n");
  EXPECT_NE(namedSelf.fixed().find("fn f<'b, 'a>(&'a self, k: &'b str) -> "
                                   "impl core::future::Future<Output = usize> + use<'b, 'a> {"),
            std::string::npos)
      << namedSelf.fixed();
  auto namedParam = check(callee + "async fn f<'q>(x: &'q str, y: &str) -> usize { g(x, y).await }\n");
  EXPECT_NE(namedParam.fixed().find("fn f<'a, 'q>(x: &'q str, y: &'a str) -> "
                                    "impl core::future::Future<Output = usize> + use<'a, 'q> {"),
            std::string::npos)
      << namedParam.fixed();
  auto noneElided = check(callee + "impl<'x, T> L<'x, T> {\n    async fn f(self) -> usize { g(self, 1).await }\n}\n");
  EXPECT_NE(noneElided.fixed().find("fn f(self) -> impl core::future::Future<Output = usize> + use<'x, T> {"),
            std::string::npos)
      << noneElided.fixed();
}

TEST(ForwardAwait, ImplLifetimeWithOneReference) {
  auto c = check("struct P<'x>(&'x str);\nasync fn g(a: &str) -> usize { 0 }\n"
                 "impl<'x> P<'x> {\n    async fn f(&self) -> usize { g(self.0).await }\n}\n");
  EXPECT_NE(c.fixed().find("fn f(&self) -> impl core::future::Future<Output = usize> + use<'_, 'x> {"),
            std::string::npos)
      << c.fixed();
}

TEST(ForwardAwait, Edition2018WritesCapturesLike2021) {
  auto c = check(withCallee("struct S;\nimpl S {\n    async unsafe fn f(&self, x: u32) -> u32 { g(x).await }\n}\n"),
                 Edition::E2018);
  EXPECT_NE(c.fixed().find("    unsafe fn f(&self, x: u32) -> impl core::future::Future<Output = u32> + '_ {"),
            std::string::npos)
      << c.fixed();
}

TEST(ForwardAwait, SpellsFutureAsTheScopeHasIt) {
  std::string fn = "async fn f(x: u32) -> u32 { g(x).await }\n";
  EXPECT_NE(check(withCallee("use std::future::{self, Future};\n" + fn)).fixed().find("-> impl Future<"), std::string::npos);
  EXPECT_NE(check(withCallee("use core::{future::Future, pin::Pin};\n" + fn)).fixed().find("-> impl Future<"),
            std::string::npos);
  EXPECT_NE(check(withCallee("use futures::Future;\n" + fn), Edition::E2024).fixed().find("-> impl core::future::Future<"),
            std::string::npos);
  EXPECT_NE(check(withCallee("struct Future;\n" + fn), Edition::E2024).fixed().find("-> impl core::future::Future<"),
            std::string::npos);
  EXPECT_NE(check(withCallee("mod m { use std::future::Future; }\n" + fn)).fixed().find("-> impl core::future::Future<"),
            std::string::npos);
  EXPECT_NE(check(withCallee("use super::*;\n" + fn), Edition::E2024).fixed().find("-> impl core::future::Future<"),
            std::string::npos);
  EXPECT_NE(check(withCallee(fn), Edition::E2024).fixed().find("-> impl Future<"), std::string::npos);
}

TEST(ForwardAwait, CoercionNeedsTheCalleesOutput) {
  auto same = check("async fn g(s: &str) -> &str { s }\nasync fn f(s: &str) -> &str { g(s).await }\n");
  EXPECT_EQ(same.fix().applicability, Applicability::Safe);
  auto other = check("async fn g(s: &String) -> &String { s }\nasync fn f(s: &String) -> &str { g(s).await }\n");
  EXPECT_EQ(other.fix().applicability, Applicability::Unsafe);
  auto notPointer = check("async fn g(s: &str) -> Option<&str> { Some(s) }\n"
                          "async fn f(s: &str) -> Option<&str> { g(s).await }\n");
  EXPECT_EQ(notPointer.fix().reason.find("coerce"), std::string::npos);
}

}  // namespace
}  // namespace corofix

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
  bool reasonHas(std::string_view part) const { return fix().reason.find(part) != std::string::npos; }
  bool fixedHas(std::string_view part) const { return fixed().find(part) != std::string::npos; }
};

Checked check(std::string text, Edition edition = Edition::E2021) {
  Checked out{{}, std::move(text)};
  auto tree = SyntaxTree::parseRust(out.text);
  CalleeIndex index;
  index.addParsedFile("lib.rs", *tree);
  FileContext context{edition, &index};
  CheckOptions options;
  const RustRule* rule = findRustRule("forward-await");
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
  EXPECT_TRUE(c.reasonHas("`#[tracing::instrument]` may be an attribute macro")) << c.fix().reason;
}

TEST(ForwardAwait, AttributeMacroOnTheImplHasNoFix) {
  auto c = check(withCallee("struct S;\n#[async_trait]\nimpl T for S {\n"
                            "    async fn f(&self, x: u32) -> u32 { g(x).await }\n}\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(c.reasonHas("`#[async_trait]`")) << c.fix().reason;
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
  EXPECT_TRUE(owned.reasonHas("parameter `s` is captured by a `move` closure or block")) << owned.fix().reason;
  auto copied = check(callee + "async fn f(n: usize) -> usize { run(|| n + 1).await }\n");
  EXPECT_TRUE(copied.reasonHas("parameter `n` is captured by a closure or `async` block that borrows it"))
      << copied.fix().reason;
  auto moved = check(callee + "async fn f(n: usize, s: &str) -> usize { run(move || s.len() + n).await }\n");
  EXPECT_EQ(moved.fix().applicability, Applicability::Safe);
  // Edition 2021 closures capture the place used (`*s`), edition 2018 ones the variable `s`.
  std::string reborrowed = callee + "async fn f(s: &str) -> usize { run(|| s.len()).await }\n";
  EXPECT_EQ(check(reborrowed).fix().applicability, Applicability::Safe);
  EXPECT_TRUE(check(reborrowed, Edition::E2018).reasonHas("parameter `s` is captured by a closure"));
  std::string block = "async fn wait<F: std::future::Future<Output = usize>>(f: F) -> usize { f.await }\n"
                      "async fn f(s: &str, n: usize) -> usize { wait(async { s.len() + n }).await }\n";
  EXPECT_TRUE(check(block).reasonHas("parameter `n` is captured by a closure or `async` block"));
  auto itself = check(callee + "async fn f(s: &str) -> usize { run(|| (&s).len()).await }\n");
  EXPECT_TRUE(itself.reasonHas("parameter `s` is borrowed by the call (`&s`)")) << itself.fix().reason;
}

TEST(ForwardAwait, OwnedParametersMustBeMovedWholeOnce) {
  std::string callee = "async fn h<A, B>(a: A, b: B) -> u32 { 0 }\n";
  auto twice = check(callee + "async fn f<T: Copy>(t: T) -> u32 { h(t, t).await }\n");
  EXPECT_TRUE(twice.reasonHas("parameter `t` is used more than once")) << twice.fix().reason;
  auto inMacro = check(callee + "async fn f(s: String) -> u32 { h(format!(\"{}\", s), 1).await }\n");
  EXPECT_TRUE(inMacro.reasonHas("parameter `s` is used inside a macro")) << inMacro.fix().reason;
  auto receiver = check(callee + "async fn f(n: u32) -> u32 { n.h(1).await }\n");
  EXPECT_TRUE(receiver.reasonHas("parameter `n` is the receiver of `n.h(1)`")) << receiver.fix().reason;
  auto wrapped = check(callee + "struct W { s: String }\n"
                                "async fn f(s: String, t: String) -> u32 { h(W { s }, 1).await }\n");
  EXPECT_TRUE(wrapped.reasonHas("parameter `t` is never used")) << wrapped.fix().reason;
  auto inOrder = check(callee + "async fn f(s: String, t: String, u: String) -> u32 { h((s, [t]), u).await }\n");
  EXPECT_EQ(inOrder.fix().applicability, Applicability::Safe);
  auto reordered = check(callee + "async fn f(s: String, t: String) -> u32 { h(t, s).await }\n");
  EXPECT_TRUE(reordered.reasonHas("parameters `s`, `t` reach `h(t, s)` in another order")) << reordered.fix().reason;
  auto inStruct = check(callee + "struct W { t: String, s: String }\n"
                                 "async fn f(s: String, t: String) -> u32 { h(W { s, t }, 1).await }\n");
  EXPECT_TRUE(inStruct.reasonHas("are moved into a struct literal")) << inStruct.fix().reason;
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
  EXPECT_TRUE(c.reasonHas("the receiver `self.conns[i]` would run when `f` is called")) << c.fix().reason;
}

TEST(ForwardAwait, TemporaryReceiverIsUnsafe) {
  auto c = check("struct C;\nimpl C { async fn get(&self) -> u32 { 1 } }\n"
                 "fn client() -> C { C }\nasync fn f() -> u32 { client().get().await }\n");
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(c.reasonHas("the receiver `client()` is a temporary: if `get` borrows it")) << c.fix().reason;
}

TEST(ForwardAwait, ControlFlowInTheCallIsAnotherShape) {
  for (std::string_view body : {"{ g(h().await).await }", "{ g(x?).await }", "{ x?.g().await }",
                                "{ g(match x { Ok(v) => v, Err(_) => return 0 }).await }"}) {
    auto c = check(withCallee("async fn h() -> u32 { 1 }\n"
                              "async fn f(x: Result<u32, ()>) -> u32 " + std::string(body) + "\n"));
    EXPECT_TRUE(c.findings.empty()) << body;
  }
  auto inClosure = check(withCallee("async fn run<F: Fn() -> Option<u32>>(f: F) -> u32 { 0 }\n"
                                    "async fn f(x: &Option<u32>) -> u32 { run(|| Some((*x)?)).await }\n"));
  EXPECT_EQ(inClosure.findings.size(), 1u);
}

TEST(ForwardAwait, NamesLifetimesThatDoNotClash) {
  auto c = check("struct P<'a>(&'a str);\nasync fn g(a: &str, b: &str, c: &str) -> usize { 0 }\n"
                 "impl<'a> P<'a> {\n"
                 "    async fn f<T>(&self, b: &str, t: &mut T) -> usize { g(self.0, b, \"\").await }\n}\n");
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_TRUE(c.fixedHas("fn f<'b, 'c, 'd, T>(&'b self, b: &'c str, t: &'d mut T) -> "
                           "impl core::future::Future<Output = usize> + use<'b, 'c, 'd, 'a, T> {")) << c.fixed();
}

TEST(ForwardAwait, NamesTheElidedLifetimeWhenUnderscoreWouldMeanAnother) {
  std::string callee = "async fn g<A, B>(a: A, b: B) -> usize { 0 }\nstruct S;\nstruct L<'x, T>(&'x T);\n";
  auto namedSelf = check(callee + "impl S {\n    async fn f<'a>(&'a self, k: &str) -> usize { g(self, k).await }\n}\n");
  EXPECT_TRUE(namedSelf.fixedHas("fn f<'b, 'a>(&'a self, k: &'b str) -> "
                                   "impl core::future::Future<Output = usize> + use<'b, 'a> {")) << namedSelf.fixed();
  auto namedParam = check(callee + "async fn f<'q>(x: &'q str, y: &str) -> usize { g(x, y).await }\n");
  EXPECT_TRUE(namedParam.fixedHas("fn f<'a, 'q>(x: &'q str, y: &'a str) -> "
                                    "impl core::future::Future<Output = usize> + use<'a, 'q> {")) << namedParam.fixed();
  auto noneElided = check(callee + "impl<'x, T> L<'x, T> {\n    async fn f(self) -> usize { g(self, 1).await }\n}\n");
  EXPECT_TRUE(noneElided.fixedHas("fn f(self) -> impl core::future::Future<Output = usize> + use<'x, T> {"))
      << noneElided.fixed();
}

TEST(ForwardAwait, ImplLifetimeWithOneReference) {
  auto c = check("struct P<'x>(&'x str);\nasync fn g(a: &str) -> usize { 0 }\n"
                 "impl<'x> P<'x> {\n    async fn f(&self) -> usize { g(self.0).await }\n}\n");
  EXPECT_TRUE(c.fixedHas("fn f(&self) -> impl core::future::Future<Output = usize> + use<'_, 'x> {")) << c.fixed();
}

TEST(ForwardAwait, UseCapturesOnlyWhereTheRustVersionHasThem) {
  auto checkWith = [](const std::string& text, std::string rustVersion) {
    auto tree = SyntaxTree::parseRust(text);
    CalleeIndex index;
    index.addParsedFile("lib.rs", *tree);
    FileContext context{Edition::E2021, &index, nullptr, nullptr, std::move(rustVersion)};
    CheckOptions options;
    auto findings = findRustRule("forward-await")->check({"lib.rs", text, *tree, context, options});
    EXPECT_EQ(findings.size(), 1u);
    return findings.empty() ? Fix{} : findings[0].fix;
  };
  std::string several = "struct P<'x>(&'x str);\nasync fn g(a: &str) -> usize { 0 }\n"
                        "impl<'x> P<'x> {\n    async fn f(&self) -> usize { g(self.0).await }\n}\n";
  Fix old = checkWith(several, "1.70");
  EXPECT_EQ(old.applicability, Applicability::Unavailable);
  EXPECT_NE(old.reason.find("`use<..>`, which needs Rust 1.82, and the package's rust-version is 1.70"),
            std::string::npos) << old.reason;
  EXPECT_EQ(checkWith(several, "1.82").applicability, Applicability::Safe);
  // One reference: `+ '_`, which any Rust with `async fn` has.
  std::string one = "async fn g(a: &str) -> usize { 0 }\nasync fn f(a: &str) -> usize { g(a).await }\n";
  EXPECT_EQ(checkWith(one, "1.70").applicability, Applicability::Safe);
}

TEST(ForwardAwait, CalleeThatTiesTheWrappersBorrows) {
  std::string tied = "async fn g<'s>(a: &'s str, b: &'s str) -> usize { 0 }\n";
  auto two = check(tied + "async fn f(a: &str, b: &str) -> usize { g(a, b).await }\n", Edition::E2024);
  EXPECT_EQ(two.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(two.reasonHas("`g` gives `'s` to several parameters")) << two.fix().reason;
  auto one = check(tied + "async fn f(a: &str) -> usize { g(a, \"x\").await }\n");
  EXPECT_EQ(one.fix().applicability, Applicability::Safe);
  auto sameType = check("async fn g<T>(a: T, b: T) -> usize { 0 }\n"
                        "async fn f(a: &str, b: &str) -> usize { g(a, b).await }\n");
  EXPECT_TRUE(sameType.reasonHas("`g` gives `T` to several parameters")) << sameType.fix().reason;
  auto throughSelf = check("struct S<'d>(&'d str);\nimpl<'d> S<'d> {\n"
                           "    async fn g<'a>(&'a self, n: &'a u8) -> usize { 0 }\n"
                           "    async fn f(&self) -> usize { self.g(&1).await }\n}\n");
  EXPECT_EQ(throughSelf.findings.size(), 1u);
  EXPECT_EQ(throughSelf.fix().applicability, Applicability::Safe);
  auto elsewhere = check("async fn f(a: &str, b: &str) -> usize { other::g(a, b).await }\n", Edition::E2024);
  EXPECT_TRUE(elsewhere.reasonHas("`f` borrows several lifetimes and no definition that may be `other::g` is known"))
      << elsewhere.fix().reason;
  // A method call: the free `g` is not a candidate, `T::g` is.
  std::string methods = "struct S;\nimpl S { async fn g(&self, a: &str, b: &str) -> usize { 0 } }\n"
                        "async fn f(s: &S, a: &str) -> usize { s.g(a, a).await }\n";
  EXPECT_EQ(check(tied + methods).fix().applicability, Applicability::Safe);
  auto oneOfSeveral = check(tied + methods + "struct T;\nimpl T { async fn g<'s>(&'s self, a: &'s str, b: &str) -> usize { 0 } }\n");
  EXPECT_EQ(oneOfSeveral.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(oneOfSeveral.reasonHas("`g` gives `'s` to several parameters (lib.rs:6)")) << oneOfSeveral.fix().reason;
}

TEST(ForwardAwait, ADefinitionElsewhereThatTiesTheBorrowsMakesTheFixUnsafe) {
  std::string text = "struct S;\nimpl S { async fn g(&self, a: &str) -> u8 { 0 } }\n"
                     "async fn f(s: &S, a: &str) -> u8 { s.g(a).await }\n";
  auto checkWith = [&](std::string_view elsewhere) {
    auto tree = SyntaxTree::parseRust(text);
    auto other = SyntaxTree::parseRust(elsewhere);
    CalleeIndex index;
    index.addParsedFile("lib.rs", *tree);
    index.addParsedFile("other.rs", *other);
    FileContext context{Edition::E2021, &index};
    CheckOptions options;
    auto findings = findRustRule("forward-await")->check({"lib.rs", text, *tree, context, options});
    EXPECT_EQ(findings.size(), 1u);
    return findings.empty() ? Fix{} : findings[0].fix;
  };
  EXPECT_EQ(checkWith("").applicability, Applicability::Safe);
  // A method may be another type's: that one ties `'s`, and returning its future would not compile.
  Fix fix = checkWith("struct T;\nimpl T { async fn g<'s>(&'s self, a: &'s str) -> u8 { 0 } }\n");
  EXPECT_EQ(fix.applicability, Applicability::Unsafe);
  EXPECT_NE(fix.reason.find("`g` gives `'s` to several parameters (other.rs:2)"), std::string::npos) << fix.reason;
}

TEST(ForwardAwait, Edition2018WritesCapturesLike2021) {
  auto c = check(withCallee("struct S;\nimpl S {\n    async unsafe fn f(&self, x: u32) -> u32 { g(x).await }\n}\n"),
                 Edition::E2018);
  EXPECT_TRUE(c.fixedHas("    unsafe fn f(&self, x: u32) -> impl core::future::Future<Output = u32> + '_ {"))
      << c.fixed();
}

TEST(ForwardAwait, SpellsFutureAsTheScopeHasIt) {
  std::string fn = "async fn f(x: u32) -> u32 { g(x).await }\n";
  std::string_view bare = "-> impl Future<", full = "-> impl core::future::Future<";
  EXPECT_TRUE(check(withCallee("use std::future::{self, Future};\n" + fn)).fixedHas(bare));
  EXPECT_TRUE(check(withCallee("use core::{future::Future, pin::Pin};\n" + fn)).fixedHas(bare));
  EXPECT_TRUE(check(withCallee(fn), Edition::E2024).fixedHas(bare));
  EXPECT_TRUE(check(withCallee("use futures::Future;\n" + fn), Edition::E2024).fixedHas(full));
  EXPECT_TRUE(check(withCallee("struct Future;\n" + fn), Edition::E2024).fixedHas(full));
  EXPECT_TRUE(check(withCallee("use super::*;\n" + fn), Edition::E2024).fixedHas(full));
  EXPECT_TRUE(check(withCallee("mod m { use std::future::Future; }\n" + fn)).fixedHas(full));
}

TEST(ForwardAwait, CoercionNeedsTheCalleesOutput) {
  auto same = check("async fn g(s: &str) -> &str { s }\nasync fn f(s: &str) -> &str { g(s).await }\n");
  EXPECT_EQ(same.fix().applicability, Applicability::Safe);
  auto other = check("async fn g(s: &String) -> &String { s }\nasync fn f(s: &String) -> &str { g(s).await }\n");
  EXPECT_EQ(other.fix().applicability, Applicability::Unsafe);
  auto notPointer = check("async fn g(s: &str) -> Option<&str> { Some(s) }\n"
                          "async fn f(s: &str) -> Option<&str> { g(s).await }\n");
  EXPECT_FALSE(notPointer.reasonHas("coerce"));
}

}  // namespace
}  // namespace corofix
